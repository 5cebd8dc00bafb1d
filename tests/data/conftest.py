from __future__ import annotations

import pandas as pd
import pytest

from escalation import CaseHistory

EXTRACT = "2024-03-31"


def valid_tables() -> dict[str, pd.DataFrame]:
    """A small history meeting every contract rule, as text (as read from CSV)."""
    children = pd.DataFrame(
        {
            "child_id": ["c1", "c2", "c3"],
            "birth_date": ["2012-05-04", "2015-01-20", "2010-11-30"],
            "sex": ["F", "M", "U"],
            "ethnicity": ["WBRI", "BAFR", "NOBT"],
            "disability": ["false", "true", ""],
            "family_id": ["f1", "f1", "f2"],
            "imd_decile": ["3", "3", "8"],
        }
    )
    episodes = pd.DataFrame(
        [
            ("c1", "referral", "2019-06-01", "2019-07-15", "2A", "N1", "", "", "RC9", ""),
            ("c1", "assessment", "2019-06-03", "2019-07-10", "", "", "3B;4B", "", "", ""),
            ("c1", "early_help", "2019-07-20", "2020-01-10", "", "", "", "", "", ""),
            ("c1", "referral", "2020-03-01", "", "6", "N1", "", "", "", ""),
            ("c1", "s47", "2020-03-05", "", "", "", "", "", "", ""),
            ("c1", "icpc", "2020-03-20", "2020-03-20", "", "", "", "", "", ""),
            ("c1", "cp_plan", "2020-03-20", "2021-01-01", "", "", "", "NEG", "", ""),
            ("c2", "referral", "2021-02-01", "2021-03-01", "3A", "N4", "", "", "RC8", ""),
            ("c2", "looked_after", "2022-01-01", "", "", "", "", "", "", "C2"),
            ("c3", "referral", "2018-01-01", "2018-02-01", "1A", "N5", "", "", "RC8", ""),
            ("c3", "referral", "2018-02-01", "2018-04-01", "1A", "N5", "", "", "RC5", ""),
            ("c3", "moved_out", "2018-04-01", "", "", "", "", "", "", ""),
        ],
        columns=[
            "child_id",
            "kind",
            "start",
            "end",
            "source",
            "need",
            "factors",
            "category",
            "reason",
            "legal_status",
        ],
    )
    notes = pd.DataFrame(
        {
            "child_id": ["c1", "c2"],
            "date": ["2019-06-05", "2021-02-10"],
            "text": ["Home visit; concerns about domestic abuse.", "School raised concerns."],
            "author_role": ["social worker", "social worker"],
        }
    )
    return {"children": children, "episodes": episodes, "notes": notes}


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return valid_tables()


def history_from(tables: dict[str, pd.DataFrame]) -> CaseHistory:
    return CaseHistory(
        tables["children"], tables["episodes"], tables["notes"], extract_date=EXTRACT
    )
