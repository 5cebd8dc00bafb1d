"""``escalation register design.toml``: record the design's hash and time before any outcome."""

from __future__ import annotations

import argparse
from typing import Any

from escalation.cli import SUMMARIES
from escalation.design.registration import read_registration, register_design

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``register`` sub-command."""
    parser = subparsers.add_parser(
        "register",
        help=SUMMARIES["register"],
        description=(
            "Validate the design and write DESIGN's registration beside it "
            "(<name>.registration.json): the SHA-256 of its values and of the file, the "
            "time in UTC and the registered values. Later runs report each criterion "
            "with whether the design was registered and flag any change made since. A "
            "registration is never overwritten."
        ),
    )
    parser.add_argument("design", metavar="DESIGN", help="the study design TOML file")
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="registration file, or a folder to hold it (default: beside the design)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Register the design; return 0 on success."""
    path = register_design(args.design, out=args.out)
    record = read_registration(path)
    print(f"Registered     {args.design} at {record.registered_at}")
    print(f"Design SHA-256 {record.design_sha256}")
    print(f"Wrote {path}")
    return 0
