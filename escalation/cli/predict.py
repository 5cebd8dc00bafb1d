"""``escalation predict design.toml --out DIR``: validate risk models; write tables and cards."""

from __future__ import annotations

import argparse
import functools
import re
from pathlib import Path
from typing import Any

import pandas as pd

from escalation._interval_words import ci_words
from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._output import (
    add_output_arguments,
    design_hash_in,
    note_design_replaced,
    output_folder,
)
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.cli._study import add_study_arguments, load_spells, study_inputs, write_design_copy
from escalation.disclosure import (
    DisclosureRules,
    disclose_decision_curve,
    disclose_metric_counts,
    disclose_model,
    disclose_model_card,
    format_count,
    format_rank_metric,
    model_rank_decimals,
)
from escalation.errors import DesignError
from escalation.predict.models import MODEL_KINDS
from escalation.predict.validate import check_censor_training, validate_risk_models

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``predict`` sub-command."""
    parser = subparsers.add_parser(
        "predict",
        help=SUMMARIES["predict"],
        description=(
            "Build the spells of the design, fit risk models of escalation by the horizon, "
            "validate them (temporal or family-grouped cross-validation) and write "
            "metrics.csv, subgroup_metrics.csv, calibration.csv, decision_curve.csv and "
            "model_cards/*.md (and .html) to DIR, under the design's disclosure control."
        ),
    )
    add_study_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--horizon", type=int, help="days (default: the design's first horizon)")
    parser.add_argument(
        "--models",
        help=f"comma-separated, from {', '.join(MODEL_KINDS)} (default: the design's "
        "[prediction] models, else cox,gradient_boosting)",
    )
    parser.add_argument(
        "--text",
        action="store_true",
        help="also fit every model with case-note features (structured+text)",
    )
    parser.add_argument(
        "--validation",
        choices=["temporal", "grouped_cv"],
        default="temporal",
        help="temporal: train on the earlier spells, test on the later ones (default); "
        "grouped_cv: cross-validation with each family in one fold",
    )
    parser.add_argument(
        "--cutoff",
        help="first time zero of the test period (temporal; default: the date that leaves "
        "70%% of the spells for training)",
    )
    parser.add_argument(
        "--censor-training",
        action="store_true",
        help="censor training follow-up at the cutoff (temporal validation only: refused "
        "with --validation grouped_cv)",
    )
    parser.add_argument("--folds", type=int, default=5, help="folds of grouped_cv (default 5)")
    parser.add_argument("--bootstrap", type=int, help="replicates (default: the design's)")
    parser.add_argument("--seed", type=int, help="seed (default: the design's)")
    parser.add_argument(
        "--truth",
        help="CSV or Parquet of simulated true risks (child_id, time_zero, "
        "risk_observed_<h>): the oracle is scored beside the models",
    )
    add_compute_options(parser)
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", label).strip("_")


def _write(out: Path, result: Any, rules: DisclosureRules) -> pd.DataFrame:
    """Write the validation's tables and model cards through the disclosure gate.

    Returns the metrics as written (disclosed), for the summary printed.
    """
    events, n = int(result.events_test), int(result.n_test)
    few = events < rules.threshold or n - events < rules.threshold
    metrics = disclose_metric_counts(result.metrics, rules)
    if few:
        metrics = disclose_model(
            metrics, events=events, n=n, rules=rules, columns=["estimate", "conf_low", "conf_high"]
        )
    metrics.to_csv(out / "metrics.csv", index=False)
    disclose_metric_counts(result.subgroup_metrics, rules).to_csv(
        out / "subgroup_metrics.csv", index=False
    )
    disclose_model(result.calibration, events=events, n=n, rules=rules).to_csv(
        out / "calibration.csv", index=False
    )
    decision = disclose_decision_curve(result.decision_curve, result.predictions, rules=rules)
    if few:
        decision = disclose_model(
            decision.drop(columns="suppressed"), events=events, n=n, rules=rules,
            columns=[c for c in ("net_benefit", "conf_low", "conf_high", "draws_left_out")
                     if c in decision.columns],
        )  # fmt: skip
    decision.to_csv(out / "decision_curve.csv", index=False)
    cards = out / "model_cards"
    cards.mkdir(parents=True, exist_ok=True)
    for label, card in result.model_cards.items():
        shared = disclose_model_card(
            card, result.metrics, result.subgroup_metrics, events=events, n=n, rules=rules
        )
        (cards / f"{_slug(label)}.md").write_text(shared.to_markdown(), encoding="utf-8")
        (cards / f"{_slug(label)}.html").write_text(shared.to_html(), encoding="utf-8")
    return metrics


def _ends(low: float, high: float, decimals: int | None) -> str:
    """Return an interval's two ends as printed ("0.70 to 0.74")."""
    return f"{_shown(low, decimals)} to {_shown(high, decimals)}"


def _shown(value: float | None, decimals: int | None) -> str:
    """Return a disclosed rank metric as printed: with the decimals it was rounded to."""
    return format_rank_metric(value, decimals) or "not shown"


def run(args: argparse.Namespace) -> int:
    """Validate the models and write the files; return 0 on success."""
    models = [m.strip() for m in (args.models or "").split(",") if m.strip()]
    bad = [m for m in models if m not in MODEL_KINDS]
    if bad:
        raise DesignError(f"--models: unknown {', '.join(bad)}; choose from {MODEL_KINDS}")
    check_censor_training(args.validation, bool(args.censor_training), option="--censor-training")
    inputs = [*study_inputs(args), args.truth]
    with output_folder(args, ["design.toml"], inputs) as folder:
        before = design_hash_in(folder.path)
        study = load_spells(args)
        design, history, data, log = study.design, study.history, study.data, study.log
        models = models or list(design.prediction.models)
        truth = None
        if args.truth:
            path = Path(args.truth)
            if path.suffix not in (".parquet", ".csv"):
                raise DesignError(
                    f"--truth {path.name}: give the simulator's spell risks as .parquet or "
                    ".csv (GroundTruth.spell_risks); truth.json holds no per-spell risks"
                )
            truth = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        with log.watch("prediction"), compute_from(args, design):
            result = validate_risk_models(
                data,
                design,
                horizon=args.horizon,
                models=models,
                feature_sets=("structured", "structured+text") if args.text else ("structured",),
                validation=args.validation,
                cutoff=args.cutoff,
                censor_training=bool(args.censor_training),
                n_splits=args.folds,
                bootstrap=args.bootstrap,
                seed=args.seed,
                truth=truth,
                history=history if args.text else None,
                # a bar when standard error is a terminal, unless --quiet
                progress=None if shows_progress(args) else False,
            )
        rules = DisclosureRules.from_design(design)
        unseen = int(result.provenance["unseen_levels"])
        shown = _write(folder.staging, result, rules)
        write_design_copy(design, args.design, folder)
        folder.commit(
            command=folder.command,
            design=design,
            design_file=args.design,
            input_hash=history.digest(),
            seeds={"prediction": result.provenance.get("seed")},
            extra={
                # test spells with a level their training lacked: a count of children,
                # disclosed (none is none)
                "prediction": {
                    **result.provenance,
                    "unseen_levels": format_count(unseen, rules) if unseen else 0,
                    "horizon": result.horizon,
                },
                "disclosure": rules.to_dict(),
                "caveats": [c.disclosed(rules).to_dict() for c in log.caveats],
            },
        )
    note_design_replaced("escalation predict", folder.path, before)
    out = folder.path
    glance = result.glance().iloc[0]
    print(
        f"Test spells    {format_count(glance['n'], rules)} "
        f"({format_count(glance['events'], rules)} escalations by the horizon)"
    )
    # The AUCs as metrics.csv has them: rounded as their counts allow (2 or 3 decimals).
    auc = shown[shown["metric"] == "auc"]
    for model, estimate, low, high in auc[
        ["model", "estimate", "conf_low", "conf_high"]
    ].itertuples(index=False):
        decimals = model_rank_decimals(shown, str(model), rules)
        interval = ci_words(
            float(low),
            float(high),
            functools.partial(_ends, decimals=decimals),
        )
        print(f"{model:<24} AUC {_shown(estimate, decimals)} ({interval})")
    print(
        "Wrote metrics.csv, subgroup_metrics.csv, calibration.csv, decision_curve.csv, "
        f"model_cards/ to {out}"
    )
    return 0
