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
import re

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
