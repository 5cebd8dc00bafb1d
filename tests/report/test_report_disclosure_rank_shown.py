"""A rank metric is shown with the decimals it was rounded to.

Disclosure rounds an AUC to 2 decimals (3 when the larger of its escalations and
non-escalations is at least 100, ``tests/report/test_report_disclosure_rank.py``). The
model card printed every value with 3 decimals and the brief the AUC difference with 3,
so a value rounded to 0.74 read "0.740", a precision it does not have.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from escalation import disclosure
from escalation.disclosure import disclose_count, disclose_metric_counts, disclose_model_card
from escalation.predict.fairness import FAIRNESS_COLUMNS
from escalation.predict.metrics import score_risks
from escalation.predict.modelcard import model_card
from escalation.report import risk_tool

HORIZON = 365.0
RANK_ROWS = ("Time-dependent AUC", "Harrell's C", "Uno's C", "Average precision")


def _test_set(n: int, events: int, seed: int = 3) -> pd.DataFrame:
    """``n`` test children, ``events`` escalations; none censored before the horizon."""
    rng = np.random.default_rng(seed)
    escalated = np.arange(n) < events
    risk = np.clip(0.2 + 0.2 * escalated + rng.normal(0, 0.15, n), 0.01, 0.99)
    duration = np.where(escalated, rng.integers(1, 365, n), 400.0)
    return pd.DataFrame({"duration": duration, "event": escalated.astype(int), "risk": risk})


def _card_rows(n: int, events: int) -> dict[str, list[str]]:
    """The shared model card's performance rows (Markdown cells by metric)."""
    data = _test_set(n, events)
    scores = score_risks(data["duration"], data["event"], data["risk"], HORIZON)
    metrics = pd.DataFrame(
        {
            "model": "cox",
            "metric": list(scores),
            "estimate": list(scores.values()),
            # an interval around each value, as a bootstrap gives (no interval for counts)
            "conf_low": [v - 0.0531 for v in scores.values()],
            "conf_high": [v + 0.0472 for v in scores.values()],
        }
    )
    fair = pd.DataFrame(columns=list(FAIRNESS_COLUMNS))
    card = model_card("cox", metrics, fair, description="Cox model.", facts={}, oracle=None)
    shared = disclose_model_card(card, metrics, fair, events=events, n=n)
    rows = {}
    for line in shared.to_markdown().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4:
            rows[cells[0]] = cells[1:]
    return rows


def _decimals(cell: str) -> int:
    match = re.fullmatch(r"-?\d+\.(\d+)", cell)
    assert match, cell
    return len(match.group(1))


def test_the_model_card_shows_a_rank_metric_with_the_decimals_it_was_rounded_to() -> None:
    # 23 escalations and 65 not: rounded to 2 decimals, shown with 2 ("0.74", not "0.740")
    rows = _card_rows(88, 23)
    for name in RANK_ROWS:
        assert [_decimals(c) for c in rows[name]] == [2, 2, 2], (name, rows[name])
    assert _decimals(rows["Brier score"][0]) == 3  # not a rank metric: as before
    # 60 escalations and 340 not: rounded to 3 decimals, shown with 3
    rows = _card_rows(400, 60)
    for name in RANK_ROWS:
        assert [_decimals(c) for c in rows[name]] == [3, 3, 3], (name, rows[name])


def _paired(n: float, events: float, difference: tuple[float, float, float]) -> pd.DataFrame:
    """A disclosed prediction_metrics.csv of cox and cox+text with the paired difference."""
    rows = []
    for model in ("cox", "cox+text"):
        rows += [
            {"model": model, "metric": "n", "estimate": n},
            {"model": model, "metric": "events", "estimate": events},
            {"model": model, "metric": "auc", "estimate": 0.7,
             "conf_low": 0.6, "conf_high": 0.8},
        ]  # fmt: skip
    estimate, low, high = difference
    rows.append(
        {"model": "cox+text", "metric": "auc_difference", "estimate": estimate,
         "conf_low": low, "conf_high": high}
    )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_brief_shows_the_auc_difference_with_the_decimals_it_was_rounded_to() -> None:
    # 25 escalations of 90 children (published): rounded to 2 decimals
    table = _paired(90.0, 25.0, (0.02, -0.01, 0.05))
    text = risk_tool.text_features_sentence(table, "cox")
    assert "(difference 0.02, 95% CI -0.01 to 0.05)" in text, text
    # 60 of 400: 3 decimals, and a negative zero never shows
    table = _paired(400.0, 60.0, (0.021, -0.0, 0.043))
    text = risk_tool.text_features_sentence(table, "cox")
    assert "(difference 0.021, 95% CI 0.000 to 0.043)" in text, text


@given(events=st.integers(10, 400), non_events=st.integers(10, 400))
def test_the_decimals_read_back_from_the_published_counts_are_those_rounded_to(
    events: int, non_events: int
) -> None:
    """rank_decimals of the published escalations and children is the rounding that
    disclose_rank_metric applied to the exact counts (as disclose_metric_counts does)."""
    value = 0.7386363636363636
    published = disclosure.disclose_rank_metric(value, events, non_events)
    assert published is not None
    decimals = disclosure.rank_decimals(disclose_count(events), disclose_count(events + non_events))
    assert decimals is not None and published == round(value, decimals)
    assert disclosure.rank_decimals(events, events + non_events) == decimals  # exact too
    table = pd.DataFrame(
        {"model": "cox", "metric": ["n", "events", "auc"],
         "estimate": [float(events + non_events), float(events), value]}
    )  # fmt: skip
    shown = disclose_metric_counts(table)
    assert disclosure.model_rank_decimals(shown, "cox") == decimals
