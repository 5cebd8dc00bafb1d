"""A 95% interval not estimated is said in words, never printed as "nan".

With ``[estimation] bootstrap = 0`` (no bootstrap replicates) the bootstrap-only
intervals (CCW's, the risk tool's) are missing. The brief printed "plausibly between nan
and nan fewer" and "95% CI nan% to nan%", a model card's HTML table "NaN", and
``escalation predict`` "AUC 0.718 (not shown to not shown)" (as if withheld for
disclosure). Each sentence builder now writes its interval through
:func:`escalation._interval_words.ci_words`, which says so in words where the number is.

The expected sentences are written out by hand; the pipeline run is the demo of 1,500
simulated children with bootstrap 0 (the run that showed the fault), into a temporary
folder.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.cli import main
from escalation.cli.policy import _console_line
from escalation.cli.run import run_demo
from escalation.predict.modelcard import ModelCard
from escalation.report.alt_text import _intervals, points
from escalation.report.brief import describe_difference, describe_risk
from escalation.report.policy_section import _difference_words
from escalation.report.risk_tool import _two
from tests.report.alt_support import brief_images

NAN = float("nan")
#: The words for a missing interval (escalation._interval_words.NO_INTERVAL), by hand.
NO_INTERVAL = "no interval: the design asked for no bootstrap replicates, or none was usable"
#: "nan" or "inf" as a word, in any case ("NaN", "-inf", "+nan").
NOT_A_NUMBER = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)
#: The words for an infinite value (escalation._interval_words.UNBOUNDED), by hand.
UNBOUNDED = "unbounded"


def _words(page: str) -> str:
    """The page's text and alt texts, without the images' base64 data."""
    return html.unescape(re.sub(r'src="data:[^"]*"', 'src=""', page))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("no_interval")
    out, predicted = root / "demo", root / "predict"
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as patch:
        warnings.simplefilter("ignore")  # numerical warnings of a small authority
        outputs = run_demo(
            out, children=1_500, seed=1, bootstrap=0, progress=False, keep_going=True
        )
        lines: list[str] = []
        patch.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
        argv = [
            "predict", str(out / "design.toml"), "--data", str(out / "data"),
            "--out", str(predicted), "--bootstrap", "0", "--models", "cox",
        ]  # fmt: skip
        assert main(argv) == 0
    yield {"out": out, "outputs": outputs, "predicted": predicted, "console": lines}


def test_the_brief_says_a_missing_interval_in_words(run: dict[str, Any]) -> None:
    page = _words((run["out"] / "brief.html").read_text(encoding="utf-8"))
    assert NOT_A_NUMBER.findall(page) == []
    assert NO_INTERVAL in page  # CCW's key numbers: no bootstrap, no interval


def test_no_alt_text_prints_nan(run: dict[str, Any]) -> None:
    page = (run["out"] / "brief.html").read_text(encoding="utf-8")
    alts = [alt for alt, _ in brief_images(page)]
    assert alts
    assert [alt for alt in alts if NOT_A_NUMBER.search(alt)] == []


def test_model_cards_and_console_say_no_interval(run: dict[str, Any]) -> None:
    cards = sorted((run["predicted"] / "model_cards").glob("*.*"))
    assert {p.suffix for p in cards} == {".md", ".html"}
    for path in cards:
        text = html.unescape(path.read_text(encoding="utf-8"))
        assert NOT_A_NUMBER.findall(text) == [], path.name
        assert f"Empty conf_low and conf_high cells mean {NO_INTERVAL}." in text, path.name
    auc = [line for line in run["console"] if " AUC " in line]
    assert auc and all(line.endswith(f"({NO_INTERVAL})") for line in auc)


# --- the sentence builders, one by one ----------------------------------------------


def test_describe_difference_without_an_interval() -> None:
    assert describe_difference(-0.012, NAN, NAN) == (
        f"An estimated 1.2 fewer in every 100 children would escalate ({NO_INTERVAL})."
    )
    assert describe_difference(0.012, -np.inf, np.inf).endswith(f"escalate ({NO_INTERVAL}).")


def test_describe_risk_and_points_without_an_interval() -> None:
    assert describe_risk(0.0815, NAN, NAN) == f"8% ({NO_INTERVAL})"
    assert describe_risk(0.0815, NAN, NAN, digits=1) == f"8.2% ({NO_INTERVAL})"
    assert points(-0.0152, NAN, NAN) == f"-1.5 points ({NO_INTERVAL})"
    # with an interval: unchanged
    assert points(-0.0152, -0.0311, 0.0012) == "-1.5 points (95% CI -3.1 to +0.1)"


def test_policy_and_risk_tool_sentences_without_an_interval() -> None:
    assert _difference_words(-7.1, NAN, NAN, "no one") == (
        f"7.1 fewer escalations per 1,000 referrals than no one ({NO_INTERVAL})"
    )
    assert _two((0.76, NAN, NAN)) == f"0.76 ({NO_INTERVAL})"
    assert _two((0.76, 0.62, 0.94)) == "0.76 (95% CI 0.62 to 0.94)"


def test_counts_of_clear_intervals_leave_out_those_not_estimated() -> None:
    # all missing: not "every rule's 95% interval includes no difference"
    assert _intervals([(-1.0, NAN, NAN), (2.0, NAN, NAN)], "rule") == "no rule has a 95% interval"
    assert _intervals([(-1.0, -2.0, -0.5), (1.0, NAN, NAN)], "rule") == (
        "for 1 of the 1 rules with an interval the 95% interval lies wholly on one side of "
        "no difference"
    )


def test_policy_console_line_without_an_interval() -> None:
    row = SimpleNamespace(
        label="No one", flagged_per_1000=0.0, prevented_per_1000=0.0, conf_low=NAN, conf_high=NAN
    )
    line = _console_line(row)
    assert NOT_A_NUMBER.findall(line) == [] and line.endswith(f"({NO_INTERVAL})")


def test_model_card_html_leaves_a_missing_value_empty() -> None:
    performance = pd.DataFrame(
        {"metric": ["Brier score"], "estimate": [0.1], "conf_low": [NAN], "conf_high": [NAN]}
    )
    subgroups = pd.DataFrame(
        {"attribute": ["sex"], "group": ["F"], "metric": ["fnr"], "estimate": [0.1],
         "conf_low": [NAN], "conf_high": [NAN]}
    )  # fmt: skip
    card = ModelCard("cox", "Cox.", {}, performance, subgroups)
    for text in (card.to_html(), card.to_markdown()):
        assert NOT_A_NUMBER.findall(text) == []
        assert f"Empty conf_low and conf_high cells mean {NO_INTERVAL}." in text
    with_intervals = performance.assign(conf_low=[0.08], conf_high=[0.12])
    card = ModelCard("cox", "Cox.", {}, with_intervals, subgroups.dropna(axis=1))
    assert card.interval_note() is None


def test_model_card_says_an_infinite_value_in_words() -> None:
    # The decision-use table printed the unbounded upper end of a number needed to offer
    # as "inf", in markdown and HTML alike.
    card = ModelCard("cox", "Cox.", {}, pd.DataFrame(), pd.DataFrame())
    table = pd.DataFrame(
        {"measure": ["Number needed to offer"], "estimate": [40.0], "conf_low": [25.6],
         "conf_high": [float("inf")]}
    )  # fmt: skip
    card = card.with_decision_use(table)
    for text in (card.to_markdown(), card.to_html()):
        assert NOT_A_NUMBER.findall(text) == [], text
        assert "25.600" in text
        assert f"| 40.000 | 25.600 | {UNBOUNDED} |" in text or f"<td>{UNBOUNDED}</td>" in text
