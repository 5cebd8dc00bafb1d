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

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

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


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _postcode(rng: np.random.Generator) -> str:
    area = _POST_AREA[int(rng.integers(len(_POST_AREA)))]
    a, b = rng.integers(len(_LETTERS), size=2)
    return f"{area}{rng.integers(1, 30)} {rng.integers(1, 10)}{_LETTERS[a]}{_LETTERS[b]}"


def write_notes(
    rows: dict[str, IntArray],
    assessment_rows: IntArray,
    pop: Population,
    ids: npt.NDArray[np.object_],
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
    ids : array of str
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
    true_mask = rows["true_factors"][src]
    codes = list(FACTOR_CODES)
    has = ((true_mask[:, None] >> np.arange(len(codes))[None, :]) & 1).astype(bool)
    draw = rng.random((m, len(codes), 4))
    present = has & (draw[..., 0] < 0.6)
    uncertain = ~present & np.where(has, draw[..., 1] < 0.15, draw[..., 1] < 0.01)
    negated = ~has & (draw[..., 2] < 0.06)
    hypothetical = draw[..., 3] < 0.02
    for j, code in enumerate(codes):
        if code not in PRESENT:
            present[:, j] = False
        if code not in UNCERTAIN:
            uncertain[:, j] = False
        if code not in NEGATED:
            negated[:, j] = False
        if code not in HYPOTHETICAL:
            hypothetical[:, j] = False
    hypothetical &= ~present & ~uncertain & ~negated
    picks = rng.integers(0, 1 << 30, size=(m, 8))
    role = np.asarray(_ROLES, dtype=object)[rng.integers(len(_ROLES), size=m)]
    birth_text = pd.DatetimeIndex(pop.birth[child].astype("datetime64[D]")).strftime("%d/%m/%Y")
    date_text = pd.DatetimeIndex((date + 14).astype("datetime64[D]")).strftime("%d/%m/%Y")
    with_pii = rng.random(m) < 0.7
    tables = (
        ("present", present, PRESENT),
        ("uncertain", uncertain, UNCERTAIN),
        ("negated", negated, NEGATED),
        ("hypothetical", hypothetical, HYPOTHETICAL),
    )
    texts: list[str] = []
    m_row: list[int] = []
    m_code: list[str] = []
    m_kind: list[str] = []
    m_true: list[bool] = []
    for i in range(m):
        p = picks[i]
        first = _FIRST[p[0] % len(_FIRST)]
        surname = _SURNAME[p[1] % len(_SURNAME)]
        parent = _FIRST[p[2] % len(_FIRST)]
        sentences = []
        if with_pii[i]:
            sentences.append(
                f"Home visit to {first} {surname} (DOB {birth_text[i]}) at {p[3] % 180 + 1} "
                f"{_STREET[p[4] % len(_STREET)]}, {_postcode(rng)}."
            )
        else:
            sentences.append(f"Visit to {first} at school, seen alone.")
        for kind, matrix, phrases in tables:
            for j in np.flatnonzero(matrix[i]).tolist():
                code = codes[j]
                options = phrases[code]
                phrase = options[(p[5] + j) % len(options)]
                if kind == "uncertain" and not phrase.startswith(
                    ("neighbours", "father", "mother")
                ):
                    phrase = f"worker noted {phrase}"
                sentences.append(_capital(phrase) + ".")
                m_row.append(i)
                m_code.append(code)
                m_kind.append(kind)
                m_true.append(bool(has[i, j]))
        if len(sentences) == 1:
            sentences.append(f"{first} presented as settled and engaged well.")
        if with_pii[i] and p[6] % 2 == 0:
            sentences.append(
                f"{parent} {surname} can be reached on 07700 900{p[7] % 1000:03d} or "
                f"{parent.lower()}.{surname.lower()}@example.com."
            )
        sentences.append(f"Next contact planned for {date_text[i]}.")
        texts.append(" ".join(sentences))
    order = np.lexsort((np.arange(m), date, child))
    position = np.empty(m, dtype=np.int64)
    position[order] = np.arange(m)
    notes = pd.DataFrame(
        {
            "child_id": pd.array(ids[child[order]], dtype="string"),
            "date": date[order].astype("datetime64[D]").astype("datetime64[ns]"),
            "text": pd.array(np.asarray(texts, dtype=object)[order], dtype="string"),
            "author_role": pd.array(role[order], dtype="string"),
        }
    )
    mentions = pd.DataFrame(
        {
            "note_row": position[np.asarray(m_row, dtype=np.int64)],
            "factor": pd.array(m_code, dtype="string"),
            "assertion": pd.array(m_kind, dtype="string"),
            "true": np.asarray(m_true, dtype=bool),
        }
    )
    mentions = mentions.sort_values(["note_row", "factor"], kind="stable", ignore_index=True)
    return notes, mentions
