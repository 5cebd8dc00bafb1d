"""The overlap rule against a plain per-child reference, on random histories.

The histories start in 2020 or straddle 1 January 1970 (days since 1970 of both signs:
the sort keys of the rule are counted from their minimum, :func:`escalation._sort_keys.pack_keys`).
"""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import CaseHistory, validate_case_history

REASON = "overlaps an earlier episode of the same kind for this child"
EPISODE = st.tuples(
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["early_help", "cp_plan", "cin_plan", "s47"]),
    st.integers(0, 40),
    st.one_of(st.none(), st.integers(0, 15)),
)


def reference(rows: list[tuple[str, str, int, int | None]], extract: int) -> set[int]:
    """Row r overlaps when it starts before an earlier interval of its child and kind ends."""
    flagged = set()
    for child in {r[0] for r in rows}:
        for kind in ("early_help", "cp_plan", "cin_plan"):
            mine = [
                (start, extract if length is None else start + length, i)
                for i, (c, k, start, length) in enumerate(rows)
                if c == child and k == kind
            ]
            latest_end = None
            for start, end, i in sorted(mine):
                if latest_end is not None and start < latest_end:
                    flagged.add(i)
                latest_end = end if latest_end is None else max(latest_end, end)
    return flagged


@settings(max_examples=150, deadline=None)
@given(
    st.lists(EPISODE, min_size=1, max_size=12),
    st.sampled_from([pd.Timestamp("2020-01-01"), pd.Timestamp("1969-12-15")]),
)
def test_overlaps_match_the_reference(
    rows: list[tuple[str, str, int, int | None]], day0: pd.Timestamp
) -> None:
    extract = day0 + pd.Timedelta(days=90)
    point = {"s47"}
    episodes = pd.DataFrame(
        {
            "child_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "start": [(day0 + pd.Timedelta(days=r[2])).date().isoformat() for r in rows],
            "end": [
                ""
                if r[3] is None or r[1] in point
                else (day0 + pd.Timedelta(days=r[2] + r[3])).date().isoformat()
                for r in rows
            ],
        }
    )
    children = pd.DataFrame(
        {
            "child_id": ["a", "b", "c"],
            "birth_date": (day0 - pd.Timedelta(days=3650)).date().isoformat(),
        }
    )
    history = validate_case_history(
        CaseHistory(children, episodes, extract_date=extract), lenient=True
    )
    found = {p.row for p in history.exclusions.problems if p.reason == REASON}
    intervals = [(c, k, s, None if k in point else n) for c, k, s, n in rows]
    assert found == reference(intervals, (extract - day0).days)
