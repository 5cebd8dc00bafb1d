"""``escalation demo --out DIR``: the main job on the built-in synthetic local authority.

Simulates a local authority with known ground truth, writes its case histories, reads
them back through the strict validator, and records how the output was made.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from escalation.data.io import read_case_history, write_case_history
from escalation.results import data_hash, provenance

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="run the full analysis on the built-in synthetic local authority",
        description=(
            "Simulate a local authority with known ground truth, write and validate its "
            "case histories, and record provenance in DIR."
        ),
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--children", type=int, default=20_000, help="children (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo pipeline and return 0 on success."""
    from escalation.data.simulator import simulate_local_authority

    console = Console(stderr=True)
    out = Path(args.out)
    data_dir = out / "data"
    with console.status("Simulating a local authority..."):
        simulated = simulate_local_authority(args.children, seed=args.seed)
    console.log(f"Simulated {simulated.history!r}")
    with console.status("Writing and re-reading the case histories (strict validation)..."):
        write_case_history(simulated.history, data_dir)
        (out / "truth.json").write_text(simulated.truth.to_json(), encoding="utf-8")
        history = read_case_history(data_dir)
    console.log("Validated: every row meets the case-history contract.")
    counts = history.counts()
    console.log("Episodes by kind:\n" + counts.to_string(index=False))
    manifest = provenance(
        command="escalation demo",
        children=args.children,
        seed=args.seed,
        input_hash=data_hash(history.children, history.episodes, history.notes),
        outputs=sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()),
    )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    console.log(f"Done: outputs and manifest.json in {out}")
    return 0
