"""``escalation init DIR``: write a commented study design file for the user's data.

The file follows the design contract (``docs/design.md``) key by key, each key
with a comment saying what it means and which values it takes. With ``--data`` the case
histories are read once and the file is filled in from them: the folder (relative to the
design file), the extract date, the time-zero window (the first and last referral
closures, or the first referral start to the extract date when none closed; never past
the extract date) and the referral closure reasons found, and extra columns of the
children table offered as covariates. The spells the written design gives are built:
when there are none, a note at the top of the file and a warning say why. Nothing
personal is read into the file: only dates of the window, codes and column names.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalation._atomic import write_text_atomically
from escalation.cli import SUMMARIES
from escalation.errors import DesignError, EscalationError

if TYPE_CHECKING:
    import pandas as pd

    from escalation.data.history import CaseHistory

__all__ = ["design_text", "register", "run"]

_COVARIATES = (
    "age", "sex", "ethnicity", "disability", "imd_decile",
    "prior_referrals", "source", "factors",
)  # fmt: skip
#: Covariates read from an optional column of the children table: offered with ``--data``
#: only when every child has a value (a missing value stops the models; ``imd_decile`` is
#: not in the statutory returns, and converters leave ``disability`` empty when the
#: return does not record it).
_FROM_OPTIONAL_COLUMNS = ("disability", "imd_decile")


def register(subparsers: Any) -> None:
    """Add the ``init`` sub-command."""
    parser = subparsers.add_parser(
        "init",
        help=SUMMARIES["init"],
        description=(
            "Write DIR/design.toml: every key of the study design with a comment saying "
            "what it means. With --data, the data folder, extract date, time-zero window "
            "and referral closure reasons are taken from your case histories."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="folder of the study (created if needed)")
    parser.add_argument("--data", help="case-history folder (children, episodes, notes)")
    parser.add_argument("--extract-date", help="extract date YYYY-MM-DD (else from the data)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing design.toml")
    parser.set_defaults(func=run)


def _toml(value: str | list[str]) -> str:
    """Return ``value`` as TOML, as the design writes it (a folder named ``la "north"`` too)."""
    from escalation.design.study import toml_value  # pandas: not needed for --help

    return toml_value(value)


def _read(folder: Path, extract_date: str | None) -> CaseHistory:
    """Read the case histories leniently (a design is wanted even for imperfect data)."""
    from escalation.data.io import read_case_history

    return read_case_history(folder, extract_date=extract_date, lenient=True)


def _window(referrals: pd.DataFrame, extract: pd.Timestamp) -> tuple[str | None, str | None]:
    """Return the time-zero window the data allow: within their dates and the extract date.

    With closed referrals, from their first to their last closure; without, from the
    first referral start. Never past the extract date (nothing is followed up after it).
    """
    closed = referrals["end"].dropna()
    dates = closed if len(closed) else referrals["start"].dropna()
    if not len(dates):
        return None, None
    first, last = dates.min(), min(closed.max() if len(closed) else extract, extract)
    if first > last:
        return None, None
    return first.date().isoformat(), last.date().isoformat()


def _from_data(history: CaseHistory) -> dict[str, Any]:
    """Return what the design can take from the data: dates, reasons, extra columns."""
    from escalation.data.history import CHILDREN_COLUMNS
    from escalation.design.options import BUILTIN_COVARIATES

    episodes = history.episodes
    referrals = episodes[episodes["kind"] == "referral"]
    reasons = sorted(str(r) for r in referrals["reason"].dropna().unique())
    known = {*CHILDREN_COLUMNS, *BUILTIN_COVARIATES, "la"}
    children = history.children
    extra = [c for c in children.columns if c not in known]
    incomplete = [
        c
        for c in _FROM_OPTIONAL_COLUMNS
        if c not in children.columns or not len(children) or children[c].isna().any()
    ]
    window_from, window_to = _window(referrals, history.extract_date)
    return {
        "covariates": [c for c in _COVARIATES if c not in incomplete],
        "left_out": incomplete,
        "extract_date": history.extract_date.date().isoformat(),
        "from": window_from,
        "to": window_to,
        "closed": bool(referrals["end"].notna().any()),
        "reasons": reasons,
        "kinds": sorted(str(k) for k in episodes["kind"].dropna().unique()),
        "extra": extra,
    }


def _no_spell(history: CaseHistory, text: str) -> tuple[str, str] | None:
    """Return why the design ``text`` gives no spell on ``history`` (None: it gives some).

    Twice: with the exclusion flow's counts (for the terminal), and without them (for the
    design file, which may be shared as a pre-registration: the counts are not disclosed).
    """
    import tomllib
    import warnings

    from escalation.design.study import StudyDesign
    from escalation.timeline.flow import no_spell_reason
    from escalation.timeline.spells import build_spells

    design = StudyDesign.from_dict(tomllib.loads(text))
    with warnings.catch_warnings():  # build warns itself; here only the count matters
        warnings.simplefilter("ignore")
        flow = build_spells(history, design).flow
    reason = no_spell_reason(flow)
    return None if reason is None else (reason, str(no_spell_reason(flow, counts=False)))


def _note(reason: str) -> list[str]:
    """Return the commented note that the data give no spell under the design written."""
    words = textwrap.wrap(
        f"NOTE: these data give no spell under this design, so build finds none and run "
        f"stops: {reason}. Change the keys named or check the data.",
        width=88,
    )
    return ["# " + line for line in words]


def design_text(
    data_path: str | None = None, found: dict[str, Any] | None = None
) -> str:  # fmt: skip
    """Return the commented design file (``found``: what was read from the data)."""
    found = found or {}
    extract = found.get("extract_date")
    reasons = [r for r in ("RC8", "RC9") if r in found.get("reasons", ("RC8", "RC9"))]
    # Data without RC8 or RC9 closures: keep every closure (a filter would leave no spell).
    reasons_line = (
        f"reasons = {_toml(reasons)}".ljust(29)
        + "# optional: only episodes that ended with these reasons"
        if reasons
        else '# reasons = ["RC8", "RC9"]   # none in your referrals: every closure is kept'
    )
    window_from = found.get("from") or "2017-04-01"
    window_to = found.get("to") or "2023-03-31"
    if not found.get("to"):
        window_note = "            # end of the window"
    elif found.get("closed"):
        window_note = "            # first and last referral closures in your data"
    else:
        window_note = "            # first referral start to the extract date"
    lines = [
        "# Study design (escalation). Declare it before looking at any result, like a",
        "# pre-registered analysis plan; every output records it. Keys follow the design",
        "# contract; lines starting with # are comments. Check each value, then run:",
        "#   escalation build design.toml --out spells/",
        "#   escalation run design.toml --out results/",
        *(_note(found["no_spell"][1]) if found.get("no_spell") else ()),
        "",
        "[data]",
        f"path = {_toml(data_path or 'data/')}"
        + "  # folder with children, episodes and (optional) notes, .csv or .parquet,",
        "                  # relative to this file",
        (
            f"extract_date = {_toml(str(extract))}  # the date the data were extracted "
            "(found in the data)"
            if extract
            else '# extract_date = "2024-03-31"  # when the data were extracted: needed unless\n'
            "#                              case_history.json states it (or --extract-date)"
        ),
        "",
        "[time_zero]                  # eligibility and the decision point where follow-up starts",
        'kind = "referral"            # the episode kind that defines the decision point',
        'at = "end"                   # "start" or "end" of that episode',
        reasons_line,
    ]
    if found.get("reasons"):
        lines.append(f"# closure reasons in your referrals: {', '.join(found['reasons'])}")
    lines += [
        f'from = "{window_from}"          # optional window on the time-zero date',
        f'to = "{window_to}"' + window_note,
        'spells = "first"             # "first", "last" or "all" eligible spells per child',
        "min_age = 0                  # optional, years at time zero",
        "max_age = 17                 # optional, oldest age in years at time zero",
        "",
        "[outcome]",
        'events = ["cp_plan", "looked_after"]   # escalation: the first of these after time zero',
        'competing = ["death"]                  # events that end follow-up and preclude',
        "                                       # escalation",
        'censor = ["moved_out", "age_18"]       # end follow-up without an event (the extract',
        "                                       # date always does)",
        "horizons = [365, 730]                  # days after time zero",
    ]
    if found.get("kinds"):
        lines.append(f"# episode kinds in your data: {', '.join(found['kinds'])}")
    lines += [
        "",
        "[treatment]                  # exactly one of the two forms",
        'kind = "early_help"          # treated: an episode of this kind starts within the grace',
        "grace_days = 14              # period (days after time zero)",
        '# reasons = ["RC9"]          # treated: the time-zero episode ended with one of these',
        "",
        "[covariates]                 # measured at time zero from history up to time zero only",
        "# built-in covariates: age, sex, ethnicity, disability, prior_referrals,",
        "# prior_assessments, prior_cp_plans, prior_looked_after, days_since_first_referral,",
        "# source, need, factors (assessment factors); or columns of the children table such",
        "# as imd_decile (the simulator writes it; the statutory returns do not have it)",
        f"include = {_toml(list(found.get('covariates', _COVARIATES)))}",
    ]
    if found.get("left_out"):
        lines.append(
            "# left out: missing for some or all of your children: " + ", ".join(found["left_out"])
        )
    if found.get("extra"):
        lines.append(
            "# extra columns of your children table that may be added: " + ", ".join(found["extra"])
        )
    lines += [
        "",
        "[estimation]",
        "# ccw (clone–censor–weight) handles the grace period, which biases the others",
        "# towards benefit; the brief leads with it",
        'estimators = ["unadjusted", "ipw", "gformula", "aipw", "ccw"]',
        "bootstrap = 200              # family-clustered bootstrap replicates (0: none; else >= 2)",
        "seed = 1                     # seed of every random step",
        "",
        "[prediction]                 # risk models that escalation predict / run validate",
        'models = ["cox", "penalised_cox", "gradient_boosting"]  # also "random_forest";',
        "# penalised_cox (elastic-net Cox) is the one to keep when the Cox fit warns of",
        "# separation or sparse levels",
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Write the design file; return 0 on success."""
    out = Path(args.dir)
    target = out / "design.toml"
    if target.exists() and not args.force:
        raise DesignError(f"{target} exists; pass --force to overwrite it")
    found: dict[str, Any] = {}
    data_path = None
    history = None
    if args.data:
        folder = Path(args.data)
        try:
            history = _read(folder, args.extract_date)
        except (EscalationError, FileNotFoundError) as error:
            raise DesignError(
                f"could not read the case histories in {folder}: {error}".rstrip()
            ) from error
        found = _from_data(history)
        from escalation.design.study import path_from

        data_path = path_from(folder, out) + "/"
    elif args.extract_date:
        found = {"extract_date": args.extract_date}
    text = design_text(data_path, found)
    import tomllib

    from escalation.design.study import StudyDesign

    StudyDesign.from_dict(tomllib.loads(text))  # the file we write must be a valid design
    if history is not None:
        found["no_spell"] = _no_spell(history, text)
        text = design_text(data_path, found)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(target, text)  # --force: a failed write leaves the old file
    print(f"Wrote {target}: check every value (comments say what each key means), then run")
    if found.get("no_spell"):
        print(
            f"escalation init: warning: these data give no spell under the design written: "
            f"{found['no_spell'][0]}. The file says so at the top; change the keys named "
            "before building",
            file=sys.stderr,
        )
    # Quoted for the shell, so the line can be pasted when a path holds spaces.
    print(f"  escalation build {shlex.quote(str(target))} --out {shlex.quote(str(out / 'spells'))}")
    return 0
