"""The log-rank and Gray tests share one result shape (``KSampleTestResult``).

Was: ``LogRankResult`` and ``GrayTestResult`` each declared the same fields and built the
same facts, so a change to one (a new fact, the summary) could miss the other.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from escalation.survival import GrayTestResult, LogRankResult, gray_test, logrank_test
from escalation.survival._result import KSampleTestResult

SPELLS = Path(__file__).parents[1] / "reference" / "survival" / "spells.csv"
SHARED = ("table", "statistic", "df", "p_value", "rho", "strata", "n", "events", "dropped")


@pytest.mark.parametrize("kind", [LogRankResult, GrayTestResult])
def test_both_tests_derive_from_one_base_and_declare_nothing_it_has(kind: type) -> None:
    assert issubclass(kind, KSampleTestResult)
    names = [f.name for f in dataclasses.fields(kind)]
    assert names[: len(SHARED) - 1] == list(SHARED[:-1]) and "dropped" in names
    own = set(vars(kind).get("__annotations__", {}))
    assert not own & set(SHARED), "fields of the base declared again"
    for method in ("_facts", "_summary_table", "summary", "glance", "_repr_html_"):
        assert method not in vars(kind), f"{kind.__name__} repeats {method}"


def test_both_tests_present_the_same_facts_and_their_group_table() -> None:
    spells = pd.read_csv(SPELLS)
    logrank = logrank_test(spells, "group")
    gray = gray_test(spells, "group")
    for result in (logrank, gray):
        facts = result.glance().iloc[0]
        assert facts["statistic"] == result.statistic and facts["p_value"] == result.p_value
        assert facts["df"] == len(result.table) - 1 and facts["strata"] == "none"
        html = result._repr_html_()
        assert result.title.split(" (")[0] in html and str(result.table.iloc[0, 0]) in html
    assert gray.glance().loc[0, "method"] == "gray" and gray.glance().loc[0, "cause"] == 1
    assert logrank.glance().loc[0, "method"] == "log-rank, rho=0"
