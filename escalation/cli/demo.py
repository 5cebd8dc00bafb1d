"""``escalation demo --out DIR``: the main job on the built-in synthetic local authority.

With ``--authorities K`` it runs the federated path instead: K simulated authorities each
write a share pack, and the hub pools them into one brief (see ``docs/federated.md``).

Simulates a local authority with known ground truth, writes its case histories, reads them
back through the strict validator, then runs the whole study on them (spells, survival
models, the effect of early help, a risk tool's validation, every figure and the policy
brief) and records how each output was made.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._output import add_output_arguments, output_folder
from escalation.cli._progress import add_quiet_option, shows_progress

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help=SUMMARIES["demo"],
        description=(
            "Simulate a local authority with known ground truth, write and validate its "
            "case histories, run the whole study on them and write results, figures, the "
            "policy brief and manifest.json to DIR. A stage that fails stops the demo (exit "
            "status 3, DIR unchanged) unless --keep-going."
        ),
    )
    add_output_arguments(parser)
    parser.add_argument("--children", type=int, default=20_000, help="children (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--bootstrap", type=int, default=50, help="bootstrap replicates (default 50)"
    )
    parser.add_argument(
        "--authorities",
        type=int,
        metavar="K",
        help="run the federated path instead: K simulated authorities (about --children / K "
        "children each) each write a share pack, and the hub pools them",
    )
    parser.add_argument(
        "--workers",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="with --authorities: authorities analysed at once in local processes (default 2)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --authorities: analyse the authorities on the Dask cluster at ADDRESS "
        "(the output folder must be on storage its workers see)",
    )
    add_quiet_option(parser)
    from escalation.cli.run import add_keep_going

    add_keep_going(parser)
    parser.set_defaults(func=run)


def _pooled_input_hash(manifest: Path) -> str | None:
    """Return the hash over the packs that the hub's ``manifest.json`` records."""
    value = json.loads(manifest.read_text(encoding="utf-8")).get("input_hash")
    return None if value is None else str(value)


def run(args: argparse.Namespace) -> int:
    """Run the demo; return 0 on success (a failed stage raises, unless --keep-going)."""
    from escalation.cli.run import report_outputs, run_demo

    if args.authorities is not None:  # 0 or 1 was refused (check_arguments)
        from escalation.compute import use_compute
        from escalation.federated.demo import REGISTERED_DESIGN, run_federated_demo

        with output_folder(args) as folder, use_compute(scheduler=args.scheduler):
            demo = run_federated_demo(
                folder.staging,
                authorities=args.authorities,
                children=max(args.children // args.authorities, 500),
                seed=args.seed,
                bootstrap=args.bootstrap,
                progress=shows_progress(args),
                jobs=None if args.scheduler else (2 if args.workers is None else args.workers),
                command=folder.command,
            )
            folder.commit(
                command=folder.command,
                # the design every authority ran, and the pooled packs' hash (the hub's)
                design=folder.staging / REGISTERED_DESIGN,
                input_hash=_pooled_input_hash(demo.outputs.manifest),
                seeds={"simulation": args.seed},
                extra={
                    "disclosure": "simulated authorities: not real children",
                    "simulation": demo.simulation,
                },
            )
        print(f"The pooled brief is {folder.final(demo.outputs.brief)}")
        return 0

    outputs = run_demo(
        args.out,
        children=args.children,
        seed=args.seed,
        bootstrap=args.bootstrap,
        progress=shows_progress(args),
        keep_going=args.keep_going,
        overwrite=args.overwrite,
        command=str(getattr(args, "command_line", "escalation demo")),
    )
    return report_outputs(outputs)
