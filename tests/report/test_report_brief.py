"""The policy brief: self-contained, disclosure-controlled, caveated, identifier-free."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalation.errors import DataValidationError
from escalation.report.brief import DECISION_SUPPORT_CAVEAT, render_brief, write_brief
from tests.report.report_support import example_brief


@pytest.fixture(scope="module")
def html() -> str:
    return render_brief(example_brief(), dpi=60)


def test_report_brief_is_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 5
    # Nothing is fetched from elsewhere: no external scripts, styles, images or fonts.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html
    assert "@media print" in html and "@page" in html


def test_report_brief_counts_pass_disclosure(html: str) -> None:
    assert "8,795" in html and "8796" not in html and "8,796" not in html
    assert "1,235" in html and "1,234" not in html
    assert "fewer than 10" in html  # three deaths
    assert "rounded to the nearest 5" in html


def test_report_brief_plain_words_and_caveat(html: str) -> None:
    assert "15% (95% CI 13% to 17%)" in html
    assert "About 2 fewer in every 100 children would escalate (plausibly between 0.4 and 4" in html
    assert "Decision support only." in html
    assert DECISION_SUPPORT_CAVEAT.split(";")[0].replace("'", "&#39;") in html
    without = render_brief(example_brief(with_risk_tool=False), dpi=30)
    assert "Decision support only." not in without


def test_report_brief_refuses_identifiers(tmp_path: Path) -> None:
    brief = example_brief(with_risk_tool=False)
    with pytest.raises(DataValidationError, match="1 identifier") as error:
        write_brief(brief, tmp_path / "b.html", identifiers=["Children", "C999"], dpi=30)
    assert "Children" not in str(error.value).split(":", 1)[1]
    assert not (tmp_path / "b.html").exists()
