"""Remove personal identifiers from case-note text before anything else reads it.

Every piece of text processing in :mod:`escalation.predict.text` works on redacted text
only: :func:`redact` replaces identifiers with typed placeholders,

============  ==============================================================
placeholder   what it replaces
============  ==============================================================
``[EMAIL]``   e-mail addresses
``[DATE]``    dates (numeric, ISO, ``03 04 2012``, ``20120403``, ``12 March 2015``,
              ``March 12th``, ``March 2015``), which covers dates of birth
``[NHS]``     NHS numbers: ten digits, as 3-3-4 (``943 476 5919``, ``943-476-5919``) or
              run together, whose last digit passes the NHS modulus-11 check
``[POSTCODE]`` UK postcodes (``LS1 4AB``, ``sw1a1aa``, a non-breaking space inside)
``[PHONE]``   UK telephone numbers (``07700 900123``, ``+44 (0)20 7946 0018``,
              ``0044 7700 900123``)
``[ADDRESS]`` street addresses (``Flat 2, 14 Acacia Avenue``, ``Victoria Road``)
``[NAME]``    person names: a title and a name (``Mr Smith``, ``Ms J. Khan``, ``Mrs McGregor``,
              ``Dr D'Souza``, ``Mr JONES``), initials and a name (``S. Jones``), a
              capitalised word after a relation (``mother Sarah``), ``the Smith family``,
              a list of common UK first names shipped with the package (with a following
              surname: ``Olivia Brown``, ``SARAH JONES``, ``JONES, Sarah``), and any names
              the local authority supplies; the listed and supplied names in title, upper
              or lower case and with or without accents (``SARAH``, ``olivia``, ``Zoë``)
============  ==============================================================

A name word may hold any letter of the Latin, Greek or Cyrillic scripts (``García``,
``Łukasz``), a typographic apostrophe (``O’Neill``), a hyphen (``Anne-Marie``,
``Smith-Jones``) and particles written apart (``Ó Briain``, ``de Souza``, ``van der
Berg``). Capitalised words of social care (``Child Protection Plan``, ``Police``,
``Monday``), acronyms (``CAMHS``, ``GP``), organisations (``MS SOCIETY``, ``the U.K. Border
Agency``) and headings in capitals before a name (``NOTE, Sarah``: only ``Sarah`` goes)
are no names.

Text is put in Unicode normal form NFC first (an ``e`` followed by a combining diaeresis
becomes ``ë``), so that a name's letters make one word.

Redaction is recall-oriented and cannot be perfect: a surname on its own that is not in a
supplied name list survives, and so does a surname in capitals after a first name in text
written all in capitals (``SARAH JONES ATTENDED``: the surname cannot be told from a
word). The features built downstream therefore add a second line of
defence (tokens must occur in several spells' notes, digits are never tokens), and no note
text, redacted or not, is ever written to logs, errors or reports.

The whole column is redacted in a handful of passes over one joined string, so a
million notes take seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final, overload

import numpy as np
import pandas as pd

from escalation.predict.text.lexicon import lexicon_words

__all__ = ["PLACEHOLDERS", "Redactor", "first_names", "redact"]

#: Placeholders written in place of each kind of identifier.
PLACEHOLDERS: Final = {
    "email": "[EMAIL]",
    "date": "[DATE]",
    "nhs": "[NHS]",
    "postcode": "[POSTCODE]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}

# Joins notes into one string for the regex passes; never matched by any pattern.
_SEP: Final = "\x00"

_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")

# Month names, capitalised or not, except "May" and "Mar" which must be capitalised
# ("3 may attend" is not a date).
_MONTH = (
    r"(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|Mar(?:ch)?|march|[Aa]pr(?:il)?|May|[Jj]une?|"
    r"[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|"
    r"[Dd]ec(?:ember)?)"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
# Dates in two passes (each fast to scan): those starting with a digit, then with a month.
_DATE_NUMERIC = re.compile(
    r"\d(?<!\w\d)(?:"
    r"\d{3}-\d{1,2}-\d{1,2}"  # ISO
    r"|\d?[/.\-][01]?\d[/.\-](?:\d{4}|\d{2})"  # 12/03/2015, 1.3.15
    r"|\d?[ \xa0][01]?\d[ \xa0](?:19|20)\d{2}"  # 03 04 2012 (a four-digit year only)
    r"|\d{3}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # 20120403 (yyyymmdd)
    rf"|\d?(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b(?:\.?,?\s+\d{{4}})?"  # 12 March (2015)
    r")(?!\w)"
)
_DATE_MONTH = re.compile(
    rf"(?<![A-Za-z])(?=[ADFJMNOSadfjmnos]){_MONTH}\.?\s+"
    rf"(?:{_DAY}(?:,?\s+\d{{4}})?\b|\d{{4}})(?!\w)"  # March 12th(, 2015), March 2015
)

_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:[A-HK-Y]?\d[A-Z\d]?|\d[A-HJKPSTUW]?|[A-HK-Y]\d[ABEHMNPRVWXY]?)"
    r"[ \xa0]?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)

_PHONE = re.compile(
    r"(?=[+(0])(?<![\w+])(?:(?:\+44|0044)\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}"
    r"(?![\w])"
)

# NHS numbers: ten digits as 3-3-4 (space, hyphen or nothing between); the check digit is
# tested by _valid_nhs_number, so other ten-digit numbers are left alone.
_NHS = re.compile(r"\d(?<![\w+]\d)\d{2}([ \xa0-]?)\d{3}\1\d{4}(?!\w)")
# NHS modulus-11 weights of the first nine digits.
_NHS_WEIGHTS: Final = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def _valid_nhs_number(found: str) -> bool:
    """Whether the ten digits in ``found`` pass the NHS number's modulus-11 check."""
    digits = [int(ch) for ch in found if ch.isdigit()]
    remainder = sum(w * d for w, d in zip(_NHS_WEIGHTS, digits[:9], strict=True)) % 11
    check = (11 - remainder) % 11
    return check != 10 and check == digits[9]


def _redact_nhs_numbers(text: str) -> str:
    """Replace every NHS number (valid check digit) in ``text`` with ``[NHS]``."""
    return _NHS.sub(
        lambda m: PLACEHOLDERS["nhs"] if _valid_nhs_number(m.group(0)) else m.group(0), text
    )


_CAP = r"[A-Z][A-Za-z'’\-]+"
# Street words that make an address on their own after a capitalised word (``Acacia Avenue``).
_STREET_SURE = (
    r"Road|Street|Avenue|Lane|Close|Drive|Crescent|Gardens|Terrace|Mews|Parade|Boulevard|"
    r"Grove|Walk|Rise"
)
# Street words that are also ordinary words (``Family Court``): need a house number.
_STREET_NUMBERED = (
    r"Court|Park|Hill|Green|View|Way|Row|Place|Square|Rd|St|Ave|Ln|Dr|Cl|Cres|Ct|Gdns|Tce|Pde|Pl|Sq"
)
_HOUSE = r"(?:(?:Flat|Apartment|Apt\.?|Unit|Room)\s+\d+[A-Za-z]?,?\s+)?"
_NUMBER = r"\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?\s+"
_TOWN = rf"(?:,\s*{_CAP}(?:\s+{_CAP})?(?=\s*(?:[,.;:!?)\x00]|\[POSTCODE\]|$)))?"
_ADDRESS = re.compile(
    rf"\b(?=[A-Z0-9]){_HOUSE}(?:"
    rf"(?:{_NUMBER})?(?:{_CAP}\s+){{1,3}}(?:{_STREET_SURE})\b"
    rf"|{_NUMBER}(?:{_CAP}\s+){{1,3}}(?:{_STREET_SURE}|{_STREET_NUMBERED})\b\.?"
    rf"){_TOWN}"
)

# Words that name an organisation, not a person: ``MS SOCIETY`` is no title and a name,
# ``U.K. Border Agency`` no initials and a name (see _redact_initials).
_ORGANISATIONS: Final = (
    "Agency", "Association", "Authority", "Board", "Charity", "Commission", "Council",
    "Department", "Embassy", "Force", "Foundation", "Ministry", "Office", "Partnership",
    "Service", "Services", "Society", "Trust",
)  # fmt: skip
# Capitalised words that follow a relation or a title but are not names: function words,
# days, services and organisations, and the words of social-care terms that follow a
# relation word ("Child Protection Plan", "Child Sexual Exploitation", "Child Arrangements
# Order").
_NOT_NAMES = (
    r"I|A|An|The|He|She|They|It|We|You|His|Her|Their|This|That|There|Then|When|Who|And|But|"
    r"Or|Is|Was|Has|Had|Have|Did|Does|Not|No|Yes|Also|On|In|At|To|Of|For|By|As|If|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"Police|School|Social|Health|GP|Court|Team|Hospital|NAME|ADDRESS|"
    r"Protection|Plan|Conference|Review|Assessment|Sexual|Criminal|Exploitation|Abuse|"
    r"Arrangements|Order|Care|Centre|Minder|Benefit|Maintenance|Development|Support|Welfare|"
    + "|".join(_ORGANISATIONS)
)
# Words in capitals that head a note or a paragraph (``NOTE, Sarah called``), never a
# surname before a first name (``JONES, Sarah``).
_HEADINGS = (
    r"NOTE|NOTES|NB|PS|RE|UPDATE|UPDATES|ACTION|ACTIONS|OUTCOME|OUTCOMES|SUMMARY|VISIT|"
    r"CONCERN|CONCERNS|DECISION|ANALYSIS|PURPOSE|PRESENT|ATTENDEES|AGENDA|TASK|TASKS|"
    r"COMMENT|COMMENTS|FEEDBACK|ADDENDUM|CHRONOLOGY|RECOMMENDATION|RECOMMENDATIONS|URGENT|"
    r"IMPORTANT|ALERT|WARNING|RISK|RISKS|MOTHER|FATHER|CHILD|PARENT|PARENTS|CARER"
)
# Acronyms of social care written in capitals, never a surname in capitals (``SARAH JONES``
# but not ``SARAH CAMHS``); the placeholders this module writes are among them.
_ACRONYMS = (
    r"CAMHS|NSPCC|RSPCA|NHS|CP|CPP|CIN|CLA|LAC|CIC|CSE|CCE|DV|DA|IDVA|MARAC|MAPPA|ICPC|RCPC|"
    r"MASH|SEND|SENCO|SEN|EHCP|EHA|EH|ADHD|ASD|PTSD|PLO|IRO|LADO|YOT|SW|HV|DOB|AA|UK|TAF|TAC|"
    r"FGC|FGM|NRM|PEP|UASC|NFA|SGO|EPO|DBS|PCSO|PC|OFSTED|CYP|MDMA|NAI|AE|ED|ASAP|"
    r"DATE|EMAIL|PHONE|POSTCODE"
)

# Cased letters of the Latin, Greek and Cyrillic scripts (code points below U+2000), as the
# bodies of regular-expression classes: a name may be ``Zoë``, ``Łukasz`` or ``Ó Briain``.
_CASED_BELOW: Final = 0x2000


def _letter_class(categories: frozenset[str]) -> str:
    """Return the body of a character class of the letters in Unicode ``categories``."""
    chars = [chr(i) for i in range(_CASED_BELOW) if unicodedata.category(chr(i)) in categories]
    runs: list[list[str]] = []
    for ch in chars:
        if runs and ord(ch) == ord(runs[-1][-1]) + 1:
            runs[-1].append(ch)
        else:
            runs.append([ch])
    return "".join(
        re.escape(r[0]) if len(r) == 1 else f"{re.escape(r[0])}-{re.escape(r[-1])}" for r in runs
    )


_UPPER: Final = _letter_class(frozenset({"Lu", "Lt"}))
_LOWER: Final = _letter_class(frozenset({"Ll"}))
# Surname prefixes followed by an inner capital (McGregor, MacLeod, O'Neill, D'Souza,
# DeSouza, LeBlanc, VanDyke, FitzGerald).
_NAME_PREFIX = r"(?:Mc|Mac|O['’]|D['’]|De|Di|Da|Du|La|Le|Van|Von|Fitz)?"
# Particles written apart before a surname (Ó Briain, Ní Bhriain, de Souza, da Silva,
# van der Berg, Le Brun, al Hassan).
_PARTICLES = (
    r"(?:(?:Ó|O|Ní|Ni|Nic|Uí|Ui|Ua|de|De|da|Da|di|Di|du|Du|van|Van|von|Von|der|den|del|Del|della|"
    r"dos|das|Le|La|al|Al|el|El|bin|Bin|ben|Ben|ap)\s+){0,2}"
)
_TITLE_CASE = rf"{_NAME_PREFIX}[{_UPPER}][{_LOWER}'’\-]*[{_LOWER}]"
_CAPITALS = rf"{_NAME_PREFIX}[{_UPPER}][{_UPPER}'’]*[{_UPPER}]"
# A name word: capitalised (``Smith``, ``McGregor``, ``Okafor-Briggs``, ``García``,
# ``de Souza``), not a word of _NOT_NAMES.
_NAME_WORD = (
    rf"{_PARTICLES}(?!(?:{_NOT_NAMES})\b){_TITLE_CASE}"
    rf"(?:-{_NAME_PREFIX}[{_UPPER}][{_LOWER}'’]*[{_LOWER}])?\b"
)
# A name in capitals (``JONES``, ``O'BRIEN``, ``McGREGOR``, ``BROWN-SMITH``): not a word of
# _NOT_NAMES in any case, nor an acronym. (The first look-ahead, two capitals, fails fast
# on the other words, so the list is read only before words in capitals.)
_CAPITALS_WORD = (
    rf"(?=[{_UPPER}](?:['’]?|[a-z]{{1,3}}[{_UPPER}])[{_UPPER}])"
    rf"(?!(?i:{_NOT_NAMES}|{_ACRONYMS})\b){_CAPITALS}(?:-{_CAPITALS})?\b"
)
# A surname in capitals after a first name in capitals, unless another word in capitals
# follows: in text written all in capitals (``OLIVIA ATTENDED SCHOOL``) a surname cannot
# be told from a word.
_CAPITALS_SURNAME = rf"{_CAPITALS_WORD}(?!\s+[{_UPPER}][{_UPPER}])"
_TITLE_INITIALS = rf"(?:[{_UPPER}]\.?\s+)*"
_CAPITALS_NAME = rf"{_CAPITALS_WORD}(?:\s+{_CAPITALS_WORD})?"
# A title and a name (``Mr Smith``, ``Ms J. Khan``, ``Mr JONES``); a title in capitals takes
# a name in capitals only (``MR JONES``, not ``MS Society``).
_TITLE = re.compile(
    rf"\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master|Prof)\b\.?\s+{_TITLE_INITIALS}"
    rf"(?:{_NAME_WORD}(?:\s+{_NAME_WORD})?|{_CAPITALS_NAME})"
    rf"|(?:MR|MRS|MS|MISS|DR)\b\.?\s+{_TITLE_INITIALS}{_CAPITALS_NAME})"
)
# Initials and a surname without a title (``S. Jones``, ``S.J. Kowalski``); see
# _redact_initials for the words it leaves (``Plan B. Mother``).
_INITIALS = re.compile(rf"(?<![\w\[.'’])(?:[{_UPPER}]\.[ \t]*){{1,3}}(?<=[ \t])({_NAME_WORD})")
_RELATIONS = [
    "mother",
    "mum",
    "mom",
    "father",
    "dad",
    "stepfather",
    "step-father",
    "stepmother",
    "step-mother",
    "stepdad",
    "step-dad",
    "stepmum",
    "step-mum",
    "parent",
    "partner",
    "ex-partner",
    "boyfriend",
    "girlfriend",
    "husband",
    "wife",
    "fiance",
    "fiancee",
    "fiancée",
    "brother",
    "sister",
    "half-brother",
    "half-sister",
    "sibling",
    "son",
    "daughter",
    "child",
    "baby",
    "grandmother",
    "grandfather",
    "grandma",
    "grandad",
    "granddad",
    "nan",
    "nanna",
    "nanny",
    "gran",
    "grandparent",
    "aunt",
    "auntie",
    "aunty",
    "uncle",
    "cousin",
    "niece",
    "nephew",
    "friend",
    "neighbour",
    "carer",
    "lodger",
    "called",
    "named",
    "aka",
]
_RELATION_NAME_TEMPLATE = (
    rf"\b(?=[A-Za-z])(?i:(?:{{rel}})(?:['’]s)?)(\s*,?\s+){_NAME_WORD}(?:\s+{_NAME_WORD})?"
)
_FAMILY = re.compile(
    rf"(?i:\bthe)(\s+)(?:{_NAME_WORD}|{_CAPITALS_WORD})"
    rf"(?=(?:['’]s)?\s+(?i:family|household|children|siblings)\b)"
)


# Letters without a decomposition that are read as a plain letter (Łukasz as Lukasz).
_PLAIN: Final = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ı": "i"}


def _plain_letter(ch: str) -> str:
    """Return ``ch`` without its accent (``é`` → ``e``, ``Ł`` → ``L``), or ``ch`` itself."""
    if ch in _PLAIN:
        return _PLAIN[ch]
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    plain = base.isascii() and base.isalpha() and all(unicodedata.combining(m) for m in marks)
    return base if plain and marks else ch


def _plain_name(name: str) -> str:
    """Return ``name`` with accents removed (``Zoë Brontë`` → ``Zoe Bronte``).

    Examples
    --------
    >>> _plain_name("Łukasz Wójcik"), _plain_name("O’Neill")
    ('Lukasz Wojcik', 'O’Neill')
    """
    return "".join(_plain_letter(ch) for ch in name)


# Every accented letter (``é``, ``Ł``): what :func:`_plain_text` replaces.
_ACCENTED: Final = re.compile(
    "["
    + "".join(re.escape(ch) for ch in map(chr, range(_CASED_BELOW)) if _plain_letter(ch) != ch)
    + "]"
)


def _plain_text(text: str) -> str:
    """Return ``text`` with accents removed, letter for letter (so of the same length)."""
    return _ACCENTED.sub(lambda m: _plain_letter(m.group(0)), text)


def _sub_names(pattern: re.Pattern[str], text: str) -> str:
    """Replace each match of ``pattern`` with ``[NAME]``, matching ``text`` without accents.

    The names in ``pattern`` are written without accents (:func:`_plain_name`), so ``Zoe``
    finds ``Zoë``; a match in the plain text has the same place in ``text``.
    """
    plain = _plain_text(text)
    if plain == text:
        return pattern.sub(PLACEHOLDERS["name"], text)
    pieces: list[str] = []
    last = 0
    for m in pattern.finditer(plain):
        pieces += [text[last : m.start()], PLACEHOLDERS["name"]]
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _trie_regex(words: Iterable[str]) -> str:
    """Return a regex alternation of ``words`` factored as a prefix trie (fast to match)."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            body = "(?:" + body + ")?"
        return body

    return build(trie)


_RELATION_NAME: Final = re.compile(
    _RELATION_NAME_TEMPLATE.replace("{rel}", _trie_regex(_RELATIONS))
)


def _case_forms(name: str, *, lower: bool) -> set[str]:
    """Return ``name`` as given, in title case and in upper case (and in lower case)."""
    forms = {name, name.title(), name[:1].upper() + name[1:].lower(), name.upper()}
    return forms | {name.lower()} if lower else {f for f in forms if f[:1].isupper()}


# What surrounds a supplied name's letters: spaces, punctuation, digits ("JONES," of
# "JONES, Sarah"; "(Pemberton)").
_EDGES: Final = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _names_regex(names: Iterable[str], *, surname: bool) -> re.Pattern[str] | None:
    """Compile a whole-word matcher for ``names`` in their usual cases (plus a surname).

    Each name is matched as given (without the punctuation around it: ``JONES,``,
    ``(Pemberton)``), in title case (``Okafor-Briggs``, ``O'Brien``), in upper
    and in lower case, with or without accents (``Zoe`` matches ``Zoë`` and ``ZOË``, ``Zoë``
    matches ``Zoe``). A name that is also a word the lexicon reads (``May``, ``Young``: see
    :func:`~escalation.predict.text.lexicon.lexicon_words`) is matched only when it starts
    with a capital, so that ``may be`` and ``young carer`` still reach the lexicon. (Case
    forms in one case-sensitive trie match several times faster than a case-insensitive
    one.)

    With ``surname``, a name is also matched with a second part after a hyphen
    (``Anne-Marie``) and a following surname: a capitalised name word (``Olivia Brown``),
    or after a name in capitals a name in capitals (``SARAH JONES``, see
    :data:`_CAPITALS_SURNAME`); and a surname in capitals and a comma may come first
    (``JONES, Sarah``).
    """
    bare = (_EDGES.sub("", n) for n in names if isinstance(n, str))
    clean = {_plain_name(n) for n in bare if len(n) >= 2}
    if not clean:
        return None
    reads = lexicon_words()
    forms = set().union(*(_case_forms(n, lower=n.lower() not in reads) for n in clean))
    if not surname:
        return re.compile(rf"(?<![\w\[])(?:{_trie_regex(sorted(forms))})(?![\w\-])")
    capitals = {f for f in forms if f.isupper()}
    written = _trie_regex(sorted(forms - capitals))
    shouted = _trie_regex(sorted(capitals))
    return re.compile(
        rf"(?<![\w\[])(?:(?!(?:{_HEADINGS})\b){_CAPITALS_WORD},\s*)?"
        rf"(?:(?:{written})(?:-{_TITLE_CASE})?(?![\w\-])"
        rf"(?:\s+{_NAME_WORD})?"
        rf"|(?:{shouted})(?:-{_CAPITALS})?(?![\w\-])(?:\s+{_CAPITALS_SURNAME})?)"
    )


@cache
def first_names() -> frozenset[str]:
    """Return the common UK first names shipped with the package.

    The list (``escalation/predict/text/first_names.csv``, about 800 names) was compiled by
    hand for this package from common names of children and parents in England and Wales;
    names that are also everyday English words (Hope, Faith, May, Will, Mark,
    Summer, Dawn, ...) are left out so that redaction does not remove words the lexicon
    needs.

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> names = first_names()
    >>> "Olivia" in names, "Faith" in names
    (True, False)
    """
    text = resources.files("escalation.predict.text").joinpath("first_names.csv").read_text()
    return frozenset(line.strip() for line in text.splitlines()[1:] if line.strip())


# What may end the phrase before an initial: an initial after it starts a name.
_PHRASE_END: Final = frozenset(".!?:;,(" + _SEP)
# Initials that spell a country or a union of them (``U.K.``, ``U.S.``), not a person's.
_PLACE_INITIALS: Final = frozenset({"UK", "US", "USA", "EU", "GB", "UN"})


def _redact_initials(text: str) -> str:
    """Replace initials and a surname without a title (``S. Jones``) with ``[NAME]``.

    A capital and a full stop may also end a phrase (``Plan B. Mother agreed``,
    ``Vitamin D. Child was pale``), so the words are left when the word before the initial
    is capitalised or holds a digit (and no punctuation ends it), or when the word after
    it is a relation or a word the lexicon reads. Initials of a country (``U.K.``) and a
    word before an organisation's (``U.K. Border Agency``: :data:`_ORGANISATIONS`) name
    a body, not a person, and are left too.
    """

    def replace(m: re.Match[str]) -> str:
        # the words around, within this note (notes of a Series are joined by _SEP)
        before = m.string[max(0, m.start() - 40) : m.start()].rsplit(_SEP, 1)[-1].split()
        previous = before[-1] if before else ""
        named = previous[-1:] in _PHRASE_END or not (
            previous[:1].isupper() or any(ch.isdigit() for ch in previous)
        )
        word = m.group(1).lower()
        common = word in _RELATIONS or word in lexicon_words()
        initials = "".join(ch for ch in m.group(0)[: m.start(1) - m.start()] if ch.isalpha())
        after = m.string[m.end() : m.end() + 40].split(_SEP, 1)[0].split()
        body = initials in _PLACE_INITIALS or (
            bool(after) and after[0].strip(".,;:!?)") in _ORGANISATIONS
        )
        return PLACEHOLDERS["name"] if named and not (common or body) else m.group(0)

    return _INITIALS.sub(replace, text)


@cache
def _first_names_pattern() -> re.Pattern[str] | None:
    return _names_regex(first_names(), surname=True)


@dataclass(frozen=True)
class Redactor:
    """Replace personal identifiers in note text with typed placeholders.

    Parameters
    ----------
    known_names : tuple of str
        Names known to the local authority (children, parents, carers), e.g. from name
        columns of the children table; each is removed wherever it appears as a whole
        word, as given and in title, upper and lower case (``Pemberton``, ``PEMBERTON``,
        ``pemberton``), except that a name which is also a word the lexicon reads
        (``May``, ``Young``) is removed only when it starts with a capital. Give first
        names and surnames separately.
    use_first_names : bool
        Also remove the common UK first names shipped with the package
        (:func:`first_names`), matched the same way, each with a following capitalised
        surname.

    Examples
    --------
    >>> Redactor(known_names=("Okonkwo",))("Seen at the Okonkwo home.")
    'Seen at the [NAME] home.'
    """

    known_names: tuple[str, ...] = ()
    use_first_names: bool = True
    _known: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = tuple(str(n) for n in self.known_names)
        object.__setattr__(self, "known_names", names)
        object.__setattr__(self, "_known", _names_regex(names, surname=False))

    @overload
    def __call__(self, text: str) -> str: ...

    @overload
    def __call__(self, text: pd.Series) -> pd.Series: ...

    def __call__(self, text: str | pd.Series) -> str | pd.Series:
        """Redact one string or every string of a Series (missing values stay missing)."""
        if isinstance(text, str):
            return self._redact_joined(text.replace(_SEP, " "))
        if not isinstance(text, pd.Series):
            raise TypeError(
                f"redact() takes a str or a pandas Series of str, not {type(text).__name__}"
            )
        present = text.notna().to_numpy()
        values = text[present].astype(str).str.replace(_SEP, " ", regex=False)
        result = np.full(len(text), None, dtype=object)
        if len(values):
            joined = self._redact_joined(_SEP.join(values.tolist()))
            result[present] = joined.split(_SEP)
        return pd.Series(pd.array(result, dtype="string"), index=text.index, name=text.name)

    def _redact_joined(self, text: str) -> str:
        # composed accents (e and U+0308 as ë), so that a name's letters are one word
        text = unicodedata.normalize("NFC", text)
        text = _EMAIL.sub(PLACEHOLDERS["email"], text)
        text = _DATE_NUMERIC.sub(PLACEHOLDERS["date"], text)
        text = _DATE_MONTH.sub(PLACEHOLDERS["date"], text)
        text = _redact_nhs_numbers(text)
        text = _POSTCODE.sub(PLACEHOLDERS["postcode"], text)
        text = _PHONE.sub(PLACEHOLDERS["phone"], text)
        text = _ADDRESS.sub(PLACEHOLDERS["address"], text)
        name = PLACEHOLDERS["name"]
        text = _TITLE.sub(name, text)
        text = _redact_initials(text)
        text = _RELATION_NAME.sub(
            lambda m: m.group(0)[: m.start(1) - m.start(0)] + " " + name, text
        )
        text = _FAMILY.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + " " + name, text)
        if self._known is not None:
            text = _sub_names(self._known, text)
        if self.use_first_names:
            pattern = _first_names_pattern()
            if pattern is not None:
                text = _sub_names(pattern, text)
        return text


_DEFAULT = Redactor()


@overload
def redact(text: str, *, known_names: Iterable[str] = ()) -> str: ...


@overload
def redact(text: pd.Series, *, known_names: Iterable[str] = ()) -> pd.Series: ...


def redact(text: str | pd.Series, *, known_names: Iterable[str] = ()) -> str | pd.Series:
    """Replace names, addresses, postcodes, phones, e-mails, NHS numbers and dates.

    Parameters
    ----------
    text : str or pandas.Series of str
        One note, or a column of notes (redacted in a few vectorised passes; missing
        values stay missing and the index is kept).
    known_names : iterable of str, optional
        Names known to the local authority, removed wherever they appear as whole words
        (see :class:`Redactor`).

    Returns
    -------
    str or pandas.Series
        The text with ``[NAME]``, ``[ADDRESS]``, ``[POSTCODE]``, ``[PHONE]``, ``[EMAIL]``,
        ``[NHS]`` and ``[DATE]`` in place of identifiers.

    Notes
    -----
    Placeholders keep the sentence structure, so negation and subject detection in
    :mod:`escalation.predict.text.lexicon` still work on redacted text.

    Examples
    --------
    >>> redact("Mr Smith (DOB 03/04/2012) lives at 14 Acacia Avenue, Leeds LS1 4AB.")
    '[NAME] (DOB [DATE]) lives at [ADDRESS] [POSTCODE].'
    >>> redact("Call mother Sarah on 07700 900123 or sarah.jones@example.org.")
    'Call mother [NAME] on [PHONE] or [EMAIL].'
    >>> import pandas as pd
    >>> redact(pd.Series(["Olivia Brown attended.", None])).tolist()
    ['[NAME] attended.', <NA>]
    """
    redactor = _DEFAULT if not known_names else Redactor(known_names=tuple(known_names))
    return redactor(text)
