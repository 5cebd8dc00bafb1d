"""The demo brief read as a policy reader and an accessibility checker (session 27).

Was:

* the demo brief's words "counterfactual" (the key number without early help), "doubly
  robust", "influence functions" (the subgroup figure's caption) and "horizons" (the
  curves' captions) were in no glossary entry;
* Table 1 scrolls sideways inside its own box on a phone, but the box could not be
  reached or scrolled from the keyboard and had no name; the cohort counts' table had no
  caption.
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pytest

from escalation.report.brief import render_brief
from tests.report.report_support import example_brief

#: Sentences of the demo brief (escalation demo, seed 1) that used the terms.
_DEMO_WORDS = (
    "Had none of these children received early help, an estimated 9 in every 100 would have "
    "gone on to a child protection plan or care within 365 days (model-based, CCW: a "
    "counterfactual, not a count).",
    "Change in risk of escalation by 365 days with early help, within groups: the mean of "
    "the children's doubly robust (AIPW) estimates in each group. Lines are 95% confidence "
    "intervals from the estimates' influence functions (the key numbers' come from the "
    "bootstrap, so they differ a little).",
    "Dotted lines mark the horizons; bands are 95% confidence intervals.",
)


def _glossary(html: str) -> tuple[str, str]:
    """Return the brief before its glossary, and the glossary."""
    at = html.index('<section aria-labelledby="glossary">')
    return html[:at], html[at:]


def test_the_glossary_defines_the_demo_briefs_remaining_technical_terms() -> None:
    brief = dataclasses.replace(example_brief(), figures=(), shows=_DEMO_WORDS)
    text, glossary = _glossary(render_brief(brief, dpi=30))
    for anchor, word in (
        ("gloss-counterfactual", "counterfactual"),
        ("gloss-influence-function", "influence functions"),
        ("gloss-horizon", "horizons"),
    ):
        assert f'<dt id="{anchor}">' in glossary, anchor
        assert f'<a class="gloss" href="#{anchor}">{word}</a>' in text, anchor
    # "doubly robust" is what AIPW is called: its entry says so, and the words lead to it
    # when they come first.
    assert "doubly robust" in glossary[glossary.index('<dt id="gloss-aipw">') :]
    alone = dataclasses.replace(brief, shows=("A doubly robust estimate.",), key_numbers=())
    text, _ = _glossary(render_brief(alone, dpi=30))
    assert '<a class="gloss" href="#gloss-aipw">doubly robust</a>' in text


def test_table_one_scrolls_from_the_keyboard_and_is_named() -> None:
    """A box that scrolls must take the keyboard's focus (WCAG 2.1.1; axe's
    scrollable-region-focusable) and, so focused, say what it holds."""
    from tests.report.report_support import example_table_one

    brief = dataclasses.replace(example_brief(), table_one=example_table_one())
    html = render_brief(brief, dpi=30)
    box = re.search(r'<div class="table-wrap"([^>]*)>\s*<table class="tableone"', html)
    assert box is not None
    attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', box.group(1)))
    assert attributes.get("tabindex") == "0"
    assert attributes.get("role") == "region"
    assert f'<h2 id="{attributes["aria-labelledby"]}">The two groups compared</h2>' in html


def test_the_cohort_counts_say_they_are_rounded() -> None:
    """The counts of who was studied ("1,485", "10") were shown with no caption: that they
    are rounded, and how small counts read, was only in the footer."""
    from escalation.disclosure import DisclosureRules

    for rules, said in (
        (DisclosureRules(), "every other count is rounded to the nearest 5"),
        (
            DisclosureRules(threshold=20, rounding=10),
            "every other count is rounded to the nearest 10",
        ),
        (DisclosureRules(rounding=1), "other counts are exact"),
    ):
        brief = dataclasses.replace(example_brief(), disclosure=rules)
        html = render_brief(brief, dpi=30)
        table = re.search(r'<table class="facts cohort">\s*<caption>([^<]*)</caption>', html)
        assert table is not None
        caption = table.group(1).replace("&#39;", "'")
        assert caption.startswith(f"Counts below {rules.threshold} ")
        assert f"below {rules.threshold} are shown as 'fewer than {rules.threshold}'" in caption
        assert said in caption


def test_the_criteria_table_keeps_its_roles_when_laid_out_as_cards() -> None:
    """On phones the criteria table is one card per criterion (display: block), which in
    some browsers (Safari) drops a table's semantics: explicit roles keep its headers."""
    html = render_brief(example_brief(with_policy=True), dpi=30)
    table = re.search(r'<table class="facts criteria"[^>]*>.*?</table>', html, re.S)
    assert table is not None
    text = table.group(0)
    assert text.startswith('<table class="facts criteria" role="table">')
    assert text.count('role="columnheader"') == 4
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", text, re.S)
    assert rows and all('role="row"' in attributes for attributes, _ in rows)
    for _, cells in rows[1:]:
        assert cells.count('role="rowheader"') == 1 and cells.count('role="cell"') == 3


def test_the_evidence_gives_the_observed_and_modelled_risks_with_their_intervals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo brief's "It shows" said "8 in every 100 went on to a child protection plan
    or care within 365 days (observed, Aalen-Johansen) ... an estimated 9 in every 100
    would have (CCW)" with no interval (results/effects.csv: 0.0815, 95% CI 0.0739 to
    0.0891; CCW 0.0942, 0.0849 to 0.1035).

    Reference, by hand from the effects table the stage is replaced by: the unadjusted
    risk 0.081 (0.073 to 0.089) is 8 (7 to 9) in 100; CCW's 0.094 (0.085 to 0.104) is 9
    (8 to 10) in 100, whole numbers keeping each estimate inside its interval.
    """
    from tests.report.test_report_brief_headline import _brief_text

    _brief_text(tmp_path, monkeypatch, grace_warning=True)
    page = (tmp_path / "out" / "brief.html").read_text(encoding="utf-8")
    shows = page[page.index("<h3>It shows</h3>") : page.index("<h3>It does not show</h3>")]
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shows)))
    assert (
        "Of the children who did not get early help, 8 in every 100 (95% CI 7 to 9) went on "
        "to a child protection plan or care within 365 days"
    ) in text
    assert "an estimated 9 in every 100 (95% CI 8 to 10) would have (CCW)" in text
