"""Test support: case notes with planted identifiers and known factor mentions.

Until the package's simulator writes notes, this small generator writes them for a
synthetic history: every note states one or two factor mentions from fixed templates
(with known factor code and assertion) and plants identifiers of every kind, so tests can
check both the lexicon and that no identifier survives redaction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.data.history import CaseHistory

FIRST = ["Olivia", "Jack", "Sarah", "Mohammed", "Chloe", "Tyler", "Aisha", "Kacper"]
SURNAMES = ["Smith", "Okafor", "Kowalski", "Begum", "Hughes", "Patel", "Brennan", "Achterberg"]
STREETS = ["Acacia Avenue", "Kingsley Road", "Mill Lane", "Fairfield Close", "Orchard Drive"]
TOWNS = ["Leeds", "Bradford", "Wakefield"]
POSTCODES = ["LS1 4AB", "BD7 1DP", "WF1 2EQ", "LS11 5TG", "BD3 9QX"]
PHONES = ["07700 900123", "0113 496 0000", "+44 7700 900456", "(01632) 960 123"]

# (template, factor, assertion); {s} is a subject phrase chosen to match the code.
TEMPLATES = [
    ("{s} drinks heavily most evenings.", "1", "affirmed"),
    ("No concerns about alcohol use by {s}.", "1", "negated"),
    ("Possible alcohol misuse by {s}.", "1", "uncertain"),
    ("If {s} starts drinking again, the plan will be reviewed.", "1", "hypothetical"),
    ("{s} uses cannabis daily.", "2", "affirmed"),
    ("{s} denies any drug use.", "2", "negated"),
    ("Suspected drug use by {s}.", "2", "uncertain"),
    ("Police report domestic abuse involving {s}.", "3", "affirmed"),
    ("No evidence of domestic abuse involving {s}.", "3", "negated"),
    ("{s} has a history of depression.", "4", "affirmed"),
    ("Home conditions were poor and the children appeared neglected.", "16A", "affirmed"),
    ("No signs of neglect were observed.", "16A", "negated"),
    ("Cannot rule out neglect at this stage.", "16A", "uncertain"),
    ("Child has been self-harming.", "15A", "affirmed"),
    ("The child went missing overnight.", "10A", "affirmed"),
]
SUBJECTS = {"B": ["Mother", "Father", "mum"], "C": ["her partner", "the uncle"]}

IDENTIFIER_TEMPLATES = [
    "Visited {first} {last} at {num} {street}, {town} {postcode}.",
    "Spoke to Mr {last} on {phone}.",
    "Email from mother {first}: {first_l}.{last_l}@example.org.",
    "{first} (DOB {dob}) was seen at school.",
    "Ms {initial}. {last} attended the meeting.",
]


def plant_notes(
    history: CaseHistory, seed: int, notes_per_child: int = 3, span_days: int = 900
) -> tuple[CaseHistory, pd.DataFrame, pd.DataFrame]:
    """Return the history with notes, the true mentions and the planted identifiers.

    Notes are dated uniformly in the ``span_days`` before the extract date.
    """
    rng = np.random.default_rng(seed)
    kids = history.children["child_id"].astype(str).to_numpy()
    n = len(kids) * notes_per_child
    child = np.repeat(kids, notes_per_child)
    extract = np.datetime64(history.extract_date.date(), "D")
    dates = extract - rng.integers(0, span_days, n).astype("timedelta64[D]")
    texts: list[str] = []
    truth_rows: list[tuple[int, str, str]] = []
    planted: list[tuple[int, str, str]] = []
    t_pick = rng.integers(0, len(TEMPLATES), n)
    i_pick = rng.integers(0, len(IDENTIFIER_TEMPLATES), n)
    for row in range(n):
        template, code, assertion = TEMPLATES[t_pick[row]]
        if code in {"1", "2", "3", "4"}:
            letter = "B" if rng.random() < 0.7 else "C"
            subject = SUBJECTS[letter][rng.integers(0, len(SUBJECTS[letter]))]
            sentence = template.format(s=subject)
            sentence = sentence[0].upper() + sentence[1:]
            code = code + letter
        else:
            sentence = template
        first = FIRST[rng.integers(0, len(FIRST))]
        last = SURNAMES[rng.integers(0, len(SURNAMES))]
        values = {
            "first": first,
            "last": last,
            "first_l": first.lower(),
            "last_l": last.lower(),
            "initial": first[0],
            "num": str(rng.integers(1, 200)),
            "street": STREETS[rng.integers(0, len(STREETS))],
            "town": TOWNS[rng.integers(0, len(TOWNS))],
            "postcode": POSTCODES[rng.integers(0, len(POSTCODES))],
            "phone": PHONES[rng.integers(0, len(PHONES))],
            "dob": (
                f"{rng.integers(1, 28):02d}/{rng.integers(1, 13):02d}/20{rng.integers(5, 20):02d}"
            ),
        }
        ident = IDENTIFIER_TEMPLATES[i_pick[row]]
        ident_text = ident.format(**values)
        for key in ("first", "last", "street", "postcode", "phone", "dob"):
            if "{" + key + "}" in ident or (key == "first" and "{first_l}" in ident):
                planted.append((row, key, values[key]))
        if "@" in ident_text:
            planted.append((row, "email", f"{values['first_l']}.{values['last_l']}@example.org"))
        texts.append(f"{ident_text} {sentence}")
        truth_rows.append((row, code, assertion))
    notes = pd.DataFrame(
        {
            "child_id": pd.array(child, dtype="string"),
            "date": pd.to_datetime(dates),
            "text": pd.array(texts, dtype="string"),
            "author_role": pd.array(["social worker"] * n, dtype="string"),
        }
    )
    truth = pd.DataFrame(truth_rows, columns=["note_row", "factor", "assertion"])
    idents = pd.DataFrame(planted, columns=["note_row", "kind", "value"])
    return history.with_tables(notes=notes), truth, idents
