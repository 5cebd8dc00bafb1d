"""Free-text case notes with known factor mentions and fake personal identifiers.

Each assessment gets one to three notes dated inside it, written by a social worker,
team manager or family support worker. A note mentions some of the family's and child's
*true* factors in plain words (not always the recorded ones), denies some absent ones
("no concerns about drug use"), voices uncertainty ("possible neglect") and plans for
hypothetical futures ("if drinking resumes"). Every mention is listed in
``GroundTruth.note_mentions``. Notes also carry made-up names, addresses, postcodes,
phone numbers (Ofcom's drama range 07700 900xxx), ``example.com`` e-mail addresses and
dates of birth, for testing redaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionArray

from escalation._calendar import ymd
from escalation._sort_keys import pack_keys, stable_order
from escalation.data.simulator.config import SimulationConfig
from escalation.data.simulator.pathway import FACTOR_CODES, NEVER
from escalation.data.simulator.population import Population, day_of

__all__ = ["HYPOTHETICAL", "NEGATED", "PRESENT", "UNCERTAIN", "write_notes"]

IntArray = npt.NDArray[np.int64]

#: Plain-words phrases stating that a factor is present.
PRESENT: Final = {
    "3B": (
        "mother disclosed domestic abuse by her partner",
        "police attended a domestic incident at the home last week",
        "there is a history of domestic violence between the parents",
    ),
    "4B": (
        "mother reports low mood and anxiety and is struggling to cope",
        "father is under the community mental health team",
        "mum's depression has got worse since the winter",
    ),
    "2B": (
        "there are concerns about father's drug use",
        "mother admitted using cannabis daily",
        "drug paraphernalia was seen in the living room",
    ),
    "1B": (
        "there are concerns about father's alcohol use",
        "mother appeared intoxicated during the visit",
        "dad drinks heavily most evenings",
    ),
    "5B": (
        "mother has a learning disability and needs support with letters",
        "father struggles to understand the plan because of his learning needs",
    ),
    "16A": (
        "the home conditions were very poor with little food in the house",
        "the children appeared unkempt and hungry",
        "there is clear evidence of neglect",
    ),
    "17A": (
        "the child is often shouted at and belittled by the parents",
        "the child is emotionally harmed by the parents' constant conflict",
    ),
    "18B": (
        "bruising was seen on the child's upper arm",
        "the child said that dad hits him when he is angry",
    ),
    "19B": ("the child made a disclosure of sexual abuse to a teacher",),
    "4A": (
        "the young person has been self-harming",
        "the child is on the CAMHS waiting list for anxiety",
    ),
    "14A": ("the young person has been excluded from school for violent behaviour",),
    "11A": ("there are concerns about child sexual exploitation",),
    "23A": ("the young person is believed to be carrying drugs for older males",),
    "10A": ("the young person has gone missing from home three times this month",),
    "3A": ("the young person is in an abusive relationship",),
    "1A": ("the young person is drinking alcohol most weekends",),
    "2A": ("the young person is smoking cannabis daily",),
    "6A": ("the child has complex health needs and uses a wheelchair",),
    "7A": ("the child is caring for mum most days",),
}
#: Phrases denying a factor.
NEGATED: Final = {
    "3B": ("no domestic abuse was reported", "there are no concerns about domestic violence"),
    "4B": ("no concerns about mother's mental health", "parents deny any mental health issues"),
    "2B": ("no concerns about drug use", "parents deny any drug use"),
    "1B": ("no concerns about alcohol", "there is no evidence of alcohol misuse"),
    "16A": ("no signs of neglect", "home conditions were clean and the children well cared for"),
    "18B": ("no marks or bruises were seen",),
    "4A": ("no concerns about the child's emotional wellbeing",),
}
#: Phrases voicing uncertainty about a factor.
UNCERTAIN: Final = {
    "16A": ("possible neglect", "neglect cannot be ruled out"),
    "3B": ("possible domestic abuse", "neighbours suspect there is domestic abuse"),
    "1B": ("father may be drinking again", "possible alcohol misuse by mother"),
    "2B": ("suspected drug use by mother",),
    "4B": ("mother may be depressed",),
    "18B": ("an unexplained bruise that may be non-accidental",),
    "23A": ("possible criminal exploitation",),
}
#: Phrases about a hypothetical future.
HYPOTHETICAL: Final = {
    "1B": (
        "if drinking resumes, a new referral will be made",
        "should dad start drinking again the police will be called",
    ),
    "2B": ("if drug use resumes the plan will be reviewed",),
    "3B": ("if the partner returns to the home a strategy meeting will be held",),
    "16A": ("if home conditions deteriorate the family will be reassessed",),
}

_FIRST = (
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Lily", "Freya", "Ella", "Sophie",
    "Chloe", "Jessica", "Leah", "Megan", "Zara", "Aisha", "Maya", "Ruby", "Evie", "Poppy",
    "Oliver", "George", "Harry", "Jack", "Noah", "Leo", "Charlie", "Jacob", "Alfie", "Oscar",
    "Thomas", "Joshua", "Mohammed", "Riley", "Kai", "Tyler", "Connor", "Liam", "Dylan", "Ethan",
)  # fmt: skip
_SURNAME = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Turner", "Hill", "Moore",
    "Cooper", "Ward", "Morris", "Begum", "Okafor", "Kowalski", "Ali", "Murphy", "Kelly",
)  # fmt: skip
_STREET = (
    "Station Road", "Church Lane", "Victoria Street", "Mill Lane", "Park Avenue", "High Street",
    "Queens Road", "Kings Close", "Oak Drive", "Elm Grove", "Manor Way", "Ash Court",
    "Willow Crescent", "Albert Terrace", "Chapel Street", "Green Lane", "Springfield Road",
)  # fmt: skip
_POST_AREA = ("LS", "M", "B", "S", "NE", "BD", "HU", "L", "NG", "SR", "WF", "DN", "ST", "LE")
_ROLES = ("social worker", "social worker", "social worker", "team manager",
          "family support worker", "senior practitioner")  # fmt: skip
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_PHRASES: Final = (PRESENT, UNCERTAIN, NEGATED, HYPOTHETICAL)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _words(values: tuple[str, ...] | list[str]) -> npt.NDArray[np.object_]:
    """Return ``values`` as an object array, so that ``+`` concatenates element-wise."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


#: ``"01/"`` .. ``"31/"``: the day and month parts of a date (index 0 unused).
_DAY_MONTH: Final = _words([f"{i:02d}/" for i in range(32)])


def _format_each_day(days: IntArray) -> npt.NDArray[np.object_]:
    """Return days since the epoch as ``dd/mm/YYYY``, each day formatted anew."""
    year, month, day = ymd(days)
    low = int(year.min()) if len(year) else 1970
    years = _words([f"{y:04d}" for y in range(low, int(year.max(initial=low)) + 1)])
    out: npt.NDArray[np.object_] = _DAY_MONTH[day] + _DAY_MONTH[month] + years[year - low]
    return out


#: Texts of consecutive days, kept between calls: ``(first day, texts)``.
_DAY_TEXTS: list[tuple[int, npt.NDArray[np.object_]]] = []
#: Most days kept (about 270 years).
_KEEP_DAYS: Final = 100_000


def _format_days(days: IntArray) -> npt.NDArray[np.object_]:
    """Return days since the epoch as ``dd/mm/YYYY``.

    Day, month and year come from ``datetime64`` arithmetic and their texts from small
    tables, so no date is formatted one at a time; each day of the range is formatted
    once (and kept for later calls) and the texts gathered.
    """
    days = np.asarray(days, dtype=np.int64)
    if len(days) == 0:
        return _format_each_day(days)
    low, high = int(days.min()), int(days.max())
    if _DAY_TEXTS:
        first, texts = _DAY_TEXTS[0]
        if first <= low and high < first + len(texts):
            out: npt.NDArray[np.object_] = texts[days - first]
            return out
        low, high = min(low, first), max(high, first + len(texts) - 1)
    if high - low + 1 > _KEEP_DAYS:
        return _format_each_day(days)
    texts = _format_each_day(np.arange(low, high + 1, dtype=np.int64))
    _DAY_TEXTS[:] = [(low, texts)]
    out = texts[days - low]
    return out


#: Outward codes (``LS12``) by ``area * 29 + district - 1`` and inward codes (``3AB``) by
#: ``(sector - 1) * 400 + unit_1 * 20 + unit_2``: postcodes are gathered, not formatted.
_OUTWARD: Final = _words([f"{a}{d}" for a in _POST_AREA for d in range(1, 30)])
_INWARD: Final = _words([f"{s}{u}{v}" for s in range(1, 10) for u in _LETTERS for v in _LETTERS])


def _postcodes(m: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Return the outward and inward parts of ``m`` made-up postcodes such as ``LS12 3AB``."""
    area = rng.integers(len(_POST_AREA), size=m)
    district = rng.integers(1, 30, size=m)
    sector = rng.integers(1, 10, size=m)
    unit_1 = rng.integers(len(_LETTERS), size=m)
    unit_2 = rng.integers(len(_LETTERS), size=m)
    outward = _OUTWARD[area * 29 + district - 1]
    inward = _INWARD[((sector - 1) * len(_LETTERS) + unit_1) * len(_LETTERS) + unit_2]
    return outward.tolist(), inward.tolist()


#: Notes written at a time: bounds the memory of the (notes x factors) draws and texts.
_CHUNK: Final = 200_000
_KINDS: Final = ("present", "uncertain", "negated", "hypothetical")


def _sentence_table() -> tuple[npt.NDArray[np.object_], IntArray]:
    """Return the sentences of each (assertion, factor) and how many there are.

    ``table[k, j, i]`` is sentence ``i`` for assertion ``_KINDS[k]`` of factor
    ``FACTOR_CODES[j]``; ``count[k, j]`` is 0 when the factor is never mentioned so.
    """
    width = max(len(options) for phrases in _PHRASES for options in phrases.values())
    table = np.full((len(_KINDS), len(FACTOR_CODES), width), "", dtype=object)
    count = np.zeros((len(_KINDS), len(FACTOR_CODES)), dtype=np.int64)
    for k, (kind, phrases) in enumerate(zip(_KINDS, _PHRASES, strict=True)):
        for j, code in enumerate(FACTOR_CODES):
            options = phrases.get(code, ())
            for i, phrase in enumerate(options):
                said_by = phrase.startswith(("neighbours", "father", "mother"))
                if kind == "uncertain" and not said_by:
                    phrase = f"worker noted {phrase}"
                table[k, j, i] = _capital(phrase) + "."
            count[k, j] = len(options)
    return table, count


_SENTENCES, _N_SENTENCES = _sentence_table()
#: Each sentence after a space: a note's mentions are these, concatenated.
_SPOKEN: Final = " " + _SENTENCES
#: Texts gathered by name: ``_WHO[f * len(_SURNAME) + s]`` opens a home visit to child
#: ``_FIRST[f]`` of surname ``_SURNAME[s]``; ``_REACH`` and ``_EMAIL`` (same index, first
#: name of the parent) frame the phone number; ``_SETTLED`` and ``_SCHOOL`` by first name.
_WHO: Final = _words([f"Home visit to {f} {s} (DOB " for f in _FIRST for s in _SURNAME])
_REACH: Final = _words([f" {f} {s} can be reached on 07700 900" for f in _FIRST for s in _SURNAME])
_EMAIL: Final = _words(
    [f" or {f.lower()}.{s.lower()}@example.com." for f in _FIRST for s in _SURNAME]
)
_PHONE: Final = _words([f"{i:03d}" for i in range(1000)])
_SETTLED: Final = _words([f" {f} presented as settled and engaged well." for f in _FIRST])
_SCHOOL: Final = _words([f"Visit to {f} at school, seen alone." for f in _FIRST])
#: ``_ADDRESS[(house - 1) * len(_STREET) + street]``: ``") at 12 Oak Drive, "``.
_ADDRESS: Final = _words([f") at {h} {road}, " for h in range(1, 181) for road in _STREET])


@dataclass(frozen=True)
class _Chunk:
    """Texts of a run of notes and their mentions (row within the run, kind, factor)."""

    texts: npt.NDArray[np.object_]
    row: IntArray
    kind: IntArray
    code: IntArray
    true: npt.NDArray[np.bool_]


def _mentions(
    true_mask: IntArray, rng: np.random.Generator
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Draw which factors each note mentions and how: ``(has, mentioned)``.

    ``has[i, j]``: factor ``FACTOR_CODES[j]`` is truly present; ``mentioned[i, k, j]``:
    note ``i`` mentions it with assertion ``_KINDS[k]``.
    """
    m = len(true_mask)
    has = ((true_mask[:, None] >> np.arange(len(FACTOR_CODES))[None, :]) & 1).astype(bool)
    shape = (m, len(FACTOR_CODES))
    present = has & (rng.random(shape, dtype=np.float32) < 0.6)
    uncertain = ~present & (rng.random(shape, dtype=np.float32) < np.where(has, 0.15, 0.01))
    negated = ~has & (rng.random(shape, dtype=np.float32) < 0.06)
    hypothetical = rng.random(shape, dtype=np.float32) < 0.02
    mentioned = np.stack([present, uncertain, negated, hypothetical], axis=1)
    mentioned &= _N_SENTENCES[None, :, :] > 0  # a factor with no phrase of that kind
    # Hypothetical only when nothing else (any of the other three, as two ORs).
    mentioned[:, 3] &= ~(mentioned[:, 0] | mentioned[:, 1] | mentioned[:, 2])
    return has, mentioned


def _note_chunk(
    true_mask: IntArray, birth: IntArray, date: IntArray, rng: np.random.Generator
) -> _Chunk:
    """Write the notes of one run: which factors each mentions and how, then the text."""
    m = len(true_mask)
    has, mentioned = _mentions(true_mask, rng)
    picks = rng.integers(0, 1 << 30, size=(m, 8))
    with_pii = rng.random(m) < 0.7
    outward, inward = _postcodes(m, rng)
    # Mentions in note order: by note, then present/uncertain/negated/hypothetical, then
    # code (np.nonzero's order, from the flat positions).
    row, rest = np.divmod(np.flatnonzero(mentioned), mentioned.shape[1] * mentioned.shape[2])
    kind_index, code_index = np.divmod(rest, mentioned.shape[2])
    choice = (picks[row, 5] + code_index) % np.maximum(_N_SENTENCES[kind_index, code_index], 1)
    # What the note says: its mentions' sentences, each after a space, or that the child
    # was settled.
    first = picks[:, 0] % len(_FIRST)
    words = _SETTLED[first]
    if len(row):
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        words[row[starts]] = np.add.reduceat(_SPOKEN[kind_index, code_index, choice], starts)
    name = first * len(_SURNAME) + picks[:, 1] % len(_SURNAME)
    parent = (picks[:, 2] % len(_FIRST)) * len(_SURNAME) + picks[:, 1] % len(_SURNAME)
    address = (picks[:, 3] % 180) * len(_STREET) + picks[:, 4] % len(_STREET)
    contact = np.full(m, "", dtype=object)
    call = np.flatnonzero(with_pii & (picks[:, 6] % 2 == 0))
    contact[call] = _REACH[parent[call]] + _PHONE[picks[call, 7] % 1000] + _EMAIL[parent[call]]
    # One f-string per note, its parts gathered from tables (no part formatted anew).
    texts = [
        (f"{who}{dob}{at}{out} {inn}." if pii else school)
        + f"{said}{reach} Next contact planned for {planned}."
        for who, dob, at, out, inn, pii, school, said, reach, planned in zip(
            _WHO[name].tolist(),
            _format_days(birth).tolist(),
            _ADDRESS[address].tolist(),
            outward,
            inward,
            with_pii.tolist(),
            _SCHOOL[first].tolist(),
            words.tolist(),
            contact.tolist(),
            _format_days(date + 14).tolist(),
            strict=True,
        )
    ]
    return _Chunk(_words(texts), row, kind_index, code_index, has[row, code_index])


def write_notes(
    rows: dict[str, IntArray],
    assessment_rows: IntArray,
    pop: Population,
    ids: ExtensionArray,
    config: SimulationConfig,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the notes table (normal form) and one row per factor mention.

    Parameters
    ----------
    rows : dict of arrays
        The truncated, integer-coded episode rows.
    assessment_rows : array of int
        Row positions of the assessments.
    pop : Population
        The children.
    ids : pandas string array
        Child identifiers by child number.
    config : SimulationConfig
        The parameters (extract date).
    rng : numpy.random.Generator
        Random numbers for the notes only.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``notes`` (``child_id, date, text, author_role``) sorted by child and date, and
        the mentions (``note_row, factor, assertion, true``).
    """
    extract = day_of(config.extract_date)
    per = 1 + rng.binomial(2, 0.35, size=len(assessment_rows))
    src = np.repeat(assessment_rows, per)
    m = len(src)
    child = rows["child"][src]
    a_start = rows["start"][src]
    a_end = np.where(rows["end"][src] == NEVER, extract, rows["end"][src])
    a_end = np.minimum(a_end, extract)
    date = a_start + np.floor(rng.random(m) * (a_end - a_start + 1)).astype(np.int64)
    role = rng.integers(len(_ROLES), size=m)
    true_mask = rows["true_factors"][src]
    birth = pop.birth[child]
    chunks = [
        _note_chunk(true_mask[c], birth[c], date[c], rng)
        for c in (slice(lo, lo + _CHUNK) for lo in range(0, m, _CHUNK))
    ]
    texts = np.concatenate([chunk.texts for chunk in chunks])
    offsets = np.cumsum([0] + [len(chunk.texts) for chunk in chunks])[:-1]
    m_row = np.concatenate([chunk.row + off for chunk, off in zip(chunks, offsets, strict=True)])
    m_kind_index = np.concatenate([chunk.kind for chunk in chunks])
    m_code_index = np.concatenate([chunk.code for chunk in chunks])
    m_true = np.concatenate([chunk.true for chunk in chunks])
    # Notes by child, then date, then as written.
    order = stable_order(pack_keys([child, date]))
    position = np.empty(m, dtype=np.int64)
    position[order] = np.arange(m)
    notes = pd.DataFrame(
        {
            "child_id": ids.take(child[order]),
            "date": date[order].astype("datetime64[D]").astype("datetime64[ns]"),
            "text": pd.array(texts[order], dtype="string"),
            "author_role": pd.array(_ROLES, dtype="string").take(role[order]),
        }
    )
    # Mentions by note row, then factor code as text (stable), as a sort of the table.
    text_rank = np.argsort(np.argsort(np.asarray(FACTOR_CODES)))
    by_row = stable_order(pack_keys([position[m_row], text_rank[m_code_index]]))
    mentions = pd.DataFrame(
        {
            "note_row": position[m_row][by_row],
            "factor": pd.array(FACTOR_CODES, dtype="string").take(m_code_index[by_row]),
            "assertion": pd.array(_KINDS, dtype="string").take(m_kind_index[by_row]),
            "true": m_true[by_row],
        }
    )
    return notes, mentions
