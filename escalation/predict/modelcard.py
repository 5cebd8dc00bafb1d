"""A model card per risk model: what it is for, what it was tested on, where it fails.

The card follows Mitchell et al. (2019), "Model cards for model reporting"
(doi:10.1145/3287560.3287596), cut to what a local authority and a social worker need:
intended use (decision support only), data, performance with intervals, subgroup gaps,
and the limits to know before trusting a score. It never contains identifiers or notes.
"""

from __future__ import annotations

import dataclasses
import html
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from escalation._interval_words import NO_INTERVAL, has_interval, unbounded_words
from escalation.disclosure import RANK_METRICS, format_rank_metric
from escalation.predict.metrics import MAX_LEFT_OUT

__all__ = ["ModelCard", "model_card"]

INTENDED_USE: Final = (
    "Decision support only. The score may prompt a practitioner to look again at a case; "
    "it must never decide, delay or replace a social worker's assessment, a threshold "
    "decision or a referral to early help, and no child or family should be treated "
    "differently because of a score alone."
)
_LIMITS: Final = (
    "Trained on recorded case histories: it predicts *recorded* escalation (child "
    "protection plan or being looked after), which reflects local practice and thresholds "
    "as well as children's needs, and it inherits any bias in who is referred and recorded.",
    "Most children flagged will not escalate and many who escalate are not flagged: read "
    "the precision and the false-negative rate at the operating point before use.",
    "Validated on later referrals of the same local authority; performance in another "
    "authority, or after changes in practice, is unknown until re-validated.",
    "Associations, not causes: a factor raising the score is not a reason the child will "
    "escalate, and the score says nothing about which help would work.",
)
_SMALL_GROUPS: Final = (
    "Subgroup results with fewer than {0} children or {0} escalations are suppressed; "
    "differences between small groups are uncertain even when shown."
)
_HEADLINE: Final = (
    ("observed", "Observed risk (Aalen–Johansen)"),
    ("expected", "Mean predicted risk"),
    ("auc", "Time-dependent AUC"),
    ("auc_difference", "AUC with case-note features minus without (paired)"),
    ("harrell_c", "Harrell's C"),
    ("uno_c", "Uno's C"),
    ("brier", "Brier score"),
    ("integrated_brier", "Integrated Brier score"),
    ("calibration_in_the_large", "Calibration in the large (observed − expected)"),
    ("observed_expected", "Observed / expected"),
    ("calibration_slope", "Calibration slope"),
    ("average_precision", "Average precision"),
)
#: The performance rows of rank metrics (shown with the decimals they were rounded to).
_RANK_LABELS: Final = frozenset(label for name, label in _HEADLINE if name in RANK_METRICS)


@dataclass(frozen=True)
class ModelCard:
    """A model card, renderable as Markdown or HTML.

    Attributes
    ----------
    model : str
        Model label (as in the metric tables).
    description : str
        What the model is.
    facts : dict
        Data facts (spells, escalations, period, validation, horizon). Whole-number facts
        are exact counts, for use inside the local authority; a card to share passes
        through :func:`escalation.disclosure.disclose_model_card` first.
    performance : pandas.DataFrame
        ``metric, estimate, conf_low, conf_high`` (readable metric names).
    subgroups : pandas.DataFrame
        ``attribute, group, metric, estimate, conf_low, conf_high``: the largest gaps.
    limits : tuple of str
        Limits a social worker must know.
    intended_use : str
        The intended use statement.
    decision_use : pandas.DataFrame
        ``measure, estimate, conf_low, conf_high``: what would happen if the score
        decided who is offered early help (the policy study; empty when not studied).
    decision_notes : tuple of str
        Sentences that go with :attr:`decision_use` (capacity, criteria, caveats).
    min_group : int
        Subgroups with fewer children or escalations were suppressed (as the limits say).
    rank_decimals : int or None
        The decimals its rank metrics (AUC, C-index, average precision) were rounded to,
        and are shown with (set by the disclosure gate); None: exact, shown to 3.
    disclosure : str or None
        How its counts were disclosed (set by the disclosure gate); None: exact counts.
    """

    model: str
    description: str
    facts: dict[str, Any]
    performance: pd.DataFrame
    subgroups: pd.DataFrame
    limits: tuple[str, ...] = field(default_factory=tuple)
    intended_use: str = INTENDED_USE
    decision_use: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["measure", "estimate", "conf_low", "conf_high"]
        )
    )
    decision_notes: tuple[str, ...] = ()
    min_group: int = 10
    rank_decimals: int | None = None

    def with_decision_use(self, table: pd.DataFrame, notes: Sequence[str] = ()) -> ModelCard:
        """Return a copy with the policy study's section (if offers followed the score).

        Parameters
        ----------
        table : pandas.DataFrame
            ``measure, estimate, conf_low, conf_high``.
        notes : sequence of str
            Sentences shown under the table.

        Examples
        --------
        >>> card = ModelCard("cox", "Cox model.", {}, pd.DataFrame(), pd.DataFrame())
        >>> table = pd.DataFrame({"measure": ["Escalations prevented per 1,000"],
        ...                       "estimate": [9.8], "conf_low": [1.2], "conf_high": [18.0]})
        >>> section = card.with_decision_use(table).to_markdown()
        >>> "If offers of early help followed the score" in section
        True
        """
        return dataclasses.replace(self, decision_use=table.copy(), decision_notes=tuple(notes))

    def decision_markdown(self) -> str:
        """Return the section "If offers of early help followed the score" (Markdown)."""
        if self.decision_use.empty and not self.decision_notes:
            return ""
        lines = ["## If offers of early help followed the score", ""]
        if not self.decision_use.empty:
            lines += _markdown_table(self.decision_use)
            lines.append("")
        lines += [f"- {note}" for note in self.decision_notes]
        return "\n".join(lines) + "\n"

    disclosure: str | None = None

    @property
    def counts_note(self) -> str:
        """What the card says about its counts: exact, or how they were disclosed."""
        if self.disclosure is not None:
            return self.disclosure
        return (
            "Counts on this card are exact, not under disclosure control: for use inside "
            "the local authority only."
        )

    def shown_performance(self) -> pd.DataFrame:
        """Return :attr:`performance` as text: rank metrics with :attr:`rank_decimals`.

        Examples
        --------
        >>> performance = pd.DataFrame({"metric": ["Time-dependent AUC", "Brier score"],
        ...     "estimate": [0.7, 0.1234], "conf_low": [0.62, 0.1], "conf_high": [0.78, 0.15]})
        >>> card = ModelCard("cox", "Cox model.", {}, performance, pd.DataFrame(),
        ...                  rank_decimals=2)
        >>> card.shown_performance()["estimate"].tolist()
        ['0.70', '0.123']
        """
        shown = self.performance.astype(object).copy()
        if shown.empty:
            return shown
        ranked = [str(label) in _RANK_LABELS for label in self.performance["metric"]]
        for column in ("estimate", "conf_low", "conf_high"):
            shown[column] = [
                _cell(value, rank, self.rank_decimals)
                for value, rank in zip(self.performance[column], ranked, strict=True)
            ]
        return shown

    def interval_note(self) -> str | None:
        """Say what empty interval cells of an estimate mean, or None when there are none.

        Examples
        --------
        >>> performance = pd.DataFrame({"metric": ["Brier score"], "estimate": [0.1],
        ...     "conf_low": [float("nan")], "conf_high": [float("nan")]})
        >>> print(ModelCard("cox", "Cox.", {}, performance, pd.DataFrame()).interval_note())
        ... # doctest: +NORMALIZE_WHITESPACE
        Empty conf_low and conf_high cells mean no interval: the design asked for no
        bootstrap replicates, or none was usable.
        """
        tables = [
            t for t in (self.performance, self.subgroups) if {"conf_low", "estimate"} <= set(t)
        ]
        missing = any(
            math.isfinite(float(e)) and not has_interval(float(lo), float(hi))
            for t in tables
            for e, lo, hi in zip(t["estimate"], t["conf_low"], t["conf_high"], strict=True)
        )
        return f"Empty conf_low and conf_high cells mean {NO_INTERVAL}." if missing else None

    def to_markdown(self) -> str:
        """Return the card as Markdown."""
        lines = [f"# Model card: {self.model}", "", self.description, ""]
        lines += ["## Intended use", "", self.intended_use, ""]
        lines += ["## Data", ""]
        lines += [f"- **{k}**: {_fact(v)}" for k, v in self.facts.items()]
        lines += ["", self.counts_note]
        lines += ["", "## Performance on the test data", ""]
        lines += _markdown_table(self.shown_performance())
        note = self.interval_note()
        if note is not None:
            lines += ["", note]
        lines += ["", "## Subgroup gaps", ""]
        if len(self.subgroups):
            lines += [
                "Error rates at the operating point by group, minus the overall rate "
                "(positive: the group is missed or over-flagged more often).",
                "",
            ]
            lines += _markdown_table(self.subgroups)
        else:
            lines.append("No subgroup had enough children and escalations to report.")
        decision = self.decision_markdown()
        if decision:
            lines += ["", decision.rstrip("\n")]
        lines += ["", "## Limits", ""]
        lines += [f"- {limit}" for limit in self.limits]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """Return the card as a standalone HTML fragment."""
        facts = "".join(
            f"<li><strong>{html.escape(str(k))}</strong>: {html.escape(_fact(v))}</li>"
            for k, v in self.facts.items()
        )
        limits = "".join(f"<li>{html.escape(limit)}</li>" for limit in self.limits)
        perf = self.shown_performance().to_html(index=False, border=0)
        sub = (
            self.subgroups.to_html(index=False, border=0, float_format=_fmt, na_rep="")
            if len(self.subgroups)
            else "<p>No subgroup had enough children and escalations to report.</p>"
        )
        decision = ""
        if not self.decision_use.empty or self.decision_notes:
            table = (
                self.decision_use.to_html(index=False, border=0, float_format=_fmt, na_rep="")
                if not self.decision_use.empty
                else ""
            )
            notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.decision_notes)
            decision = f"<h2>If offers of early help followed the score</h2>{table}<ul>{notes}</ul>"
        note = self.interval_note()
        interval = f"<p>{html.escape(note)}</p>" if note is not None else ""
        return (
            f"<h1>Model card: {html.escape(self.model)}</h1>"
            f"<p>{html.escape(self.description)}</p>"
            f"<h2>Intended use</h2><p>{html.escape(self.intended_use)}</p>"
            f"<h2>Data</h2><ul>{facts}</ul><p>{html.escape(self.counts_note)}</p>"
            f"<h2>Performance on the test data</h2>{perf}{interval}"
            f"<h2>Subgroup gaps</h2>{sub}"
            f"{decision}"
            f"<h2>Limits</h2><ul>{limits}</ul>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _fact(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _fmt(value: float) -> str:
    """Return a number with 3 decimals; a missing one (not estimated) as an empty cell.

    An infinite one is said in words (:func:`~escalation._interval_words.unbounded_words`),
    never "inf". The HTML tables pass ``na_rep=""`` with it: pandas writes a missing value
    as ``na_rep`` ("NaN" by default) before ``float_format`` sees it.
    """
    if isinstance(value, float) and math.isnan(value):
        return ""
    return unbounded_words(float(value)) or f"{value:.3f}"


def _cell(value: object, rank: bool, decimals: int | None) -> str:
    """Return a performance value as shown; a rank metric with ``decimals``."""
    if not isinstance(value, numbers.Real):
        return "" if value is None else str(value)
    return format_rank_metric(float(value), decimals) if rank else _fmt(float(value))


def _markdown_table(frame: pd.DataFrame) -> list[str]:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join(_fmt(v) if isinstance(v, float) else str(v) for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return [header, rule, *rows]


def model_card(
    model: str,
    metrics: pd.DataFrame,
    subgroup_metrics: pd.DataFrame,
    *,
    description: str,
    facts: dict[str, Any],
    oracle: str | None = "oracle",
    gaps: int = 6,
    min_group: int = 10,
    rank_decimals: int | None = None,
) -> ModelCard:
    """Build the card of ``model`` from the tidy metric tables of a validation.

    Parameters
    ----------
    model : str
        The model's label in the ``model`` column.
    metrics : pandas.DataFrame
        ``model, metric, estimate, conf_low, conf_high`` (e.g. ``RiskValidation.metrics``).
    subgroup_metrics : pandas.DataFrame
        The fairness table (``fnr_gap_*`` and ``fpr_gap_*`` rows are used). An optional
        boolean ``beside`` column marks the groups withheld only beside a small one
        (:func:`escalation.disclosure.withheld_beside`): the limits count them apart from
        the groups suppressed as too small.
    description : str
        What the model is.
    facts : dict
        Data facts shown under "Data".
    oracle : str, optional
        Label of the oracle (true risks) rows; when present its AUC is quoted as the best
        achievable.
    gaps : int
        How many of the largest subgroup gaps to list.
    min_group : int
        The suppression limit the subgroup metrics were made with (e.g.
        ``validate_risk_models(min_group=)``), stated in the limits.
    rank_decimals : int or None
        The decimals the rank metrics of ``metrics`` were rounded to
        (:func:`escalation.disclosure.rank_decimals`); None: exact.

    Returns
    -------
    ModelCard

    Examples
    --------
    >>> metrics = pd.DataFrame({"model": "cox", "metric": ["auc", "precision_top10"],
    ...                         "estimate": [0.71, 0.32], "conf_low": [0.66, 0.25],
    ...                         "conf_high": [0.75, 0.40]})
    >>> fair = pd.DataFrame(columns=["model", "metric", "attribute", "group", "n",
    ...                              "estimate", "conf_low", "conf_high", "suppressed"])
    >>> card = model_card("cox", metrics, fair, description="Cox model.", facts={"spells": 900})
    >>> print(card.to_markdown().splitlines()[0])
    # Model card: cox
    >>> card.limits[-1][:54]
    'Subgroup results with fewer than 10 children or 10 esc'
    """
    own = metrics[metrics["model"] == model]
    names = dict(_HEADLINE)
    rows = []
    for metric, estimate, low, high in own[
        ["metric", "estimate", "conf_low", "conf_high"]
    ].itertuples(index=False):
        if metric in ("n", "events"):
            continue  # counts are in the facts, under disclosure control
        label = names.get(str(metric), _operating_label(str(metric)))
        rows.append({"metric": label, "estimate": estimate, "conf_low": low, "conf_high": high})
    performance = pd.DataFrame(rows, columns=["metric", "estimate", "conf_low", "conf_high"])
    sub = subgroup_metrics[
        (subgroup_metrics["model"] == model)
        & subgroup_metrics["metric"].str.contains("_gap_", regex=False)
        & ~subgroup_metrics["suppressed"].astype(bool)
    ].copy()
    sub["size"] = sub["estimate"].abs()
    sub = sub.sort_values("size", ascending=False).head(gaps)
    subgroups = sub[["attribute", "group", "metric", "estimate", "conf_low", "conf_high"]]
    limits = [*_LIMITS, _SMALL_GROUPS.format(int(min_group))]
    left_out = _left_out_limit(own, subgroup_metrics[subgroup_metrics["model"] == model])
    if left_out:
        limits.append(left_out)
    withheld = _withheld_groups_limit(*_suppressed_groups(subgroup_metrics, model))
    if withheld:
        limits.append(withheld)
    if oracle is not None:
        best = metrics[(metrics["model"] == oracle) & (metrics["metric"] == "auc")]
        mine = own[own["metric"] == "auc"]
        if len(best) and len(mine):
            limits.append(
                f"On these simulated data the true risks reach an AUC of "
                f"{format_rank_metric(best['estimate'].iloc[0], rank_decimals)}; this model "
                f"reaches {format_rank_metric(mine['estimate'].iloc[0], rank_decimals)}."
            )
    return ModelCard(
        model=model,
        description=description,
        facts=dict(facts),
        performance=performance,
        subgroups=subgroups.reset_index(drop=True),
        limits=tuple(limits),
        min_group=int(min_group),
        rank_decimals=rank_decimals,
    )


def _left_out_limit(metrics: pd.DataFrame, groups: pd.DataFrame) -> str:
    """Return the limit naming the metrics whose intervals left bootstrap draws out, or "".

    From the tables' ``draws_left_out`` column
    (:func:`~escalation.predict.metrics.left_out_count`; tables without it say nothing):
    each metric of ``metrics`` with draws left out, with their number, and how many
    subgroup intervals of ``groups`` (rows shown, not suppressed) left draws out, with
    the most any did.

    Examples
    --------
    >>> metrics = pd.DataFrame({"metric": ["auc", "precision_top10"],
    ...                         "draws_left_out": pd.array([0, 7], dtype="Int64")})
    >>> print(_left_out_limit(metrics, pd.DataFrame()))
    Bootstrap draws on which a metric could not be estimated (every spell drawn ended before the horizon, no escalation drawn, or nobody flagged) are left out of its interval, and an interval missing more than 5% of the draws is left empty: Precision, top 10% flagged 7.
    """  # noqa: E501
    parts = []
    if "draws_left_out" in metrics.columns:
        shown = metrics[pd.to_numeric(metrics["draws_left_out"], errors="coerce").fillna(0) > 0]
        parts += [
            f"{dict(_HEADLINE).get(str(m), _operating_label(str(m)))} {int(k)}"
            for m, k in zip(shown["metric"], shown["draws_left_out"], strict=True)
        ]
    if "draws_left_out" in groups.columns and len(groups):
        counts = pd.to_numeric(groups["draws_left_out"], errors="coerce").fillna(0)
        counts = counts[~groups["suppressed"].astype(bool)] if "suppressed" in groups else counts
        if (counts > 0).any():
            parts.append(
                f"{int((counts > 0).sum())} subgroup interval(s), at most "
                f"{int(counts.max())} draws each"
            )
    if not parts:
        return ""
    return (
        "Bootstrap draws on which a metric could not be estimated (every spell drawn ended "
        "before the horizon, no escalation drawn, or nobody flagged) are left out of its "
        f"interval, and an interval missing more than {MAX_LEFT_OUT:.0%} of the draws is "
        f"left empty: {'; '.join(parts)}."
    )


def _suppressed_groups(subgroup_metrics: pd.DataFrame, model: str) -> tuple[int, int, int, int]:
    """Return how many (attribute, group) pairs of ``model`` were withheld, by why.

    Not rows: one small group has a suppressed row per metric (17 with one share flagged).
    Four counts: the groups suppressed as too small (their ``n`` withheld, or every
    result suppressed); those
    withheld only as the complement of a small one (rows marked ``beside``, an optional
    boolean column: :func:`escalation.disclosure.withheld_beside`); those whose size is
    shown but some of whose results were withheld (e.g. the rates at an operating point
    of a large group with few flagged); and those whose size is shown but some of whose
    results were withheld beside such a group (rows marked ``beside``). A table without
    an ``n`` column counts every group with a suppressed row as small.
    """
    own = subgroup_metrics[subgroup_metrics["model"] == model]
    beside = (
        own["beside"].fillna(False).astype(bool)
        if "beside" in own.columns
        else pd.Series(False, index=own.index)
    )
    hidden = own["suppressed"].astype(bool)
    sized = (
        pd.to_numeric(own["n"], errors="coerce").notna()
        if "n" in own.columns
        else pd.Series(False, index=own.index)
    )
    pairs = list(zip(own["attribute"], own["group"], strict=True))
    # A group with every result suppressed is small though its exact n is kept (the
    # table as computed, :func:`~escalation.predict.fairness.subgroup_metrics`).
    whole = hidden.groupby([own["attribute"], own["group"]]).transform("all").astype(bool)

    def groups(rows: pd.Series) -> set[tuple[object, object]]:
        return {pair for pair, row in zip(pairs, rows, strict=True) if row}

    small = groups(hidden & ~beside & (~sized | whole))
    other = groups(hidden & beside & ~sized) - small
    partly = groups(hidden & ~beside & sized) - small - other
    partly_beside = groups(hidden & beside & sized) - small - other - partly
    return len(small), len(other), len(partly), len(partly_beside)


def _withheld_groups_limit(small: int, beside: int, partly: int = 0, partly_beside: int = 0) -> str:
    """Return the limit counting the subgroups withheld: small, beside small ones, in part.

    ``partly_beside`` counts the groups some of whose results (the rates at an operating
    point) were withheld beside those of the ``partly`` ones, as ``beside`` counts those
    withheld beside the ``small`` ones.

    Examples
    --------
    >>> _withheld_groups_limit(1, 1)  # doctest: +NORMALIZE_WHITESPACE
    'Results of 1 subgroup were suppressed as too small; 1 more was withheld beside it,
    so that their counts cannot be worked out by subtraction.'
    >>> _withheld_groups_limit(0, 0, 2)  # doctest: +NORMALIZE_WHITESPACE
    'Some results of 2 subgroups were withheld because they rest on too few children
    (for example, rates among few children flagged).'
    >>> _withheld_groups_limit(0, 0, 1, 1)  # doctest: +NORMALIZE_WHITESPACE
    'Some results of 1 subgroup were withheld because they rest on too few children
    (for example, rates among few children flagged); the same results of 1 more were
    withheld beside it, so that their counts cannot be worked out by subtraction.'
    >>> _withheld_groups_limit(0, 0)
    ''
    """
    text = (
        f"Results of {small} subgroup{'s' if small != 1 else ''} were suppressed as too small"
        if small
        else ""
    )
    if beside and small:
        text += (
            f"; {beside} more {'were' if beside != 1 else 'was'} withheld beside "
            f"{'them' if small != 1 else 'it'}, so that their counts cannot be worked out by "
            "subtraction."
        )
    elif beside:
        text = (
            f"Results of {beside} subgroup{'s were' if beside != 1 else ' was'} withheld so "
            "that the counts of smaller groups cannot be worked out by subtraction."
        )
    elif text:
        text += "."
    if partly:
        text += (
            f"{' ' if text else ''}Some results of {partly} "
            f"{'other ' if text else ''}subgroup{'s' if partly != 1 else ''} were withheld "
            "because they rest on too few children (for example, rates among few children "
            "flagged)"
        )
        text += _beside_partly(partly, partly_beside)
    elif partly_beside:
        text += (
            f"{' ' if text else ''}Some results of {partly_beside} "
            f"{'other ' if text else ''}subgroup{'s' if partly_beside != 1 else ''} were "
            "withheld so that the counts of other groups cannot be worked out by subtraction."
        )
    return text


def _beside_partly(partly: int, partly_beside: int) -> str:
    """Return the end of the sentence on groups withheld in part: those beside them."""
    if not partly_beside:
        return "."
    return (
        f"; the same results of {partly_beside} more were withheld beside "
        f"{'them' if partly != 1 else 'it'}, so that their counts cannot be worked out by "
        "subtraction."
    )


def _operating_label(metric: str) -> str:
    for key, label in (
        ("precision_top", "Precision, top {}% flagged"),
        ("recall_top", "Recall, top {}% flagged"),
        ("fnr_top", "False-negative rate, top {}% flagged"),
        ("fpr_top", "False-positive rate, top {}% flagged"),
    ):
        if metric.startswith(key):
            return label.format(metric[len(key) :])
    return metric.replace("_", " ")
