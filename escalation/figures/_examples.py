"""Illustrative tidy frames for every figure kind (tests, the docs gallery, the brief check).

The numbers are made up from simple closed-form curves and a seeded generator; they
show what each figure looks like and exercise its code, and are never results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["example_figure_names", "example_figures", "example_frames"]

_ARMS = ("Early help", "No early help")


def _curves(hazards: tuple[float, float], times: np.ndarray, cif: bool) -> pd.DataFrame:
    rows = []
    for arm, h in zip(_ARMS, hazards, strict=True):
        surv = np.exp(-h * times)
        se = 0.004 + 0.02 * np.sqrt(1 - surv)
        est = 1 - surv if cif else surv
        rows.append(
            pd.DataFrame(
                {
                    "time": times,
                    "estimate": est,
                    "conf_low": np.clip(est - 1.96 * se, 0, 1),
                    "conf_high": np.clip(est + 1.96 * se, 0, 1),
                    "group": arm,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def example_frames(seed: int = 7) -> dict[str, pd.DataFrame]:
    """Return a dictionary of illustrative tidy frames, one per figure kind.

    Examples
    --------
    >>> frames = example_frames()
    >>> sorted(frames)[:3]
    ['adjusted', 'ages', 'at_risk']
    """
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, 731.0, 15.0)
    km = _curves((0.00045, 0.0006), times, cif=False)
    at_risk = pd.DataFrame(
        {
            "time": np.tile([0, 180, 360, 540, 720], 2),
            "group": np.repeat(_ARMS, 5),
            "at_risk": [1840, 1605, 1390, 1020, 645, 4210, 3580, 3025, 2190, 1375],
            "events": [0, 140, 255, 330, 385, 0, 420, 790, 1060, 1215],
            "censored": [0, 95, 195, 490, 810, 0, 210, 395, 960, 1620],
        }
    )
    censored = pd.DataFrame(
        {
            "time": np.sort(rng.uniform(1, 730, 400)),
            "group": rng.choice(_ARMS, 400),
        }
    )
    adjusted = _curves((0.00042, 0.00055), times, cif=True)
    cif = adjusted.assign(cause=1)
    covariates = [
        "age",
        "sex_M",
        "disability",
        "imd_decile",
        "prior_referrals",
        "prior_assessments",
        "prior_cp_plans",
        "factor_3B",
        "factor_4B",
        "factor_2B",
        "n_factors",
        "need_N1",
    ]
    raw = rng.uniform(0.02, 0.45, len(covariates))
    balance = pd.DataFrame(
        {
            "covariate": covariates * 2,
            "sample": ["unweighted"] * len(covariates) + ["weighted"] * len(covariates),
            "smd": np.concatenate(
                [raw * rng.choice([-1, 1], len(raw)), rng.normal(0, 0.025, len(raw))]
            ),
            "variance_ratio": np.concatenate(
                [rng.uniform(0.7, 1.5, len(raw)), rng.uniform(0.9, 1.1, len(raw))]
            ),
        }
    )
    n = 3000
    x = rng.normal(size=n)
    score = 1 / (1 + np.exp(-(-1.0 + 0.9 * x)))
    treat = (rng.random(n) < score).astype(int)
    weight = np.where(treat == 1, 1 / score, 1 / (1 - score))
    propensity = pd.DataFrame({"propensity": score, "treatment": treat, "weight": weight})
    event_times = np.sort(rng.uniform(5, 720, 250))
    schoenfeld = pd.concat(
        [
            pd.DataFrame(
                {
                    "time": event_times,
                    "covariate": name,
                    "residual": slope * (event_times - 360) / 360 + rng.normal(0, 1, 250),
                }
            )
            for name, slope in [("treatment", 0.0), ("age", 0.4), ("prior_referrals", -0.1)]
        ],
        ignore_index=True,
    )
    grid = np.arange(0.0, 731.0, 30.0)
    cp = 0.12 * (1 - np.exp(-grid / 200)) * np.exp(-grid / 900)
    la = 0.05 * (1 - np.exp(-grid / 300))
    rereferred = 0.25 * (1 - np.exp(-grid / 250)) * np.exp(-grid / 1500)
    states = pd.DataFrame(
        {
            "time": np.tile(grid, 4),
            "state": np.repeat(
                ["No further contact", "Re-referred", "CP plan", "Looked after"], len(grid)
            ),
            "probability": np.concatenate([1 - cp - la - rereferred, rereferred, cp, la]),
        }
    )
    predicted = np.array([0.03, 0.06, 0.09, 0.13, 0.18, 0.25, 0.34, 0.45])
    calibration = pd.concat(
        [
            pd.DataFrame(
                {
                    "model": model,
                    "predicted": predicted,
                    "observed": predicted * slope + 0.01,
                    "conf_low": predicted * slope + 0.01 - 0.025,
                    "conf_high": predicted * slope + 0.01 + 0.025,
                }
            )
            for model, slope in [("Structured data", 0.95), ("Structured + notes", 0.8)]
        ],
        ignore_index=True,
    )
    thresholds = np.linspace(0.01, 0.5, 50)
    prevalence = 0.16
    all_nb = prevalence - (1 - prevalence) * thresholds / (1 - thresholds)
    model_nb = np.maximum(all_nb, 0) + 0.02 * np.exp(-(((thresholds - 0.15) / 0.12) ** 2))
    decision = pd.concat(
        [
            pd.DataFrame(
                {"model": "Structured data", "threshold": thresholds, "net_benefit": model_nb}
            ),
            pd.DataFrame(
                {
                    "model": "Structured + notes",
                    "threshold": thresholds,
                    "net_benefit": np.maximum(all_nb, 0)
                    + 0.028 * np.exp(-(((thresholds - 0.17) / 0.13) ** 2)),
                }
            ),
            pd.DataFrame({"model": "Treat all", "threshold": thresholds, "net_benefit": all_nb}),
            pd.DataFrame({"model": "Treat none", "threshold": thresholds, "net_benefit": 0.0}),
        ],
        ignore_index=True,
    )
    fair_rows = []
    for attribute, groups in [
        ("Sex", ["Female", "Male"]),
        ("Ethnicity", ["White", "Black", "Asian", "Mixed", "Other"]),
        ("Disability", ["No", "Yes"]),
    ]:
        for group in groups:
            for metric, base in [("Recall", 0.22), ("Precision", 0.38)]:
                n_group = int(rng.integers(30, 2000)) if group != "Other" else 7
                est = base + rng.normal(0, 0.04)
                half = 1.96 * np.sqrt(est * (1 - est) / max(n_group, 1))
                suppressed = n_group < 10
                fair_rows.append(
                    {
                        "model": "Structured data",
                        "metric": metric,
                        "attribute": attribute,
                        "group": group,
                        "n": n_group,
                        "estimate": np.nan if suppressed else est,
                        "conf_low": np.nan if suppressed else est - half,
                        "conf_high": np.nan if suppressed else est + half,
                        "suppressed": suppressed,
                    }
                )
    fairness = pd.DataFrame(fair_rows)
    cate = pd.DataFrame({"effect": rng.normal(-0.025, 0.018, 4000)})
    subgroups = pd.DataFrame(
        {
            "subgroup": ["Age"] * 3 + ["Prior referrals"] * 2 + ["Domestic abuse"] * 2,
            "level": ["0-4", "5-11", "12-17", "None", "One or more", "No", "Yes"],
            "estimate": [-0.035, -0.025, -0.01, -0.018, -0.032, -0.02, -0.04],
        }
    )
    subgroups["conf_low"] = subgroups["estimate"] - 0.02
    subgroups["conf_high"] = subgroups["estimate"] + 0.02
    effects = pd.DataFrame(
        {
            "estimand": ["Risk difference at 365 days", "Risk difference at 730 days"] * 2,
            "method": ["IPW"] * 2 + ["AIPW"] * 2,
            "estimate": [-0.021, -0.029, -0.019, -0.027],
            "conf_low": [-0.038, -0.05, -0.033, -0.046],
            "conf_high": [-0.004, -0.008, -0.005, -0.008],
        }
    )
    hazard = pd.DataFrame(
        {
            "term": [
                "Early help",
                "Age (years)",
                "Prior referrals",
                "Domestic abuse (parent)",
                "Mental health (parent)",
                "Disability",
            ],
            "estimate": [0.82, 0.97, 1.18, 1.45, 1.31, 1.12],
        }
    )
    hazard["conf_low"] = hazard["estimate"] * np.exp(-0.15)
    hazard["conf_high"] = hazard["estimate"] * np.exp(0.15)
    flow = pd.DataFrame(
        {
            "step": range(1, 8),
            "stage": [
                "entered",
                "excluded",
                "remaining",
                "excluded",
                "excluded",
                "excluded",
                "remaining",
            ],
            "rule": [
                "history",
                "not_time_zero_kind",
                "candidates",
                "reason",
                "before_window",
                "age",
                "spells",
            ],
            "description": [
                "children and episodes in the case history",
                "children with no referral episode",
                "candidate time-zero episodes",
                "referral closed for another reason",
                "time zero before 2019-04-01",
                "age outside 0-17",
                "spells analysed",
            ],
            "children": [20000, 6200, 13800, 1900, 3100, 4, 8796],
            "episodes": [61000, 29000, 32000, 7100, 9000, 4, 8796],
        }
    )
    diff = adjusted[adjusted["group"] == _ARMS[0]].reset_index(drop=True)
    other = adjusted[adjusted["group"] == _ARMS[1]].reset_index(drop=True)
    gap = diff["estimate"] - other["estimate"]
    half = 0.006 + 0.01 * np.sqrt(times / times.max())
    difference = pd.DataFrame(
        {"time": times, "estimate": gap, "conf_low": gap - half, "conf_high": gap + half}
    )
    free = [
        np.cumsum(np.r_[0, 0.5 * (2 - f[1:] - f[:-1]) * np.diff(times)])
        for f in (diff["estimate"].to_numpy(), other["estimate"].to_numpy())
    ]
    rmst = pd.concat(
        [
            pd.DataFrame(
                {
                    "time": times,
                    "group": group,
                    "estimate": value,
                    "conf_low": value - 2 * half * times / 50,
                    "conf_high": value + 2 * half * times / 50,
                }
            )
            for group, value in (("1", free[0]), ("0", free[1]), ("difference", free[0] - free[1]))
        ],
        ignore_index=True,
    )
    scores = {}
    truth = rng.random(3000) < 0.16
    for model, signal in (("Structured data", 1.0), ("Structured + notes", 1.4)):
        scores[model] = 1 / (
            1 + np.exp(-(-1.9 + signal * np.where(truth, 1.0, 0.0) + rng.normal(0, 1, 3000)))
        )
    roc_rows, pr_rows, hist_rows = [], [], []
    for model, score in scores.items():
        order = np.argsort(-score)
        hits = truth[order]
        tp = np.cumsum(hits)
        fp = np.cumsum(~hits)
        keep = np.linspace(0, len(score) - 1, 200).astype(int)
        roc_rows.append(
            pd.DataFrame(
                {
                    "model": model,
                    "fpr": np.r_[0, fp[keep] / fp[-1]],
                    "tpr": np.r_[0, tp[keep] / tp[-1]],
                }
            )
        )
        pr_rows.append(
            pd.DataFrame(
                {
                    "model": model,
                    "recall": np.r_[0, tp[keep] / tp[-1]],
                    "precision": np.r_[1, tp[keep] / (keep + 1)],
                }
            )
        )
        edges = np.linspace(0, 0.5, 21)
        counts, _ = np.histogram(score, bins=edges)
        hist_rows.append(
            pd.DataFrame(
                {
                    "model": model,
                    "predicted_low": edges[:-1],
                    "predicted_high": edges[1:],
                    "count": np.where(counts < 10, np.nan, counts),
                }
            )
        )
    transitions = pd.DataFrame(
        {
            "from_state": ["No plan or care"] * 3
            + ["Child in need plan"] * 2
            + ["Child protection plan"] * 2,
            "to_state": [
                "Child in need plan",
                "Child protection plan",
                "Looked after",
                "Child protection plan",
                "No plan or care",
                "Looked after",
                "No plan or care",
            ],
            "n": [820, 610, 140, 210, 380, 95, np.nan],
        }
    )
    ages = pd.DataFrame(
        {
            "value": np.clip(rng.normal(8 + 1.5 * treat, 4, n), 0, 17.9),
            "treatment": treat,
            "weight": weight,
        }
    )
    ph_tests = pd.DataFrame(
        {
            "term": ["treatment", "age", "prior_referrals", "global"],
            "p_value": [0.62, 0.004, 0.31, 0.02],
        }
    )
    coded = pd.DataFrame(
        {
            "term": [
                "treatment",
                "age",
                "sex_M",
                "prior_referrals",
                "prior_cp_plans",
                "need_N4",
                "source_6",
                "factor_3B",
                "factor_4B",
            ],
            "estimate": [0.82, 0.97, 1.05, 1.18, 1.31, 1.12, 0.91, 1.45, 1.27],
            "p_value": [0.004, 0.01, 0.42, 0.0001, 0.002, 0.2, 0.35, 0.00001, 0.003],
        }
    )
    coded["conf_low"] = coded["estimate"] * np.exp(-0.14)
    coded["conf_high"] = coded["estimate"] * np.exp(0.14)
    return {
        "km": km,
        "at_risk": at_risk,
        "censored": censored,
        "cif": cif,
        "adjusted": adjusted,
        "balance": balance,
        "propensity": propensity,
        "schoenfeld": schoenfeld,
        "states": states,
        "calibration": calibration,
        "decision": decision,
        "fairness": fairness,
        "cate": cate,
        "subgroups": subgroups,
        "effects": effects,
        "hazard": hazard,
        "flow": flow,
        "difference": difference,
        "rmst": rmst,
        "roc": pd.concat(roc_rows, ignore_index=True),
        "precision_recall": pd.concat(pr_rows, ignore_index=True),
        "histogram": pd.concat(hist_rows, ignore_index=True),
        "transitions": transitions,
        "ages": ages,
        "ph_tests": ph_tests,
        "hazard_coded": coded,
        "overall": pd.DataFrame({"metric": ["Recall", "Precision"], "estimate": [0.22, 0.38]}),
        "policy": pd.DataFrame(
            {
                "label": [
                    "Current practice",
                    "Everyone",
                    "No one",
                    "Highest predicted risk (Cox)",
                    "Largest estimated benefit",
                    "Learned tree",
                ],
                "flagged_per_1000": [365.0, 1000.0, 0.0, 300.0, 296.0, 250.0],
                "flagged_low": [355.0, 1000.0, 0.0, 290.0, 286.0, 241.0],
                "flagged_high": [375.0, 1000.0, 0.0, 310.0, 306.0, 259.0],
                "prevented_per_1000": [9.4, 21.1, 0.0, 7.4, 10.0, 11.9],
                "conf_low": [6.6, 15.8, 0.0, 3.4, 6.9, 8.9],
                "conf_high": [12.2, 26.4, 0.0, 11.4, 13.1, 14.9],
            }
        ),
    }


def example_figure_names() -> list[str]:
    """Return the names of :func:`example_figures`, without drawing anything (test ids)."""
    return list(_builders({}))  # the builders are not called


def example_figures(names: Iterable[str] | None = None) -> dict[str, tuple[Any, str]]:
    """Return every figure kind drawn from :func:`example_frames`, with its column width.

    The gallery (``scripts/make_figure_gallery.py``), the image snapshots and the
    font-size check all draw this same set, so a new figure kind added here is checked
    everywhere.

    Parameters
    ----------
    names : iterable of str, optional
        Only these figures (default: all).
    """
    builders = _builders(example_frames())
    wanted = list(builders) if names is None else list(names)
    return {name: (builders[name][0](), builders[name][1]) for name in wanted}


def _builders(f: dict[str, Any]) -> dict[str, tuple[Callable[[], Any], str]]:
    """Each figure kind: a function making it from the frames ``f``, and its width."""
    from escalation import figures as fg

    return {
        "survival_curves": (lambda: fg.plot_survival_curves(f["km"], f["at_risk"]), "single"),
        "cumulative_incidence": (
            lambda: fg.plot_survival_curves(
                f["cif"],
                f["at_risk"],
                kind="cumulative_incidence",
                censored=f["censored"],
                test=("log-rank", 0.0031),
            ),
            "single",
        ),
        "adjusted_curves": (
            lambda: fg.plot_adjusted_curves(f["adjusted"], horizons=[365, 730], estimator="AIPW"),
            "single",
        ),
        "difference_curve": (
            lambda: fg.plot_difference_curve(f["difference"], horizons=[365, 730]),
            "single",
        ),
        "rmst_curves": (lambda: fg.plot_rmst_curves(f["rmst"], horizons=[365, 730]), "double"),
        "risk_differences": (
            lambda: fg.plot_risk_differences(f["effects"], colour="method"),
            "single",
        ),
        "hazard_ratios": (lambda: fg.plot_hazard_ratios(f["hazard"]), "single"),
        "hazard_ratio_table": (lambda: fg.plot_hazard_ratio_table(f["hazard_coded"]), "double"),
        "love_plot": (lambda: fg.plot_love(f["balance"]), "double"),
        "propensity_overlap": (lambda: fg.plot_overlap(f["propensity"]), "single"),
        "distribution_balance": (
            lambda: fg.plot_distribution_balance(f["ages"], covariate="age"),
            "single",
        ),
        "schoenfeld": (lambda: fg.plot_schoenfeld(f["schoenfeld"], f["ph_tests"]), "double"),
        "state_occupation": (lambda: fg.plot_state_occupation(f["states"]), "single"),
        "transitions": (lambda: fg.plot_transitions(f["transitions"]), "double"),
        "calibration": (lambda: fg.plot_calibration(f["calibration"], f["histogram"]), "single"),
        "roc": (
            lambda: fg.plot_roc(
                f["roc"], auc={"Structured data": 0.71, "Structured + notes": 0.76}
            ),
            "single",
        ),
        "precision_recall": (
            lambda: fg.plot_precision_recall(f["precision_recall"], prevalence=0.16),
            "single",
        ),
        "decision_curve": (lambda: fg.plot_decision_curve(f["decision"]), "single"),
        "fairness": (lambda: fg.plot_fairness(f["fairness"], overall=f["overall"]), "double"),
        "effect_distribution": (lambda: fg.plot_effect_distribution(f["cate"]), "single"),
        "subgroup_effects": (
            lambda: fg.plot_subgroup_effects(
                f["subgroups"], overall=-0.025, overall_label="All children (AIPW)", horizon=365
            ),
            "single",
        ),
        "flow": (lambda: fg.plot_flow(f["flow"]), "double"),
        "policy_values": (
            lambda: fg.plot_policy_values(f["policy"], capacity_per_1000=300, horizon=365),
            "single",
        ),
    }
