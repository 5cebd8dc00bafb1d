"""A lexicon from case-note text to CIN assessment factors, with negation and uncertainty.

Each mention of a factor in a note (``"mother's drinking"``, ``"?DV"``, ``"neglect"``) is
found with one compiled expression and given

- a **factor group** (``alcohol``, ``drugs``, ``domestic_abuse``, ...; :data:`FACTOR_GROUPS`);
- a **CIN factor code** (:data:`escalation.data.codes.ASSESSMENT_FACTORS`), choosing the
  child (``A``), parent (``B``) or other-person (``C``) code from the nearest subject word
  in the sentence (``mother``, ``the child``, ``her partner``, ``his brother``);
- an **assertion**: ``affirmed``, ``negated`` (``"no concerns about alcohol"``, ``"denies drug
  use"``), ``uncertain`` (``"possible domestic abuse"``, ``"?DV"``, ``"cannot rule out
  neglect"``) or ``hypothetical`` (``"if drinking resumes"``, ``"should DA recur"``).

Assertions follow NegEx and ConText (Chapman et al., 2001, doi:10.1006/jbin.2001.1029;
Harkema et al., 2009, doi:10.1016/j.jbi.2009.05.002): a cue word applies to factor mentions
in the same clause within a few words after it (or, for post-cues such as ``"... was
denied"``, before it). Clauses end at sentence punctuation, semicolons, line breaks,
``but``, ``however``, ``although`` and similar words, and at ``and`` when a new subject
follows. Pseudo-cues (``"not only"``, ``"no change in"``) are consumed so that their
``no``/``not`` does not fire. When cues of several kinds reach one mention, hypothetical
beats negated, which beats uncertain.

Only affirmed mentions make flags downstream; the other assertions are counted separately.
The lexicon reads redacted text (:func:`escalation.predict.text.redact`), so placeholders
such as ``[NAME]`` are ordinary words here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal

import numpy as np
import pandas as pd

from escalation.data.codes import ASSESSMENT_FACTORS

__all__ = [
    "ASSERTIONS",
    "FACTOR_GROUPS",
    "MENTION_COLUMNS",
    "Assertion",
    "find_mentions",
    "group_of",
    "lexicon_words",
]

Assertion = Literal["affirmed", "negated", "uncertain", "hypothetical"]
#: The assertion values, in reporting order.
ASSERTIONS: Final[tuple[Assertion, ...]] = ("affirmed", "negated", "uncertain", "hypothetical")
#: Columns of :func:`find_mentions`.
MENTION_COLUMNS: Final = ("note_row", "group", "factor", "assertion", "subject")

Subject = Literal["child", "parent", "other", "peer", "none"]


@dataclass(frozen=True)
class _Concept:
    """One factor group: its pattern and the code for each subject."""

    pattern: str
    codes: dict[str, str]  # subject -> code; key "default" is used when no subject is found
    group: str = ""  # the factor group, when it differs from the concept's name
    negated: bool = False  # the phrase itself denies the factor ("well cared for")


def _abc(prefix: str, default: str = "parent") -> dict[str, str]:
    codes = {"child": f"{prefix}A", "parent": f"{prefix}B", "other": f"{prefix}C"}
    codes["peer"] = codes["other"]
    codes["default"] = codes[default]
    return codes


def _one(code: str) -> dict[str, str]:
    return {"default": code}


def _abuse(prefix: str) -> dict[str, str]:
    # Abuse of the child: adult on child (B) unless another child is the subject (C).
    return {"peer": f"{prefix}C", "default": f"{prefix}B"}


_W = r"[\w'’\-]*"  # the rest of a word

#: Factor groups, in reporting order: pattern (lower-case text) and codes by subject.
_CONCEPTS: Final[dict[str, _Concept]] = {
    "cse": _Concept(
        r"child sexual exploitation|sexual(?:ly)? exploit\w*|\bcse\b|\bgroom(?:ed|ing)\b",
        _one("11A"),
    ),
    "cce": _Concept(
        r"criminal(?:ly)? exploit\w*|\bcce\b|county lines|(?:carrying|running|dealing) drugs "
        r"for\b",
        _one("23A"),
    ),
    "extra_familial_harm": _Concept(r"extra[- ]familial harm", _one("24A")),
    "trafficking": _Concept(
        r"traffick\w*|modern slavery|national referral mechanism|\bnrm\b", _one("12A")
    ),
    "fgm": _Concept(r"\bfgm\b|female genital mutilation|female circumcision", _one("20")),
    "faith": _Concept(
        r"witchcraft|spirit possession|possessed by (?:a |an |evil )?(?:spirits?|demons?)|"
        r"exorcis\w*|abuse linked to faith|faith or belief|branded (?:as )?a witch",
        _one("22A"),
    ),
    "domestic_abuse": _Concept(
        r"domestic (?:abuse|violence|incidents?|assaults?)|\bdv\b|\bda\b|coercive control\w*|"
        r"controlling behaviou?r|(?:was|is|being) (?:very )?controlling|"
        r"intimate partner violence|"
        r"non-molestation order|\bmarac\b|\bidva\b",
        # Children are usually witnesses: their mention does not make it 3A.
        {**_abc("3"), "child": "3B"},
    ),
    # A young person's own relationship (3A); a parent's relationship (3B).
    "abusive_relationship": _Concept(
        r"(?:abusive|violent|controlling) relationship",
        {**_abc("3"), "child": "3A"},
        group="domestic_abuse",
    ),
    # Phrases that themselves deny neglect; a cue before them does not make them affirmed.
    "neglect_absent": _Concept(
        r"(?:children|child|baby|they) (?:were |are |was |is )?(?:well|very well) cared for|"
        r"home conditions (?:are|were) (?:clean|good|appropriate|of a good standard)",
        _one("16A"),
        group="neglect",
        negated=True,
    ),
    "emotional_abuse": _Concept(
        r"emotional(?:ly)? (?:abus\w*|harm\w*)|belittl\w*|scapegoat\w*|"
        r"verbal(?:ly)? abus\w*",
        _one("17A"),
    ),
    "sexual_abuse": _Concept(
        r"sexual(?:ly)? abus\w*|sexual(?:ly)? assault\w*|\brape[ds]?\b|"
        r"harmful sexual behaviou?r|inappropriate(?:ly)? touch\w*|touched (?:him|her|them) "
        r"inappropriately|indecent images",
        _abuse("19"),
    ),
    "physical_abuse": _Concept(
        r"physical(?:ly)? abus\w*|physical harm|non[- ]accidental injur\w*|\bnai\b|"
        r"bruis\w*|\bsmack\w*|\bslapp?(?:ed|ing|s)?\b|\bpunch(?:ed|ing|es)?\b|"
        r"\bhits? (?:the child|him|her|them)\b|hitting (?:the child|him|her|them)\b|"
        r"unexplained (?:marks|injur\w*)|\bfractur\w*",
        _abuse("18"),
    ),
    "neglect": _Concept(
        r"\bneglect\w*|poor home conditions|home conditions (?:deteriorat\w*|worsen\w*)|"
        r"home conditions (?:are|were|remain) "
        r"(?:poor|very poor|unhygienic|squalid|unsanitary)|\bsqualid\b|unkempt|"
        r"poor (?:personal )?hygiene|unwashed|not brought to (?:[a-z]+ ){0,2}"
        r"appointments|missed (?:health |medical |dental )?appointments|"
        r"left (?:at )?home alone|left alone (?:at home|unsupervised|overnight)|"
        r"home alone unsupervised|inadequate supervision|lack of supervision|"
        r"no food in the (?:house|home)|head lice",
        _one("16A"),
    ),
    "alcohol": _Concept(
        r"\balcohol\w*|\bdrink(?:s|ing|er|ers)?\b|\bdrunk(?:en)?\b|\bintoxicat\w*|"
        r"\binebriat\w*|binge[- ]drink\w*|smelt of (?:alcohol|drink)|"
        r"smelled of (?:alcohol|drink)|\blager\b|\bvodka\b|\bwine\b|\bbeer\b|\bhungover\b",
        _abc("1"),
    ),
    "drugs": _Concept(
        r"\bdrugs?\b|substance (?:mis)?use|substance abuse|substance misuser|\bcannabis\b|"
        r"\bheroin\b|\bcocaine\b|\bcrack\b|\bmethadone\b|\bspice\b|\bmdma\b|\bketamine\b|"
        r"amphetamine\w*|\bweed\b|\bskunk\b|class a|\bopiates?\b|\bopioids?\b",
        _abc("2"),
    ),
    "self_harm": _Concept(
        r"self[- ]?harm\w*|self[- ]injur\w*|cutting (?:herself|himself|themselves)|"
        r"cutting (?:her|his|their) (?:arms?|legs?|wrists?|thighs?)|"
        r"\bligature\w*|suicid\w*|overdos\w*",
        _one("15A"),
    ),
    "mental_health": _Concept(
        r"mental (?:ill[- ]?)?health|mental illness|mentally (?:ill|unwell)|"
        r"\bdepress(?:ion|ed|ive)\b|\banxi(?:ety|ous)\b|psychos[ie]s|psychotic|bipolar|"
        r"schizophreni\w*|personality disorder|\bptsd\b|post[- ]natal depression|"
        r"low mood|emotional (?:wellbeing|well-being|health)",
        _abc("4"),
    ),
    # Child and adolescent mental health services: the child's mental health by default.
    "camhs": _Concept(r"\bcamhs\b", _abc("4", default="child"), group="mental_health"),
    "learning_disability": _Concept(
        r"learning (?:disabilit\w*|difficult\w*|disabled|needs)|global developmental delay",
        _abc("5"),
    ),
    "physical_health": _Concept(
        r"physical(?:ly)? (?:disabilit\w*|disabled|ill\w*|health (?:condition|needs|problems))|"
        r"chronic (?:illness|pain|condition)|terminal(?:ly)? ill\w*|long[- ]term (?:illness|"
        r"health condition)|\bwheelchair\b|\bepilep\w*|\bcancer\b|\bdiabet\w*|"
        r"cerebral palsy|multiple sclerosis",
        _abc("6"),
    ),
    "young_carer": _Concept(
        r"young carer|caring (?:responsibilities|role)|(?:cares|caring) for (?:his |her |their )?"
        r"(?:mother|father|mum|dad|parents?|siblings?)\b",
        _one("7A"),
    ),
    "private_fostering": _Concept(
        r"privately fostered|private fostering|private foster", _one("8F")
    ),
    "uasc": _Concept(
        r"unaccompanied (?:asylum[- ]seeking )?(?:child|minor|young person)|\buasc\b|"
        r"asylum[- ]seek\w*",
        _one("9A"),
    ),
    "missing": _Concept(
        r"(?:went|goes|gone|go|going|reported|been|was|is) missing|missing (?:from|episodes?)|"
        r"\babscond\w*|ran away|runs away|running away|run away",
        _one("10A"),
    ),
    "gangs": _Concept(r"\bgangs?\b|gang[- ]\w+", _one("13A")),
    "antisocial": _Concept(
        r"anti[- ]?social behaviou?r|socially unacceptable|\boffending\b|criminal damage|"
        r"youth offending|\byot\b|shoplift\w*|(?:violent|aggressive) behaviou?r",
        _one("14A"),
    ),
}

#: Factor groups and the CIN codes each can produce.
_GROUP_OF_CONCEPT: Final = {name: c.group or name for name, c in _CONCEPTS.items()}
FACTOR_GROUPS: Final = {
    group: tuple(
        sorted(
            {
                code
                for name, concept in _CONCEPTS.items()
                if _GROUP_OF_CONCEPT[name] == group
                for code in concept.codes.values()
            },
            key=list(ASSESSMENT_FACTORS).index,
        )
    )
    for group in dict.fromkeys(_GROUP_OF_CONCEPT.values())
}
_CODE_GROUP: Final = {code: group for group, codes in FACTOR_GROUPS.items() for code in codes}
# Legacy and variant codes, for mapping truth recorded with them to a group.
_CODE_GROUP.update(
    {"18A": "physical_abuse", "19A": "sexual_abuse", "24A": "extra_familial_harm"}
    | {c: "private_fostering" for c in ("8B", "8C", "8D", "8E")}
)


def _split_top(pattern: str) -> list[str]:
    """Split a pattern at its top-level ``|`` (outside groups and character classes)."""
    out: list[str] = []
    cur: list[str] = []
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def _expand(alt: str) -> list[str]:
    """Drop a leading word boundary; distribute ``(?:a|b)rest`` into ``arest|brest``."""
    alt = alt.removeprefix("\\b")
    if alt.startswith("(?:"):
        depth = 0
        for j, ch in enumerate(alt):
            if ch == "(" and alt[j - 1 : j] != "\\":
                depth += 1
            elif ch == ")" and alt[j - 1 : j] != "\\":
                depth -= 1
                if depth == 0:
                    break
        inner, rest = alt[3:j], alt[j + 1 :]
        if rest[:1] not in ("?", "*", "+", "{"):
            return [x for a in _split_top(inner) for x in _expand(a + rest)]
    return [alt]


class _Scanner:
    """Named patterns matched at word starts in one fast pass.

    Python's ``re`` tries alternatives one by one at every position, and each capturing
    group slows every attempt; so the alternatives are branched on their first letter
    and compiled without groups, and each match is named afterwards (cached by its text).
    """

    def __init__(self, items: list[tuple[str, str]]) -> None:
        buckets: dict[str, list[str]] = {}
        misc: list[str] = []
        for _, pattern in items:
            for alt in _split_top(pattern):
                for a in _expand(alt):
                    if a[:1].isalnum() and a[1:2] not in ("?", "*", "+", "{"):
                        buckets.setdefault(a[0], []).append(a[1:])
                    else:
                        misc.append(a)
        branches = [
            re.escape(c) + "(?:" + "|".join(alts) + ")" for c, alts in sorted(buckets.items())
        ]
        self.pattern = re.compile(r"\b(?:" + "|".join(branches + misc) + ")")
        self.named = [(name, re.compile(pattern)) for name, pattern in items]
        self.cache: dict[str, str] = {}

    def name(self, text: str, start: int, end: int) -> str:
        """Return the name of the first item matching ``text[start:end]`` exactly."""
        found = text[start:end]
        cached = self.cache.get(found)
        if cached is not None:
            return cached
        for name, rx in self.named:
            if rx.fullmatch(found):
                self.cache[found] = name
                return name
        for name, rx in self.named:  # lookaheads need the surrounding text
            m = rx.match(text, start)
            if m is not None and m.end() == end:
                return name
        return ""  # pragma: no cover - every match comes from one of the items

    def scan(self, text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Return starts, ends and names of all matches, left to right."""
        spans = [m.span() for m in self.pattern.finditer(text)]
        starts = np.fromiter((a for a, _ in spans), dtype=np.int64, count=len(spans))
        ends = np.fromiter((b for _, b in spans), dtype=np.int64, count=len(spans))
        names = [self.name(text, a, b) for a, b in spans]
        return starts, ends, names


# Cues. Group names: <kind>_<direction>, direction pre (cue before mention), post, both.
_CUES: Final = {
    # Order matters: at one position the first alternative that matches wins, so longer
    # phrases ("cannot rule out", "not only") are tried before a bare "not".
    # "cannot be ruled out" reads the same before ("cannot rule out neglect") and after
    # ("neglect cannot be excluded") the mention.
    "unc_both": (
        r"\b(?:cannot (?:be )?rul(?:e|ed) out|can['’]?t (?:be )?rul(?:e|ed) out|"
        r"could not (?:be )?rul(?:e|ed) out|not (?:been )?ruled out|cannot (?:be )?excluded?|"
        r"could not be excluded|not (?:been )?excluded|(?:may|might|could) (?:be|have))\b"
    ),
    "unc_pre": (
        r"\b(?:not (?:yet )?known whether|possibility (?:of|that)|intelligence suggests|"
        r"suggest(?:s|ed|ing|ive of)|"
        r"not clear (?:whether|if)|unclear (?:whether|if)|not sure (?:whether|if)|unsure|"
        r"not confirmed whether|possib(?:le|ly)|suspect(?:ed|s)?|suspicions? (?:of|that)|"
        r"quer(?:y|ies|ied|ying)|might|potential(?:ly)?|"
        r"(?:un)?likely|alleg(?:ed|edly|ation|ations|es)|apparent(?:ly)?|appears? to|"
        r"seems? to|indicat(?:ive|ions?) of|consistent with|whether|unconfirmed)\b"
    ),
    "pseudo": (
        r"\b(?:not only|not just|not necessarily|no doubt|no change|no improvement|"
        r"no reduction|no increase|no significant change|not stopped|not (?:been )?able to "
        r"(?:stop|reduce|control|abstain|manage)|unable to (?:stop|reduce|control|abstain|"
        r"manage)|not (?:engag\w*|attend\w*))\b"
    ),
    "hyp_pre": (
        r"\bif\b|\bin the event (?:of|that)\b|"
        r"\bin case\b|\bunless\b|\bwere (?:she|he|they|mother|father|mum|dad) to\b|"
        r"\bany (?:future|further) (?:incidents?|episodes?|occurrence)\b|"
        r"\brisk of (?:relapse|further)\b|\brelaps\w*|\bresum(?:e|es|ed|ing)\b|"
        r"\breturn to\b|\bin future\b|\bsafety plan for\b"
    ),
    "neg_post": (
        r"\b(?:ruled out|unfounded|unsubstantiated|not substantiated|"
        r"not (?:a |an )?(?:concern|issue|factor|evident|present|identified|reported|"
        r"indicated|found|noted|disclosed|observed)|none (?:reported|noted|identified|"
        r"disclosed))\b"
    ),
    "unc_post": (
        r"\b(?:is|are|was|were|being) (?:suspected|queried|alleged|possible|unconfirmed|"
        r"likely)\b|\bnot (?:confirmed|verified)\b"
    ),
    "neg_both": r"\bden(?:y|ies|ied|ying)\b",
    "neg_pre": (
        r"\b(?:no|not|never|nor|without|disput(?:es|ed)|refut(?:es|ed)|negative for|"
        r"absence of|free (?:of|from)|clean (?:from|of)|nil|none|abstinen\w*|ceased|no longer|"
        r"(?:does|do|did|is|was|wo|ca|could|has|have|had|are|were|would|should|must|need)"
        r"n['’]t)\b"
    ),
}
# Cues that start with punctuation or inside a word; overlaps with word cues are resolved
# leftmost-first, as a single expression would.
_PUNCT_CUE_RE: Final = re.compile(
    r"\?|[-:,]\s*(?:no concerns?|none|nil|no issues?|not applicable|n/a)\b|"
    r"[.;!,:\x00]\s*should\b"
)

_SUBJECTS: Final = {
    "peer": (
        r"\b(?:brothers?|sisters?|siblings?|half[- ](?:brother|sister)|peers?|another child|"
        r"other child(?:ren)?|older (?:boys?|girls?|children)|child on child|classmates?)\b"
    ),
    "other": (
        r"\b(?:ex[- ]partners?|partners?|boyfriends?|girlfriends?|husband|wife|uncles?|aunts?|"
        r"aunties?|grand(?:mother|father|parents?|ma|ad|dad)|nan|nanna|cousins?|lodgers?|"
        r"visitors?|friends?|relatives?|family members?|household members?|"
        r"other adults?|adults? in the (?:household|home)|older m[ae]n|associates?)\b"
    ),
    "parent": (
        r"\b(?:mother|mum|mom|father|dad|parents?|parental|step[- ]?(?:father|mother|dad|mum)|"
        r"carers?|maternal|paternal|mothers|fathers)\b"
    ),
    "child": (
        r"\b(?:the child|child|children|young person|\byp\b|cyp|baby|infant|toddler|son|"
        r"daughter|pupil|teenager|unborn|newborn)\b"
    ),
}
_SUBJECT_SCANNER: Final = _Scanner(list(_SUBJECTS.items()))
# "misuse by her father": a subject named right after the mention, after a preposition.
# "misuse by her father": a subject named right after the mention, after a preposition.
_AGENT_WORDS: Final = r"(?:by|of|from|involving|between)\b"

# Clause breaks besides sentence ends: conjunctions that end a negation's scope, and "and"
# when a new subject follows.
_CLAUSE_WORDS: Final = (
    r"(?:but|however|although|though|whereas|except|yet|whilst|while|apart from|"
    r"aside from|other than|which|who)\b|and (?=(?:she|he|they|it|there|mother|"
    r"father|mum|dad|the child|her|his|their)\b)"
)
_WHITESPACE: Final = np.array([ord(c) for c in " \t\n\r\x0b\x0c\xa0"], dtype=np.uint32)
_BREAKS: Final = np.array([ord(c) for c in ";\n\x00"], dtype=np.uint32)
_STOPS: Final = np.array([ord(c) for c in ".!"], dtype=np.uint32)


# Line breaks of any convention (CRLF, CR, vertical tab, form feed, Unicode separators).
_LINE_BREAK: Final = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Runs of horizontal whitespace: spaces, tabs, non-breaking and other Unicode spaces.
_HORIZONTAL_SPACE: Final = re.compile(r"[^\S\n]+")


def _normalise_whitespace(values: pd.Series) -> pd.Series:
    """Make every line break a newline and every run of other whitespace one space.

    Phrases are written with single spaces, so ``domestic  abuse`` (two spaces, a tab, a
    non-breaking space) is found as ``domestic abuse``. A line break stays a clause break,
    so a phrase broken across lines is not one phrase.
    """
    breaks = values.str.replace(_LINE_BREAK, "\n", regex=True)
    return breaks.str.replace(_HORIZONTAL_SPACE, " ", regex=True)


def _layout(text: str, words: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return positions of word breaks, sentence breaks and clause breaks in ``text``."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    space = np.zeros(len(codes), dtype=bool)
    for c in _WHITESPACE:
        space |= codes == c
    brk = np.zeros(len(codes), dtype=bool)
    for c in _BREAKS:
        brk |= codes == c
    stop = (codes == _STOPS[0]) | (codes == _STOPS[1])
    spaces = np.flatnonzero(space & ~np.concatenate([[False], space[:-1]]))
    after = np.concatenate([space[1:] | (codes[1:] == 0), [True]])
    sentences = np.flatnonzero(brk | (stop & after))
    clauses = np.union1d(sentences, words)
    return spaces.astype(np.int64), sentences.astype(np.int64), clauses.astype(np.int64)


#: Words between a cue and the mention it reaches (NegEx uses five; notes run longer).
_PRE_WINDOW: Final = 6
#: A condition ("if", "should", "unless") reaches the rest of its clause.
_HYP_WINDOW: Final = 12
_POST_WINDOW: Final = 3
_SUBJECT_WINDOW: Final = 12


# One pass finds concepts, cues, subjects and clause words together; at one position the
# concept wins, so "not brought to appointments" is neglect, not a negation cue.
_SCANNER: Final = _Scanner(
    [(f"c:{g}", c.pattern) for g, c in _CONCEPTS.items()]
    + [(f"q:{k}", p) for k, p in _CUES.items()]
    + [(f"s:{k}", p) for k, p in _SUBJECTS.items()]
    + [("k:clause", _CLAUSE_WORDS), ("a:agent", _AGENT_WORDS)]
)


@cache
def lexicon_words() -> frozenset[str]:
    """Return the lower-case words (and word stems) the lexicon's patterns are written with.

    Its factor phrases, cues, subject and clause words: ``may``, ``young``, ``neglect``,
    ``abus`` (the stem of ``abuse``, ``abusive``), ... Redaction uses it to keep a supplied
    name that is also one of these words (``May``, ``Young``) from removing the word in
    lower case.

    Returns
    -------
    frozenset of str
        Runs of two or more letters in the patterns (regular-expression escapes removed).

    Examples
    --------
    >>> words = lexicon_words()
    >>> "may" in words, "young" in words, "olivia" in words
    (True, True, False)
    """
    words: set[str] = set()
    for _, compiled in _SCANNER.named:
        words.update(re.findall(r"[a-z]{2,}", re.sub(r"\\.", " ", compiled.pattern)))
    return frozenset(words)


def group_of(code: str) -> str | None:
    """Return the factor group of a CIN factor code (``"3B"`` → ``"domestic_abuse"``).

    Parameters
    ----------
    code : str
        A code of :data:`escalation.data.codes.ASSESSMENT_FACTORS`.

    Returns
    -------
    str or None
        The group, or ``None`` when the lexicon has no group for the code (``"21"``).

    Examples
    --------
    >>> group_of("3B"), group_of("16A"), group_of("21")
    ('domestic_abuse', 'neglect', None)
    """
    return _CODE_GROUP.get(code)


def _cues(
    text: str, w_start: np.ndarray, w_end: np.ndarray, w_kind: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return cue starts, ends and kinds, word cues and punctuation cues merged."""
    spans = [m.span() for m in _PUNCT_CUE_RE.finditer(text)]
    p_start = np.asarray([a for a, _ in spans], dtype=np.int64)
    p_end = np.asarray([b for _, b in spans], dtype=np.int64)
    p_kind = [
        "unc_both" if text[a] == "?" else "hyp_pre" if text[b - 1] == "d" else "neg_post"
        for a, b in spans
    ]
    start = np.concatenate([w_start, p_start])
    end = np.concatenate([w_end, p_end])
    kind = np.asarray(w_kind + p_kind, dtype=object)
    order = np.lexsort((-end, start))
    start, end, kind = start[order], end[order], kind[order]
    if len(start):
        prev_end = np.concatenate([[-1], np.maximum.accumulate(end)[:-1]])
        keep = start >= prev_end
        start, end, kind = start[keep], end[keep], kind[keep]
    return start, end, kind


def find_mentions(text: pd.Series) -> pd.DataFrame:
    """Find factor mentions in redacted notes, with their code, subject and assertion.

    Parameters
    ----------
    text : pandas.Series of str
        Redacted note text (see :func:`escalation.predict.text.redact`); missing values
        are treated as empty notes.

    Returns
    -------
    pandas.DataFrame
        One row per mention, columns ``note_row`` (position of the note in ``text``),
        ``group``, ``factor`` (CIN code), ``assertion`` (``affirmed``, ``negated``,
        ``uncertain``, ``hypothetical``) and ``subject`` (``child``, ``parent``, ``other``,
        ``peer`` or ``none``), in note order. No note text is returned.

    Examples
    --------
    >>> import pandas as pd
    >>> notes = pd.Series([
    ...     "No concerns about alcohol. Mother's partner uses cannabis daily.",
    ...     "Possible DV. If drinking resumes, refer again.",
    ... ])
    >>> find_mentions(notes)[["note_row", "factor", "assertion"]]
       note_row factor     assertion
    0         0     1B       negated
    1         0     2C      affirmed
    2         1     3B     uncertain
    3         1     1B  hypothetical
    """
    values = _normalise_whitespace(
        text.fillna("").astype(str).str.replace("\x00", " ", regex=False).str.lower()
    )
    lengths = values.str.len().to_numpy(np.int64)
    # A leading separator makes the first note start like every other one.
    note_start = 1 + np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    joined = "\x00" + "\x00".join(values.tolist())

    a_start, a_end, a_kind = _SCANNER.scan(joined)
    kind_codes, uniques = pd.factorize(pd.Series(a_kind, dtype=object))
    prefix = np.asarray([str(u)[:2] for u in uniques], dtype=object)[kind_codes]
    label = np.asarray([str(u)[2:] for u in uniques], dtype=object)[kind_codes]

    def part(p: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        sel = prefix == p
        return a_start[sel], a_end[sel], label[sel].tolist()

    c_start, c_end, c_group = part("c:")
    if len(c_start) == 0:
        return pd.DataFrame(
            {
                "note_row": pd.Series(dtype="int64"),
                "group": pd.Series(dtype="string"),
                "factor": pd.Series(dtype="string"),
                "assertion": pd.Series(dtype="string"),
                "subject": pd.Series(dtype="string"),
            }
        )
    spaces, sentences, clauses = _layout(joined, part("k:")[0])

    def word(pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(spaces, pos, side="left")

    def unit(bounds: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(bounds, pos, side="right")

    m_clause_s = unit(clauses, c_start)
    m_clause_e = unit(clauses, np.maximum(c_end - 1, c_start))
    m_sent = unit(sentences, c_start)

    q_start, q_end, q_kind_arr = _cues(joined, *part("q:"))

    def reached(kind: str, direction: str, window: int = _PRE_WINDOW) -> np.ndarray:
        sel = (q_kind_arr == f"{kind}_{direction}") | (q_kind_arr == f"{kind}_both")
        hit = np.zeros(len(c_start), dtype=bool)
        if not sel.any():
            return hit
        if direction == "pre":
            ends = q_end[sel]
            starts = q_start[sel]
            i = np.searchsorted(ends, c_start, side="right") - 1
            ok = i >= 0
            j = np.where(ok, i, 0)
            same = unit(clauses, np.maximum(ends[j] - 1, starts[j])) == m_clause_s
            gap = word(c_start) - word(ends[j])
            hit_pre: np.ndarray = ok & same & (gap <= window)
            return hit_pre
        starts = q_start[sel]
        i = np.searchsorted(starts, c_end, side="left")
        ok = i < len(starts)
        j = np.where(ok, i, 0)
        same = unit(clauses, starts[j]) == m_clause_e
        gap = word(starts[j]) - word(c_end)
        hit_post: np.ndarray = ok & same & (gap <= _POST_WINDOW)
        return hit_post

    hyp = reached("hyp", "pre", _HYP_WINDOW)
    neg = reached("neg", "pre") | reached("neg", "post")
    unc = reached("unc", "pre") | reached("unc", "post")
    denied = np.asarray([_CONCEPTS[str(g)].negated for g in c_group], dtype=bool)
    assertion = np.select(
        [hyp, neg | denied, unc], ["hypothetical", "negated", "uncertain"], "affirmed"
    )

    subject = _subjects(c_start, c_end, m_sent, sentences, word, part("s:"), part("a:")[0])
    groups = np.asarray(c_group, dtype=object)
    factor = np.empty(len(groups), dtype=object)
    for g in pd.unique(groups):
        codes = _CONCEPTS[str(g)].codes
        sel = groups == g
        factor[sel] = [codes.get(s, codes["default"]) for s in subject[sel]]
    note_row = np.searchsorted(note_start, c_start, side="right") - 1
    return pd.DataFrame(
        {
            "note_row": note_row.astype(np.int64),
            "group": pd.array([_GROUP_OF_CONCEPT[str(g)] for g in groups], dtype="string"),
            "factor": pd.array(factor.astype(str), dtype="string"),
            "assertion": pd.array(assertion.astype(str), dtype="string"),
            "subject": pd.array(subject.astype(str), dtype="string"),
        }
    )


def _subjects(
    c_start: np.ndarray,
    c_end: np.ndarray,
    m_sent: np.ndarray,
    sentences: np.ndarray,
    word: Callable[[np.ndarray], np.ndarray],
    found: tuple[np.ndarray, np.ndarray, list[str]],
    agents: np.ndarray,
) -> np.ndarray:
    """Return the subject class of each mention: nearest before it, else an agent after it."""
    s_start, s_end, s_kind = found
    out = np.full(len(c_start), "none", dtype=object)
    if not len(s_start):
        return out
    kinds = np.asarray(s_kind, dtype=object)
    s_sent = np.searchsorted(sentences, s_start, side="right")
    s_word = word(s_start)
    # Nearest subject word before the mention, in the same sentence, within a window.
    i = np.searchsorted(s_end, c_start, side="right") - 1
    ok = i >= 0
    j = np.where(ok, i, 0)
    near = (word(c_start) - word(s_end[j])) <= _SUBJECT_WINDOW
    use = ok & (s_sent[j] == m_sent) & near
    out[use] = kinds[j[use]]
    if len(agents):
        # "use by father", "misuse of alcohol by her partner": a preposition at most one word
        # after the mention, then a subject word within two words of it, same sentence.
        a = np.searchsorted(agents, c_end, side="left")
        has = a < len(agents)
        a = np.where(has, a, 0)
        a_pos = agents[a]
        a_word = word(a_pos)
        close = has & ((a_word - word(c_end - 1)) <= 2)
        k = np.searchsorted(s_start, a_pos, side="left")
        has_s = k < len(s_start)
        k = np.where(has_s, k, 0)
        follows = (
            close
            & has_s
            & ((s_word[k] - a_word) <= 2)
            & (s_sent[k] == m_sent)
            & (np.searchsorted(sentences, a_pos, side="right") == m_sent)
        )
        follows &= ~use  # a subject before the mention wins: "mother disclosed abuse by X"
        out[follows] = kinds[k[follows]]
    return out
