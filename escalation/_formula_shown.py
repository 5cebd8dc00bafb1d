"""One rule for quoting a formula in a message: the values typed beside a personal column withheld.

A formula is the user's text, and it may hold personal data: the reference level of an
identifier (``C(child_id, Treatment('C0042'))``), an identifier compared with
(``I(child_id == 'C0042')``) or a name searched for in the note text
(``I(text.str.contains('Jane'))``). Every error that quotes a formula quotes
:func:`shown_formula` of it: in each term that uses a personal column (the rule of
:func:`~escalation.errors.is_personal`, which Table 1 refuses such columns by), every
value typed (a string, a number, a bare name that is no column, function or keyword) is
shown as :data:`~escalation.errors.WITHHELD`. The column and the shape of the term are
still shown, so the message says where the problem is.

Terms are the text between ``+``, ``-``, ``~``, ``:``, ``*``, ``/``, ``|`` and ``**``
outside brackets; the text is read as Python reads it (:mod:`tokenize`), so a term that
formulaic cannot read (an unclosed bracket or quote) is still withheld.

Examples
--------
>>> shown_formula("x + C(child_id, Treatment('C0042'))")
'x + C(child_id, Treatment(<withheld: personal data>))'
>>> shown_formula("C(g, Treatment('b')) + I(text.str.contains('Jane'))")
"C(g, Treatment('b')) + I(text.str.contains(<withheld: personal data>))"
>>> uses_personal("x + cluster(family_id)"), uses_personal("x + C(g)")
(True, False)
"""

from __future__ import annotations

import io
import keyword
import tokenize
from dataclasses import dataclass
from typing import Final

from escalation.errors import WITHHELD, is_personal

__all__ = ["shown_formula", "uses_personal"]

#: Operators that separate a formula's terms (outside brackets).
_SEPARATORS: Final = frozenset({"+", "-", "~", ":", "*", "/", "|", "**"})
_OPENING: Final = frozenset("([{")
_CLOSING: Final = frozenset(")]}")
#: Tokens that hold a value typed: withheld in a term of a personal column.
_VALUES: Final = frozenset({tokenize.STRING, tokenize.NUMBER, tokenize.ERRORTOKEN})


@dataclass(frozen=True)
class _Term:
    """The tokens of one term, and where the text the tokenizer could not read begins."""

    tokens: tuple[tokenize.TokenInfo, ...]
    unread_from: int | None = None


def shown_formula(formula: str) -> str:
    """Return ``formula`` as a message may quote it: values beside a personal column withheld.

    Parameters
    ----------
    formula : str
        A formula, a side of one or a term, as the user typed it.

    Returns
    -------
    str
        The text with every value typed in a term that uses a personal column replaced by
        :data:`~escalation.errors.WITHHELD`; the text unchanged when no term does.
    """
    offsets = _line_offsets(formula)
    spans: list[tuple[int, int]] = []
    for term in _terms(formula):
        if not _is_personal_term(term):
            continue
        spans += [
            (_offset(offsets, token.start), _offset(offsets, token.end))
            for i, token in enumerate(term.tokens)
            if _is_value(term.tokens, i)
        ]
        if term.unread_from is not None:
            spans.append((term.unread_from, len(formula)))
    return _withheld(formula, spans)


def uses_personal(formula: str) -> bool:
    """Return whether a term of ``formula`` uses a personal column (``child_id``, ``text``).

    A message that would quote another library's words about such a formula (which may
    quote the term or its values) gives only the kind of error instead.
    """
    return any(_is_personal_term(term) for term in _terms(formula))


def _terms(formula: str) -> list[_Term]:
    """Return the formula's terms (split at separators outside brackets)."""
    terms: list[_Term] = []
    current: list[tokenize.TokenInfo] = []
    depth = 0
    tokens, unread_from = _tokens(formula)
    for token in tokens:
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSING:
            depth = max(depth - 1, 0)
        elif token.type == tokenize.OP and token.string in _SEPARATORS and depth == 0:
            terms.append(_Term(tuple(current)))
            current = []
            continue
        current.append(token)
    terms.append(_Term(tuple(current), unread_from))
    return terms


def _tokens(formula: str) -> tuple[list[tokenize.TokenInfo], int | None]:
    """Return the tokens of ``formula`` and where the text not tokenized begins (if any).

    The tokenizer stops at an unclosed triple quote: the text from the end of the last
    token read is the unread rest, part of the last term.
    """
    tokens: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(formula).readline):
            tokens.append(token)
    except (tokenize.TokenError, SyntaxError):
        # An unclosed bracket ends the tokens read (all of them); an unclosed triple
        # quote leaves its text unread.
        read = _offset(_line_offsets(formula), tokens[-1].end) if tokens else 0
        if formula[read:].strip():
            return tokens, read
    return tokens, None


def _is_personal_term(term: _Term) -> bool:
    """Return whether a term names a personal column (as a value, not a call or keyword)."""
    return any(
        token.type == tokenize.NAME and _is_variable(term.tokens, i) and is_personal(token.string)
        for i, token in enumerate(term.tokens)
    )


def _is_variable(tokens: tuple[tokenize.TokenInfo, ...], i: int) -> bool:
    """Return whether the name ``tokens[i]`` is a value: not called, a keyword or an attribute."""
    after = tokens[i + 1].string if i + 1 < len(tokens) else ""
    before = tokens[i - 1].string if i > 0 else ""
    return after not in ("(", "=") and before != "." and not keyword.iskeyword(tokens[i].string)


def _is_value(tokens: tuple[tokenize.TokenInfo, ...], i: int) -> bool:
    """Return whether ``tokens[i]`` is a value typed (withheld in a personal term).

    Strings, numbers and what the tokenizer could not read (the rest of an unclosed
    quote), and a bare name that is neither a personal column (the message names it), a
    function called, a keyword argument, an object whose attribute is taken (``np`` of
    ``np.log``) nor an attribute: an identifier typed without quotes.
    """
    token = tokens[i]
    if token.type in _VALUES:
        return bool(token.string.strip())
    if token.type != tokenize.NAME or not _is_variable(tokens, i):
        return False
    after = tokens[i + 1].string if i + 1 < len(tokens) else ""
    return after != "." and not is_personal(token.string)


def _line_offsets(text: str) -> list[int]:
    """Return the offset in ``text`` of the start of each line (the tokenizer's rows, from 1)."""
    offsets = [0]
    for line in io.StringIO(text):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _offset(offsets: list[int], position: tuple[int, int]) -> int:
    """Return the offset in the text of a tokenizer position ``(row, column)``."""
    row, column = position
    return min(offsets[min(row - 1, len(offsets) - 1)] + column, offsets[-1])


def _withheld(text: str, spans: list[tuple[int, int]]) -> str:
    """Return ``text`` with each span replaced by the withheld marker.

    Spans that overlap or lie apart only by spaces (``'C1 23`` of an unclosed quote, read
    as three tokens) are one value: one marker.
    """
    merged: list[list[int]] = []
    for start, stop in sorted(spans):
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    out, end = [], 0
    for start, stop in merged:
        out += [text[end:start], WITHHELD]
        end = stop
    return "".join([*out, text[end:]])
