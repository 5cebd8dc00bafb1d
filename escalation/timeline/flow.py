"""Why a design gives no spell on a case history: read from the exclusion flow.

:func:`build_spells` records every exclusion rule in its flow; when nothing remains,
:func:`no_spell_reason` names the rules that removed the candidates, in plain words and
with the design key that sets each, so ``init``, ``build`` and ``run`` can say why.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from escalation.errors import DesignError

__all__ = [
    "BY_CONSTRUCTION",
    "RULE_KEYS",
    "by_construction",
    "counts_that_apply",
    "no_spell_reason",
    "require_spells",
]

#: The design key that sets each exclusion rule of the flow (what to change).
RULE_KEYS: Final = {
    "not_time_zero_kind": "[time_zero] kind",
    "open": "[time_zero] at",
    "reason": "[time_zero] reasons",
    "before_window": "[time_zero] from",
    "after_window": "[time_zero] to",
    "age": "[time_zero] min_age/max_age",
    "no_follow_up": "[data] extract_date",
    "competing_before": "[outcome] competing",
    "censored_before": "[outcome] censor",
    "already_escalated": "[outcome] events",
    "prevalent_treatment": "[treatment] kind",
}


#: The counts of the flow that no data can make other than zero, by what their rule is:
#: the spell rule keeps the first (or last) spell of every child, so it leaves episodes
#: out but never a child. Such a count is not a count below the disclosure threshold (as
#: a rule that could leave children out but left none is): shared outputs show it as not
#: applying (:func:`counts_that_apply`).
BY_CONSTRUCTION: Final = {"spell_rule": ("children",)}
#: The count columns of the flow.
_COUNTS: Final = ("children", "episodes")


def by_construction(flow: pd.DataFrame, column: str) -> pd.Series:
    """Return which rows of the flow have a ``column`` count of zero by construction.

    None without the flow's ``rule`` column.

    Examples
    --------
    >>> flow = pd.DataFrame({"rule": ["age", "spell_rule"], "children": [0, 0]})
    >>> by_construction(flow, "children").tolist(), by_construction(flow, "episodes").tolist()
    ([False, True], [False, False])
    """
    if "rule" not in flow:  # a flow without its rules: none is known
        return pd.Series(False, index=flow.index)
    rules = [rule for rule, columns in BY_CONSTRUCTION.items() if column in columns]
    return flow["rule"].isin(rules)


def counts_that_apply(flow: pd.DataFrame) -> pd.DataFrame:
    """Return the flow with each count that is zero by construction missing (``pd.NA``).

    Disclosure control then neither suppresses it (it is no count of children that
    could be small) nor withholds another count to protect it, and
    :func:`~escalation.disclosure.count_labels` shows it as not applying ("—"). A
    ``not_applicable`` column names the counts of each row that do not apply.

    Examples
    --------
    >>> flow = pd.DataFrame({"rule": ["age", "spell_rule"], "children": [0, 0],
    ...                      "episodes": [0, 45]})
    >>> applying = counts_that_apply(flow)
    >>> applying["children"].tolist(), applying["not_applicable"].tolist()
    ([0, <NA>], ['', 'children'])
    """
    out = flow.copy()
    marks = {column: by_construction(out, column) for column in _COUNTS}
    for column, mark in marks.items():
        out[column] = out[column].astype("Int64").mask(mark)
    out["not_applicable"] = [
        ", ".join(column for column, mark in marks.items() if mark.iloc[row])
        for row in range(len(out))
    ]
    return out


def _count(flow: pd.DataFrame, rule: str, column: str = "episodes") -> int:
    rows = flow.loc[flow["rule"] == rule, column]
    return int(rows.sum()) if len(rows) else 0


def _plain(rule: str, description: str, kind: str) -> str:
    """Return the sentence saying that one rule removed every candidate."""
    if rule == "open":
        return (
            f"no {kind} in these data has an end date (each is still open at the extract "
            f'date): time zero at the end of a {kind} gives no spell (at = "start" starts '
            f"follow-up when the {kind} starts)"
        )
    if rule == "reason":
        return f"no {kind} in these data ended with the closure reasons the design keeps"
    if rule in ("before_window", "after_window"):
        return f"every candidate time zero lies outside the window: {description}"
    return f"every candidate was excluded: {description}"


def no_spell_reason(flow: pd.DataFrame, *, counts: bool = True) -> str | None:
    """Return why the exclusion flow ends with no spell, or None when it has spells.

    Parameters
    ----------
    flow : pandas.DataFrame
        The exclusion flow of :func:`escalation.timeline.build_spells` (``rule``,
        ``description``, ``children`` and ``episodes`` columns).
    counts : bool, default True
        Give each rule's count of episodes. Without (for a file that may be shared, such
        as a design file: the counts are record-level and not disclosed), the rules only.

    Returns
    -------
    str or None
        One sentence for people: the rules that removed the candidate time-zero
        episodes, each with its count and design key; None when spells remain.

    Examples
    --------
    >>> import pandas as pd
    >>> flow = pd.DataFrame({
    ...     "rule": ["history", "candidates", "open", "spells"],
    ...     "description": ["", "candidate time-zero episodes (referral, at its end)",
    ...                     "referral still open at the extract date", "spells analysed"],
    ...     "children": [5, 3, 3, 0], "episodes": [9, 4, 4, 0]})
    >>> print(no_spell_reason(flow))
    no referral in these data has an end date (each is still open at the extract date): time zero at the end of a referral gives no spell (at = "start" starts follow-up when the referral starts). Exclusion flow: 4 candidate time-zero episodes (referral, at its end); excluded: 4 referral still open at the extract date ([time_zero] at)
    """  # noqa: E501
    if _count(flow, "spells") > 0:
        return None
    if _count(flow, "history", "children") == 0:
        return "the case history has no children"
    candidates = _count(flow, "candidates")
    described = flow.loc[flow["rule"] == "candidates", "description"]
    what = str(described.iloc[0]) if len(described) else "candidate time-zero episodes"
    kind = what.split("(", 1)[-1].split(",", 1)[0] if "(" in what else "time-zero"
    if candidates == 0:
        return (
            f"no {kind} episode in these data: {RULE_KEYS['not_time_zero_kind']} names an "
            "episode kind the data do not have"
        )
    after = list(flow["rule"]).index("candidates") + 1
    steps = flow.iloc[after:]
    hits = steps[(steps["episodes"] > 0) & (steps["rule"] != "spells")]
    listed = "; ".join(
        (f"{int(episodes):,} " if counts else "")
        + str(description)
        + (f" ({RULE_KEYS[str(rule)]})" if str(rule) in RULE_KEYS else "")
        for rule, description, episodes in zip(
            hits["rule"], hits["description"], hits["episodes"], strict=True
        )
    )
    flow_text = (
        f"Exclusion flow: {candidates:,} {what}; excluded: {listed}"
        if counts
        else f"Excluded by: {listed}"
    )
    if len(hits) == 1:
        row = hits.iloc[0]
        return f"{_plain(str(row['rule']), str(row['description']), kind)}. {flow_text}"
    return f"every candidate time-zero episode was excluded. {flow_text}"


def require_spells(flow: pd.DataFrame) -> None:
    """Raise :class:`DesignError` saying why when the exclusion flow ends with no spell.

    Every analysis needs spells; a study with none stops here, before any analysis,
    with the rules that removed the candidates (see :func:`no_spell_reason`).

    Raises
    ------
    DesignError
        When no spell remains.
    """
    reason = no_spell_reason(flow)
    if reason is not None:
        raise DesignError(
            f"the design gives no spell on these data, so there is nothing to analyse: "
            f"{reason}. Change the design keys named above (or check the data)"
        )
