"""The same case history in another row order is the same history, with the same hash.

"Everything downstream (timelines, models, causal estimates, figures) reads only these
[tables]": rows in another order in the files are the same data. The validated tables keep
the files' order, and ``history.digest()``, a study manifest's ``input_hash``, used to
hash that order too, so the same data gave another ``input_hash``.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from escalation import CaseHistory, read_case_history, write_case_history
from escalation.data.simulator import simulate_local_authority
from escalation.design import default_design
from escalation.timeline import build_spells


@cache
def _history() -> CaseHistory:
    return simulate_local_authority(300, seed=4).history


def _shuffled_copy(tmp_path, seed: int) -> CaseHistory:
    """Write the history as CSV, shuffle every table's rows in the files, read it back."""
    folder = write_case_history(_history(), tmp_path / f"order{seed}", format="csv")
    for table in ("children", "episodes", "notes"):
        file = folder / f"{table}.csv"
        rows = pd.read_csv(file, dtype=str, keep_default_na=False)
        rows.sample(frac=1, random_state=seed).to_csv(file, index=False)
    return read_case_history(folder)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_rows_in_another_order_give_the_same_tables_and_the_same_digest(tmp_path):
    as_written, shuffled = _shuffled_copy(tmp_path, 0), _shuffled_copy(tmp_path, 1)
    assert not as_written.episodes.equals(shuffled.episodes)  # the order did change
    for table in ("children", "episodes", "notes"):
        one, other = getattr(as_written, table), getattr(shuffled, table)
        pd.testing.assert_frame_equal(_sorted(one), _sorted(other))
    assert as_written.digest() == shuffled.digest()


def test_rows_in_another_order_give_the_same_spells(tmp_path):
    design = default_design()
    spells = [build_spells(_shuffled_copy(tmp_path, s), design).spells for s in (0, 1)]
    key = ["child_id", "time_zero"]
    one, other = (s.sort_values(key).drop(columns="spell_id") for s in spells)
    one, other = one.reset_index(drop=True), other.reset_index(drop=True)
    pd.testing.assert_frame_equal(one, other)


def test_the_digest_still_changes_with_a_value_or_a_repeated_row():
    history = _history()
    later = history.episodes.assign(start=history.episodes["start"] + pd.Timedelta(days=1))
    doubled = pd.concat([history.notes, history.notes.iloc[:1]], ignore_index=True)
    digests = {
        history.digest(),
        history.with_tables(episodes=later).digest(),
        history.with_tables(notes=doubled).digest(),
        history.with_tables(episodes=history.episodes[::-1].reset_index(drop=True)).digest(),
    }
    assert len(digests) == 3  # the reversed episodes are the history itself


# Two plans of one child alike in dates but not in category, and two deaths on one day
# alike but for an extra column: lenient reading keeps one of each, and which one must not
# depend on which comes first in the file.
_TIED = [
    "A1,cp_plan,2023-01-01,2023-06-01,NEG,r1",
    "A1,cp_plan,2023-01-01,2023-06-01,EMO,r2",
    "A1,death,2023-08-01,,,r3",
    "A1,death,2023-08-01,,,r4",
    "A1,referral,2022-12-01,2023-01-15,,r5",
]


def _read_rows(folder, rows: list[str]) -> CaseHistory:
    folder.mkdir()
    (folder / "children.csv").write_text("child_id,birth_date\nA1,2015-01-02\n")
    header = "child_id,kind,start,end,category,record"
    (folder / "episodes.csv").write_text("\n".join([header, *rows]) + "\n")
    return read_case_history(folder, extract_date="2024-03-31", lenient=True)


def test_which_of_two_tied_episodes_lenient_reading_keeps_does_not_depend_on_row_order(
    tmp_path,
):
    orders = [_TIED, _TIED[::-1], [_TIED[i] for i in (1, 3, 4, 0, 2)]]
    kept = [_read_rows(tmp_path / f"o{i}", rows) for i, rows in enumerate(orders)]
    first = _sorted(kept[0].episodes)
    assert len(first) == 3  # one plan, one death, the referral
    for other in kept[1:]:
        pd.testing.assert_frame_equal(_sorted(other.episodes), first)
        assert len(other.exclusions) == 2  # the other plan and the other death, reported
    assert {p.reason for p in kept[1].exclusions.problems} == {
        "a second death recorded for the child",
        "overlaps an earlier episode of the same kind for this child",
    }
