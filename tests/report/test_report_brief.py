"""The policy brief: self-contained, disclosure-controlled, caveated, identifier-free."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

from escalation.errors import DataValidationError
from escalation.report.brief import (
    DECISION_SUPPORT_CAVEAT,
    Brief,
    PolicySection,
    figure_images,
    render_brief,
    write_brief,
)
from tests.report.report_support import example_brief

#: Resolution of the module's brief images.
DPI = 60


@pytest.fixture(scope="module")
def drawn() -> Brief:
    """The example brief with its figures drawn for the screen once (as render_brief would).

    Tests of other parts of the brief (Table 1, the policy section) render it with these
    images rather than drawing the same five figures again.
    """
    brief = example_brief()
    figures = tuple(dataclasses.replace(f, images=figure_images(f, dpi=DPI)) for f in brief.figures)
    return dataclasses.replace(brief, figures=figures)


@pytest.fixture(scope="module")
def html(drawn: Brief) -> str:
    return render_brief(drawn, dpi=DPI)


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
    # the words keep the decimal of the number above them ("-2.1 points")
    assert (
        "An estimated 2.1 fewer in every 100 children would escalate (plausibly between 0.4 and 3.8"
        in html
    )
    assert "Decision support only." in html
    assert DECISION_SUPPORT_CAVEAT.split(";")[0].replace("'", "&#39;") in html
    # the caveat goes with the risk tool's paragraph (figures play no part: none drawn)
    without = dataclasses.replace(example_brief(with_risk_tool=False), figures=())
    assert "Decision support only." not in render_brief(without, dpi=30)


def test_report_brief_decision_support_boxes_say_one_text() -> None:
    # The risk tool's box and the policy section's are one text, from one place.
    brief = dataclasses.replace(example_brief(with_policy=True), figures=())
    assert brief.policy is not None
    brief = dataclasses.replace(brief, policy=dataclasses.replace(brief.policy, figure=None))
    html = render_brief(brief, dpi=30)
    boxes = re.findall(
        r'<div class="caveat[^"]*" role="note"><strong>Decision support only\.</strong>'
        r"\s*(.*?)</div>",
        html,
        re.S,
    )
    assert len(boxes) == 2
    assert boxes[0] == boxes[1] == str(escape(DECISION_SUPPORT_CAVEAT))
    # It does not understate the errors: the paragraph above it has the tool missing about
    # 3 in 4 children who escalated at the riskiest 10% (a policy reader met "some").
    assert "miss some" not in boxes[0] and "often many of them" in boxes[0]
    # A policy section without the risk tool's still shows the box, in the same words.
    alone = render_brief(dataclasses.replace(brief, risk_tool=None), dpi=30)
    assert alone.count(str(escape(DECISION_SUPPORT_CAVEAT))) == 1
    assert not any(f.name == "caveat" for f in dataclasses.fields(PolicySection))


def test_report_brief_refuses_identifiers(tmp_path: Path) -> None:
    # an identifier in the text: the figures (images) play no part, none are drawn
    brief = dataclasses.replace(example_brief(with_risk_tool=False), figures=())
    with pytest.raises(DataValidationError, match="1 identifier") as error:
        write_brief(brief, tmp_path / "b.html", identifiers=["Children", "C999"], dpi=30)
    assert "Children" not in str(error.value).split(":", 1)[1]
    assert not (tmp_path / "b.html").exists()


def test_report_brief_glossary_linked_from_first_use() -> None:
    from escalation.report.brief import GLOSSARY

    brief = dataclasses.replace(
        example_brief(with_risk_tool=True),
        figures=(),
        limits=(
            "Early help is counted when it started within the grace period.",
            "A second mention of the grace period is not linked again.",
        ),
        risk_tool="Its AUC was 0.71; the AUC is not everything.",
        paragraphs=("Each spell starts at a decision point.",),
    )
    html = render_brief(brief, dpi=40)
    for term in ("grace period", "spell", "AIPW", "Aalen–Johansen", "AUC", "quintile"):
        assert term in GLOSSARY
    assert html.count('href="#gloss-grace-period"') == 1
    assert html.count('href="#gloss-auc"') == 1
    assert '<a class="gloss" href="#gloss-spell">spell</a>' in html


def test_report_brief_glossary_lists_only_the_terms_the_brief_uses() -> None:
    """A reviewer found "quintile" defined in a brief that never used the word."""
    plain = dataclasses.replace(example_brief(with_risk_tool=False), figures=())
    # no term used (the key numbers' "95% CI" is one): no glossary
    plain = dataclasses.replace(plain, key_numbers=())
    assert 'aria-labelledby="glossary"' not in render_brief(plain, dpi=40)
    brief = dataclasses.replace(plain, paragraphs=("Each spell starts within the grace period.",))
    html = render_brief(brief, dpi=40)
    glossary = html[html.index('<section aria-labelledby="glossary">') :]
    terms = re.findall(r'<dt id="gloss-([a-z-]+)">', glossary)
    assert terms == ["grace-period", "spell"], terms
    # every term listed is used before the glossary
    text = re.sub(r"<[^>]+>", " ", html[: html.index('<section aria-labelledby="glossary">')])
    for term in terms:
        assert re.search(term.replace("-", "[ –-]"), text, re.I), term
    # a term used (linked or not) is listed: "quintiles" in a limit, "AUC" in a caveat
    used = dataclasses.replace(
        brief,
        limits=("Deprivation is grouped in quintiles.",),
        caveats=("The AUC rests on few escalations.",),
    )
    html = render_brief(used, dpi=40)
    assert '<dt id="gloss-quintile">' in html and '<dt id="gloss-auc">' in html
    assert '<a class="gloss" href="#gloss-quintile">quintiles</a>' in html


def test_report_brief_rounding_keeps_estimate_inside_interval() -> None:
    from escalation.report.brief import describe_risk, interval_digits

    # Printed at whole percentages this would read "10% (95% CI 9% to 10%)".
    assert describe_risk(0.0996, 0.0912, 0.0998) == "9.96% (95% CI 9.12% to 9.98%)"
    rng = np.random.default_rng(0)
    for _ in range(2000):
        low, est, high = np.sort(rng.uniform(0, 0.3, 3))
        if not low < est < high:
            continue
        d = interval_digits(est, low, high)
        assert round(100 * low, d) < round(100 * est, d) < round(100 * high, d)


def test_report_brief_table_one_paragraphs_and_phone_figures(drawn: Brief) -> None:
    brief = dataclasses.replace(
        drawn,
        table_one='<table class="tableone"><tr><td>n</td></tr></table>',
        paragraphs=("Why the two comparisons disagree: confounding by indication.",),
    )
    html = render_brief(brief, dpi=DPI)
    assert (
        '<div class="table-wrap" role="region" aria-labelledby="table-one" tabindex="0">'
        '<table class="tableone">' in html
    )
    assert "confounding by indication" in html
    # The two double-column figures carry a one-column variant for narrow screens.
    assert html.count('<source media="(max-width: 640px)"') == 2
    assert "figure.single img { max-width: 30rem; }" not in html


def test_report_brief_policy_section(html: str, drawn: Brief) -> None:
    without = html  # the module's brief: example_brief() has no policy section
    # the same brief's figures (already drawn) and the policy section's, drawn here
    brief = dataclasses.replace(example_brief(with_policy=True), figures=drawn.figures)
    html = render_brief(brief, dpi=DPI)
    assert "Would a risk score help decide who is offered early help?" in html
    assert "Pre-registered criteria" in html and "<strong>not met</strong>" in html
    assert "What the evidence cannot say." in html
    assert html.count("Decision support only.") == 2  # the risk tool's and this section's
    assert "Who would be flagged most often" in html
    assert "has not changed since" in html
    # The other rules are a list under the summary, one item each, not run into it.
    others = re.search(r"<p>The other rules:</p>\s*<ul>(.*?)</ul>", html, re.S)
    assert others is not None
    items = re.findall(r"<li>(.*?)</li>", others.group(1), re.S)
    assert [item[:30] for item in items] == [rule[:30] for rule in brief.policy.other_rules]
    assert len(items) == 2
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 6
    assert "Would a risk score help decide" not in without


def test_report_brief_table_one_prints_days_and_counts_as_whole_numbers() -> None:
    import pandas as pd

    from escalation.causal import table_one
    from escalation.report.table_one import disclosed_table_one, table_one_html

    spells = pd.DataFrame(
        {
            "treatment": [1] * 60 + [0] * 60,
            "days_since_first_referral": ([29] * 20 + [53] * 20 + [1108] * 20) * 2,
            "disability": [True, False, False] * 40,
        }
    )
    t1 = table_one(
        spells,
        variables=["days_since_first_referral", "disability"],
        nonnormal=["days_since_first_referral"],
    )
    table = disclosed_table_one(t1)
    days = table.loc[table["Characteristic"].str.startswith("Days"), "Early help"].iloc[0]
    assert days == "53 [29, 1,108]", days  # not "53.00 [29.00, 1108.00]"
    # One format across a row's arms: a half in one arm gives every arm one decimal (an
    # academic reader found "53.0 [32.0, 992.5]" beside "70 [34, 1,189]").
    halves = spells.assign(days_since_first_referral=spells["days_since_first_referral"] + (
        spells["treatment"] == 1) * (spells.index % 2) * 1)  # fmt: skip
    row = disclosed_table_one(
        table_one(halves, variables=["days_since_first_referral"],
                  nonnormal=["days_since_first_referral"])
    ).iloc[1]  # fmt: skip
    arms = " ".join(row[["No early help", "Early help"]])
    decimals = {len(v.split(".")[1]) for v in re.findall(r"\d\.\d+", arms)}
    assert decimals == {1} and all("." in row[arm] for arm in ("Early help", "No early help"))
    # A withheld arm (too few children for its quartiles) sets no other arm's decimals.
    few = pd.DataFrame(
        {"treatment": [1] * 20 + [0] * 60,
         "days_since_first_referral": [30, 31] * 10 + [29] * 20 + [53] * 20 + [1108] * 20}
    )  # fmt: skip
    row = disclosed_table_one(
        table_one(few, variables=["days_since_first_referral"],
                  nonnormal=["days_since_first_referral"])
    ).iloc[1]  # fmt: skip
    assert row["Early help"] == "not shown" and row["No early help"] == "53 [29, 1,108]"
    assert set(table["Level"]) >= {"Yes", "No"}  # not True / False
    html = table_one_html(table)
    # A characteristic with levels heads its own row; its levels follow, indented.
    assert '<tr class="block"><th scope="rowgroup">Disability, n (%)</th>' in html
    assert '<tr class="level"><th scope="row">Yes</th>' in html


def test_report_brief_key_caveat_follows_the_numbers_it_concerns() -> None:
    from escalation.report.brief import KeyNumber

    brief = dataclasses.replace(
        example_brief(with_risk_tool=False),
        figures=(),
        key_numbers=(
            KeyNumber("Change in risk (CCW)", "-1.5 points", "About 1 fewer."),
            KeyNumber(
                "Change in risk (AIPW, for comparison)",
                "-2.1 points",
                "For comparison.",
                comparison=True,
            ),
            KeyNumber("Risk tool", "27%", "Flagging the riskiest 10%."),
        ),
        key_caveat="Untreated spells ended within the grace period.",
    )
    html = render_brief(brief, dpi=30)
    ccw, aipw = html.index("-1.5 points"), html.index("-2.1 points")
    caveat, tool = html.index('id="key-caveat"'), html.index("Flagging the riskiest")
    assert ccw < aipw < caveat < tool
    assert html.count('class="card comparison"') == 1
    without = render_brief(dataclasses.replace(brief, key_caveat=""), dpi=30)
    assert 'id="key-caveat"' not in without
    # Its reason is one tap away on phones ("Why"), inside the caveat's box.
    why = render_brief(dataclasses.replace(brief, key_caveat_why="60 spells ended."), dpi=30)
    box = why[why.index('id="key-caveat"') : why.index("Flagging the riskiest")]
    assert '<details class="why"><summary>Why</summary> 60 spells ended.</details>' in box
    assert "<details" not in html
