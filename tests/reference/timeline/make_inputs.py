"""Write the inputs of the tmerge reference (run from the repository root).

    python tests/reference/timeline/make_inputs.py
    Rscript tests/reference/timeline/timeline.R

Makes a small seeded synthetic history (the test generator of tests/timeline), keeps the
rows that meet the data contract, writes it to ``history/`` (CSV), builds the spells with
``design.toml`` and writes ``spells.csv``. The R script then rebuilds the counting-process
data from ``spells.csv`` and the raw early-help episodes with ``survival::tmerge``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from escalation.data.io import write_case_history  # noqa: E402
from escalation.data.validate import validate_case_history  # noqa: E402
from escalation.design import read_design  # noqa: E402
from escalation.timeline import build_spells  # noqa: E402
from tests.timeline.timeline_support import synthetic_history  # noqa: E402


def main() -> None:
    history = validate_case_history(synthetic_history(400, seed=11), lenient=True)
    history = history.with_tables(
        episodes=history.episodes.drop(columns=["category", "legal_status"]),
        notes=history.notes.iloc[0:0],
    )
    write_case_history(history, HERE / "history", format="csv")
    data = build_spells(history, read_design(HERE / "design.toml"))
    columns = ["spell_id", "child_id", "time_zero", "duration", "event"]
    data.spells[columns].to_csv(HERE / "spells.csv", index=False, date_format="%Y-%m-%d")
    print(f"{len(data.spells)} spells, {len(data.counting)} counting rows")


if __name__ == "__main__":
    main()
