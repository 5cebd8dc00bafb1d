"""``escalation policy design.toml --out DIR``: would a score help decide who gets early help."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalation._interval_words import ci_words
from escalation.cli import SUMMARIES
from escalation.cli._output import (
    add_output_arguments,
    design_hash_in,
    note_design_replaced,
    output_folder,
)
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.cli._study import add_study_arguments, load_spells, study_inputs, write_design_copy
from escalation.design.registration import check_registration, registration_path
from escalation.disclosure import DisclosureRules
from escalation.figures import save_figure
from escalation.figures.policy import plot_policy_values
from escalation.policy.study import evaluate_policies, rule_label
from escalation.predict.modelcard import ModelCard

if TYPE_CHECKING:
    from escalation.policy.study import PolicyStudy

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``policy`` sub-command."""
    parser = subparsers.add_parser(
        "policy",
        help=SUMMARIES["policy"],
        description=(
            "Read the study design ([policy] and [criteria]) and its case-history data, "
            "learn the rules by cross-fitting over families, and write policy_values.csv, "
            "policy_groups.csv, policy_disparities.csv, policy_contrasts.csv, "
            "policy_criteria.csv, the figure policy_values.png|pdf|svg and the model-card "
            "sections model_cards/<rule>_policy.md to DIR."
        ),
    )
    add_study_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument(
        "--registration",
        metavar="FILE",
        help="registration file (default: <design>.registration.json beside the design)",
    )
    parser.add_argument("--seed", type=int, help="seed (default: the design's)")
    parser.add_argument(
        "--trees",
        type=int,
        default=100,
        help="causal forest trees of the benefit rule (default 100)",
    )
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate the rules and write the files; return 0 on success."""
    registration_file = args.registration or registration_path(Path(args.design))
    inputs = [*study_inputs(args), registration_file]
    with output_folder(args, ["design.toml"], inputs) as folder:
        before = design_hash_in(folder.path)
        loaded = load_spells(args)
        design, history, data, log = loaded.design, loaded.history, loaded.data, loaded.log
        registration = check_registration(design, registration_file)
        with log.watch("policy"):
            study = evaluate_policies(
                data,
                design,
                registration=registration,
                seed=args.seed,
                forest_trees=args.trees,
                progress=shows_progress(args),
            )
        rules = DisclosureRules.from_design(design)
        _write(folder.staging, study, rules)
        write_design_copy(design, args.design, folder)
        folder.commit(
            command=folder.command,
            design=design,
            design_file=args.design,
            input_hash=history.digest(),
            seeds={"policy": study.settings.get("seed")},
            extra={
                "policy": study.provenance(),
                "registration": registration.to_dict(),
                "disclosure": rules.to_dict(),
                "caveats": [c.disclosed(rules).to_dict() for c in log.caveats],
            },
        )
    note_design_replaced("escalation policy", folder.path, before)
    figure = study.figure_data()
    for row in figure.itertuples(index=False):
        print(_console_line(row))
    for row in study.criteria.itertuples(index=False):
        print(f"Criterion {row.criterion:<24} {row.verdict}")
    print(registration.describe())
    print(f"Wrote policy_values.csv, figures and model-card sections to {folder.path}")
    return 0


def _console_line(row: Any) -> str:
    """Return a rule's line of the console summary (a row of ``PolicyStudy.figure_data()``).

    Offers withheld for disclosure (missing) are said so, not printed as "nan"; so is an
    interval not estimated (:func:`~escalation._interval_words.ci_words`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> row = SimpleNamespace(label="Learned tree", flagged_per_1000=float("nan"),
    ...                       prevented_per_1000=4.0, conf_low=1.0, conf_high=7.0)
    >>> _console_line(row)
    'Learned tree                     flags too few to show; prevents   4.0 (95% CI 1.0 to 7.0)'
    >>> print(_console_line(SimpleNamespace(label="No one", flagged_per_1000=0.0,
    ...     prevented_per_1000=0.0, conf_low=float("nan"), conf_high=float("nan"))))
    ... # doctest: +NORMALIZE_WHITESPACE
    No one flags 0 per 1,000; prevents 0.0 (no interval: the design asked for no bootstrap
    replicates, or none was usable)
    """
    flags = (
        f"flags {row.flagged_per_1000:5.0f} per 1,000"
        if math.isfinite(row.flagged_per_1000)
        else "flags too few to show"
    )
    return (
        f"{row.label:<32} {flags}; prevents "
        f"{row.prevented_per_1000:5.1f} "
        f"({ci_words(row.conf_low, row.conf_high, lambda lo, hi: f'{lo:.1f} to {hi:.1f}')})"
    )


def _write(out: Path, study: PolicyStudy, rules: DisclosureRules) -> None:
    """Write the tables, the figure and the model-card sections into ``out``.

    The tables hold rates, shares and per-1,000 values with intervals; the only counts,
    the groups' ``n``, passed the design's disclosure rules when the study was run.
    """
    study.tidy().to_csv(out / "policy_values.csv", index=False)
    study.groups.to_csv(out / "policy_groups.csv", index=False)
    study.disparities.to_csv(out / "policy_disparities.csv", index=False)
    study.contrasts.to_csv(out / "policy_contrasts.csv", index=False)
    study.criteria.to_csv(out / "policy_criteria.csv", index=False)
    figure = study.figure_data()
    figure.to_csv(out / "policy_figure.csv", index=False)
    save_figure(
        # As in a study run: the y axis names the horizon ("within 365 days").
        plot_policy_values(figure, capacity_per_1000=1000 * study.capacity, horizon=study.horizon),
        out / "policy_values",
    )
    cards = out / "model_cards"
    cards.mkdir(parents=True, exist_ok=True)
    for rule in study.values.rules:
        if not rule.startswith("risk_"):
            continue
        table, notes = study.decision_use(rule)
        card = ModelCard(rule, rule_label(rule), {}, table.iloc[:0], table.iloc[:0])
        section = card.with_decision_use(table, notes).decision_markdown()
        (cards / f"{rule}_policy.md").write_text(
            f"<!-- model-card section: {rule_label(rule)} -->\n{section}\n{rules.statement()}\n",
            encoding="utf-8",
        )
