"""The study design: reading, writing, construction and validation."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

from escalation.cli import main
from escalation.design import (
    CovariateSpec,
    DataSpec,
    EstimationSpec,
    OutcomeSpec,
    StudyDesign,
    TimeZeroSpec,
    TreatmentSpec,
    default_design,
    read_design,
)
from escalation.design.registration import design_sha256
from escalation.errors import DesignError

SPEC_EXAMPLE = textwrap.dedent(
    """
    [data]
    path = "data/"               # folder with children, episodes and (optional) notes
    extract_date = "2024-03-31"

    [time_zero]
    kind = "referral"
    at = "end"
    reasons = ["RC8", "RC9"]
    from = "2017-04-01"
    to = "2023-03-31"
    spells = "first"
    min_age = 0
    max_age = 17

    [outcome]
    events = ["cp_plan", "looked_after"]
    competing = ["death"]
    censor = ["moved_out", "age_18"]
    horizons = [365, 730]

    [treatment]
    kind = "early_help"
    grace_days = 14
    # reasons = ["RC9"]

    [covariates]
    include = ["age", "sex", "ethnicity", "disability", "imd_decile", "prior_referrals",
               "source", "factors"]

    [estimation]
    estimators = ["unadjusted", "ipw", "gformula", "aipw"]
    bootstrap = 200
    seed = 1
    """
)


def base() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(SPEC_EXAMPLE)


def test_spec_example_reads_with_every_value() -> None:
    design = StudyDesign.from_toml(SPEC_EXAMPLE)
    assert design.data.path == "data/"
    assert design.data.extract_date == dt.date(2024, 3, 31)
    tz = design.time_zero
    assert (tz.kind, tz.at, tz.reasons, tz.spells) == ("referral", "end", ("RC8", "RC9"), "first")
    assert (tz.from_, tz.to) == (dt.date(2017, 4, 1), dt.date(2023, 3, 31))
    assert (tz.min_age, tz.max_age) == (0.0, 17.0)
    assert design.outcome.events == ("cp_plan", "looked_after")
    assert design.outcome.competing == ("death",)
    assert design.outcome.censor == ("moved_out", "age_18")
    assert design.outcome.horizons == (365, 730)
    assert design.outcome.event_codes == {"cp_plan": 1, "looked_after": 1, "death": 2}
    assert design.treatment.form == "point"
    assert (design.treatment.kind, design.treatment.grace_days) == ("early_help", 14)
    assert design.covariates.extra == ("imd_decile",)
    assert design.estimation.estimators == ("unadjusted", "ipw", "gformula", "aipw")
    assert (design.estimation.bootstrap, design.estimation.seed) == (200, 1)


def test_toml_round_trip_gives_an_equal_design(tmp_path: Path) -> None:
    design = StudyDesign.from_toml(SPEC_EXAMPLE)
    assert StudyDesign.from_toml(design.to_toml()) == design
    path = design.write(tmp_path / "design.toml")
    assert read_design(path) == design


@pytest.mark.parametrize(
    "path",
    ["la\nnorth/", "la\rnorth", "bell\x07", "del\x7f", "nul\x00", 'C:\\la "north"\\', "tab\tla"],
)
def test_a_written_design_reads_back_whatever_its_text_holds(path: str) -> None:
    """``to_toml`` escaped only the quotation mark and the backslash: a ``[data] path`` with
    a line break or another control character (legal in a folder name) was written raw,
    so the design file the package wrote was not TOML (``Illegal character '\\n'``) and
    its copy beside the outputs could not be read back."""
    design = default_design().replace(data=DataSpec(path=path))
    back = StudyDesign.from_toml(design.to_toml())
    assert back == design and back.data.path == path
    assert design_sha256(back) == design_sha256(design)


def test_an_outcome_without_competing_or_censor_ends_follow_up_as_the_contract_does() -> None:
    """``[outcome]`` without ``competing`` and ``censor`` defaulted to none: a child who
    died (day 641 in this simulation) stayed at risk of escalation to the extract date
    (day 1631), and children who moved out or turned 18 were followed where no escalation
    can be recorded. Left out, they are now the contract's ``["death"]`` and
    ``["moved_out", "age_18"]``: the spells equal those of the spec's example."""
    import pandas as pd

    from escalation import simulate_local_authority
    from escalation.timeline import build_spells

    lines = [
        line for line in SPEC_EXAMPLE.splitlines() if not line.startswith(("competing", "censor"))
    ]
    short = StudyDesign.from_toml("\n".join(lines))
    spec = StudyDesign.from_toml(SPEC_EXAMPLE)
    assert (short.outcome.competing, short.outcome.censor) == (("death",), ("moved_out", "age_18"))
    assert short == spec
    history = simulate_local_authority(3000, seed=2).history
    covariates = CovariateSpec(include=("age", "sex"))
    ended = build_spells(history, short.replace(covariates=covariates)).spells
    expected = build_spells(history, spec.replace(covariates=covariates)).spells
    pd.testing.assert_frame_equal(ended, expected)
    assert (ended["end_reason"] == "death").sum() >= 1  # the case: a death ends follow-up


def test_every_section_and_key_the_package_adds_is_in_the_design_docs() -> None:
    """docs/design.md's "Keys the package adds" named ``[analysis]``, ``[prediction]``,
    ``[compute]`` and one key of ``[policy]``, but not ``[disclosure]``, ``[criteria]`` or
    the other keys of ``[policy]``: a reader of the design page could not learn them."""
    import dataclasses
    import tomllib

    text = (Path(__file__).parents[2] / "docs" / "design.md").read_text(encoding="utf-8")
    contract = tomllib.loads(re.search(r"## The keys.*?```toml\n(.*?)```", text, re.S).group(1))  # type: ignore[union-attr]
    added = text.split("## Keys the package adds", 1)[1].split("\n#", 1)[0]
    design = default_design()
    for section in dataclasses.fields(design):
        if section.name in contract:
            continue
        rows = [row for row in added.splitlines() if row.startswith(f"| `[{section.name}]`")]
        named = set(re.findall(r"`(\w+)`", " ".join(row.split("|")[2] for row in rows)))
        spec = getattr(design, section.name)
        keys = {"from" if f.name == "from_" else f.name for f in dataclasses.fields(spec)}
        assert keys <= named, f"[{section.name}] lacks {sorted(keys - named)}"


@pytest.mark.parametrize(
    ("key", "written"),
    [("extract_date", "2024-03-31T17:45:00"), ("from", "2017-04-01T09:00:00+01:00")],
)
def test_a_date_with_a_time_of_day_is_refused_not_cut(
    tmp_path: Path, key: str, written: str
) -> None:
    """A TOML date-time (``extract_date = 2024-03-31T17:45:00``) was cut to its date, the
    time dropped without a word; it is refused, naming the key, the value and the line.
    Midnight, as ``pandas.Timestamp("2024-03-31")`` gives it, is the date."""
    path = tmp_path / "design.toml"
    quoted = {"extract_date": '"2024-03-31"', "from": '"2017-04-01"'}[key]
    path.write_text(
        SPEC_EXAMPLE.replace(f"{key} = {quoted}", f"{key} = {written}"), encoding="utf-8"
    )
    with pytest.raises(
        DesignError,
        match=rf"line \d+: design \[\w+\] {key} = '{written[:10]}T.*without a time of day",
    ):
        read_design(path)
    midnight = SPEC_EXAMPLE.replace(
        'extract_date = "2024-03-31"', "extract_date = 2024-03-31T00:00:00"
    )
    assert StudyDesign.from_toml(midnight).data.extract_date == dt.date(2024, 3, 31)


def test_native_toml_dates_are_accepted() -> None:
    text = SPEC_EXAMPLE.replace('extract_date = "2024-03-31"', "extract_date = 2024-03-31")
    assert StudyDesign.from_toml(text).data.extract_date == dt.date(2024, 3, 31)


def test_default_design_is_the_synthetic_study() -> None:
    design = default_design()
    tz = design.time_zero
    assert (tz.kind, tz.at, tz.reasons) == ("referral", "end", ("RC8", "RC9"))
    assert (tz.from_, tz.to) == (dt.date(2019, 4, 1), dt.date(2023, 3, 31))
    # no lower age: unborn children whose pre-birth referral closed are kept
    assert (tz.spells, tz.min_age, tz.max_age) == ("first", None, 17.0)
    assert design.outcome.events == ("cp_plan", "looked_after")
    assert design.outcome.competing == ("death",)
    assert design.outcome.censor == ("moved_out", "age_18")
    assert design.outcome.horizons == (365, 730)
    assert (design.treatment.kind, design.treatment.grace_days) == ("early_help", 14)
    assert design.covariates.include == (
        "age", "sex", "ethnicity", "disability", "imd_decile", "prior_referrals",
        "prior_assessments", "prior_cp_plans", "prior_looked_after",
        "days_since_first_referral", "source", "need", "factors",
    )  # fmt: skip
    assert design.estimation.estimators == ("unadjusted", "ipw", "gformula", "aipw", "ccw")
    assert (design.estimation.bootstrap, design.estimation.seed) == (200, 1)
    assert StudyDesign.from_toml(design.to_toml()) == design


def test_python_construction_and_immutability() -> None:
    design = StudyDesign(
        time_zero=TimeZeroSpec(kind="referral", at="end", reasons=("RC8",), from_="2020-01-01"),
        outcome=OutcomeSpec(events=("cp_plan",), horizons=(730, 365)),
        treatment=TreatmentSpec(reasons=("RC8",)),
        covariates=CovariateSpec(include=("age", "imd_decile")),
    )
    assert design.time_zero.from_ == dt.date(2020, 1, 1)
    assert design.outcome.horizons == (365, 730)
    assert design.treatment.form == "reasons"
    assert design.treatment.episode_kind == "early_help"
    with pytest.raises(FrozenInstanceError):
        design.time_zero.kind = "s47"  # type: ignore[misc]
    changed = design.replace(outcome=OutcomeSpec(events=("looked_after",)))
    assert changed.outcome.events == ("looked_after",)
    assert design.outcome.events == ("cp_plan",)
    assert hash(design) == hash(StudyDesign.from_dict(design.to_dict()))


def _set(mapping: dict[str, Any], section: str, key: str, value: Any) -> dict[str, Any]:
    mapping.setdefault(section, {})
    if value is _DROP:
        mapping[section].pop(key, None)
    else:
        mapping[section][key] = value
    return mapping


_DROP = object()


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("time_zero", "kind", "referal", "did you mean 'referral'"),
        ("time_zero", "at", "middle", "must be one of 'start', 'end'"),
        ("time_zero", "reasons", ["RC10"], "unknown value 'RC10'"),
        ("time_zero", "reasons", "RC8", "must be a list of strings"),
        ("time_zero", "from", "2024-01-01", "is after to"),
        ("time_zero", "from", "01/04/2019", "YYYY-MM-DD"),
        ("time_zero", "spells", "every", "'first', 'last', 'all'"),
        ("time_zero", "min_age", 18, "greater than max_age"),
        ("time_zero", "max_age", -2, "between -1 .an unborn child"),
        ("time_zero", "min_age", 26, "between -1 .an unborn child"),
        ("outcome", "events", ["cp_plan", "escalated"], "unknown value 'escalated'"),
        ("outcome", "events", [], "at least one"),
        ("outcome", "competing", ["deth"], "did you mean 'death'"),
        ("outcome", "censor", ["moved_out", "age_21"], "unknown value 'age_21'"),
        ("outcome", "censor", ["death"], "list each kind in one place only"),
        ("outcome", "horizons", [365, 0], "not a positive whole number"),
        ("outcome", "horizons", [-30], "not a positive whole number"),
        ("outcome", "horizons", [365.5], "not a positive whole number"),
        ("outcome", "horizons", [365, 365], "lists a horizon twice"),
        ("outcome", "events", ["cp_plan", "cp_plan"], "more than once"),
        ("treatment", "reasons", ["RC9"], "exactly one of kind"),
        ("treatment", "grace_days", -1, "at least 0"),
        ("treatment", "kind", "cp_plan", "cannot end follow-up"),
        ("covariates", "include", ["age", "prior_referral"], "did you mean 'prior_referrals'"),
        ("covariates", "include", ["child_id"], "neither a built-in covariate"),
        ("covariates", "include", ["imd decile"], "neither a built-in covariate"),
        # an extra children column named like a column build_spells makes was a second,
        # duplicated column of the spells table
        ("covariates", "include", ["age", "treatment"], "'treatment' is a column the spells"),
        ("covariates", "include", ["age", "duration"], "'duration' is a column the spells"),
        ("covariates", "include", ["factors", "factor_1B"], "'factor_1B' is a column the"),
        ("estimation", "estimators", ["ipw", "tmle"], "unknown value 'tmle'"),
        ("estimation", "bootstrap", -5, r"must be 0 \(no bootstrap\) or at least 2"),
        # one replicate gave missing standard errors labelled "cluster_bootstrap"
        ("estimation", "bootstrap", 1, r"= 1: must be 0 \(no bootstrap\) or at least 2"),
        ("estimation", "bootstrap", 2.0, "whole number of replicates"),
        ("estimation", "seed", 1.5, "whole number"),
    ],
)
def test_invalid_values_raise_clear_design_errors(
    section: str, key: str, value: Any, message: str
) -> None:
    mapping = _set(base(), section, key, value)
    with pytest.raises(DesignError, match=message) as error:
        StudyDesign.from_dict(mapping)
    assert f"[{section}]" in str(error.value)


def test_neither_treatment_form_is_an_error() -> None:
    mapping = base()
    mapping["treatment"] = {}
    with pytest.raises(DesignError, match="neither was given"):
        StudyDesign.from_dict(mapping)


def test_grace_days_without_kind_is_an_error() -> None:
    mapping = base()
    mapping["treatment"] = {"reasons": ["RC9"], "grace_days": 14}
    with pytest.raises(DesignError, match="only applies with kind"):
        StudyDesign.from_dict(mapping)


def test_reasons_need_time_zero_at_the_end() -> None:
    mapping = _set(base(), "time_zero", "at", "start")
    with pytest.raises(DesignError, match="would use the future"):
        StudyDesign.from_dict(mapping)
    mapping["time_zero"].pop("reasons")
    mapping["treatment"] = {"reasons": ["RC9"]}
    with pytest.raises(DesignError, match="only known when the time-zero episode ends"):
        StudyDesign.from_dict(mapping)


def test_treatment_reasons_outside_eligible_reasons_is_an_error() -> None:
    mapping = base()
    mapping["treatment"] = {"reasons": ["RC7"]}
    with pytest.raises(DesignError, match="no eligible spell can be treated"):
        StudyDesign.from_dict(mapping)


def test_unknown_sections_and_keys_are_named() -> None:
    mapping = base()
    mapping["treatmnet"] = mapping.pop("treatment")
    with pytest.raises(DesignError, match=r"unknown section \[treatmnet\].*'treatment'"):
        StudyDesign.from_dict(mapping)
    mapping = _set(base(), "outcome", "horizon", [365])
    with pytest.raises(DesignError, match=r"unknown key 'horizon'.*did you mean 'horizons'"):
        StudyDesign.from_dict(mapping)
    mapping = base()
    del mapping["outcome"]
    with pytest.raises(DesignError, match=r"section \[outcome\] is missing"):
        StudyDesign.from_dict(mapping)


def test_invalid_toml_and_file_name_in_message(tmp_path: Path) -> None:
    with pytest.raises(DesignError, match="not valid TOML"):
        StudyDesign.from_toml("[time_zero\nkind = 1")
    path = tmp_path / "study.toml"
    path.write_text(SPEC_EXAMPLE.replace('spells = "first"', 'spells = "firts"'))
    with pytest.raises(DesignError, match=r"study.toml, line \d+: .*did you mean 'first'"):
        read_design(path)


@pytest.mark.parametrize(
    ("old", "new", "message", "named"),
    [
        ("seed = 1", 'seed = "1"', r"\[estimation\] seed = '1': must be a whole", 'seed = "1"'),
        ("seed = 1", "seed = 1\nsed = 2", r"\[estimation\]: unknown key 'sed'", "sed = 2"),
        ("[estimation]", "[estimaton]", r"unknown section \[estimaton\]", "[estimaton]"),
        ("horizons = [365, 730]", "horizons = [365.5]", r"= \[365.5\]: horizon", "horizons ="),
        ('spells = "first"', 'spells = "firts"', "did you mean 'first'", 'spells = "firts"'),
        ("grace_days = 14", 'grace_days = 14\nreasons = ["RC9"]', "exactly one", "[treatment]"),
    ],
)
def test_a_design_error_names_the_line_of_the_key(
    tmp_path: Path, old: str, new: str, message: str, named: str
) -> None:
    """Errors named the file, section, key and value but not the line: in a design of
    forty commented lines the user searched for it. The line of the key (or, for an
    unknown section or a rule of the whole section, of the table) is now named; the value
    is shown as the TOML list written (``[365.5]``, not the tuple ``(365.5,)``)."""
    path = tmp_path / "design.toml"
    text = SPEC_EXAMPLE.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DesignError, match=message) as caught:
        read_design(path)
    found = re.match(r"design.toml, line (\d+): design", str(caught.value))
    assert found is not None, str(caught.value)
    assert text.splitlines()[int(found.group(1)) - 1].startswith(named)


def test_a_design_error_about_a_key_not_written_names_no_line(tmp_path: Path) -> None:
    """A rule broken by a default (no line holds the key: ``at`` left at "end" for a point
    event) names the file only, never a wrong line."""
    path = tmp_path / "design.toml"
    text = SPEC_EXAMPLE.replace('kind = "referral"', 'kind = "s47"').replace('at = "end"\n', "")
    path.write_text(text.replace('reasons = ["RC8", "RC9"]\n', ""), encoding="utf-8")
    with pytest.raises(DesignError, match=r"^design.toml: design \[time_zero\] at = 'end'"):
        read_design(path)


def test_design_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="horizons"):
        OutcomeSpec(events=("cp_plan",), horizons=(0,))


@pytest.mark.parametrize(
    ("section", "values"),
    [
        ("prediction", {"models": ["cox", "cox"]}),
        ("policy", {"capacity_per_1000": 300, "risk_models": ["cox", "cox"]}),
    ],
)
def test_a_risk_model_listed_twice_is_refused_by_the_design(
    section: str, values: dict[str, Any]
) -> None:
    # evaluate_policies and `escalation policy` take their risk models from here (learn_rules
    # refuses a repeat too), so a model listed twice never reaches them
    mapping = base()
    mapping[section] = values
    with pytest.raises(DesignError, match=rf"\[{section}\] \w*models = .*lists 'cox' more than"):
        StudyDesign.from_dict(mapping)


# A closure reason is recorded on referrals only (the contract's `reason`: "for a referral,
# the CIN closure reason"); `reasons` on another time-zero kind excluded every candidate
# ([time_zero]) or treated no one ([treatment]), silently.
@pytest.mark.parametrize("kind", ["assessment", "early_help", "cin_plan"])
def test_time_zero_reasons_on_a_kind_without_a_closure_reason_are_refused(kind: str) -> None:
    mapping = _set(base(), "time_zero", "kind", kind)
    with pytest.raises(DesignError) as error:
        StudyDesign.from_dict(mapping)
    message = str(error.value)
    assert message.startswith("design [time_zero] reasons = ['RC8', 'RC9']: ")
    assert "only referral episodes carry a closure reason" in message
    assert f"kind = {kind!r} never has one" in message


def test_treatment_reasons_on_a_time_zero_kind_without_a_closure_reason_are_refused() -> None:
    mapping = _set(base(), "time_zero", "kind", "assessment")
    del mapping["time_zero"]["reasons"]
    mapping["treatment"] = {"reasons": ["RC9"]}
    with pytest.raises(DesignError) as error:
        StudyDesign.from_dict(mapping)
    message = str(error.value)
    assert message.startswith("design [treatment] reasons = ['RC9']: ")
    assert "only referral episodes carry a closure reason" in message
    assert "kind = 'assessment' never has one" in message
    mapping["time_zero"]["kind"] = "referral"  # the reasons form of the specification
    assert StudyDesign.from_dict(mapping).treatment.reasons == ("RC9",)


# The contract's point events have a date and an empty end; time zero at their "end" (the
# default of `at`) gave no spell, every candidate excluded as "still open".
@pytest.mark.parametrize("kind", ["contact", "s47", "icpc", "moved_out", "death"])
def test_time_zero_at_the_end_of_a_point_event_is_refused(kind: str) -> None:
    for spec in ({"kind": kind}, {"kind": kind, "at": "end"}):
        with pytest.raises(DesignError) as error:
            TimeZeroSpec(**spec)  # type: ignore[arg-type]
        message = str(error.value)
        assert message.startswith("design [time_zero] at = 'end': ")
        assert f"{kind} is a point event" in message and 'set at = "start"' in message
    assert TimeZeroSpec(kind=kind, at="start").kind == kind  # type: ignore[arg-type]


def test_build_names_time_zero_at_for_a_point_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SPEC_EXAMPLE.replace('kind = "referral"', 'kind = "s47"')
    text = text.replace('at = "end"\n', "").replace('reasons = ["RC8", "RC9"]\n', "")
    (tmp_path / "design.toml").write_text(text)
    assert main(["build", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "design [time_zero] at = 'end': s47 is a point event" in err
    assert "still open" not in err and not (tmp_path / "out").exists()


def test_bootstrap_of_none_or_at_least_two_replicates_is_accepted() -> None:
    assert [EstimationSpec(bootstrap=b).bootstrap for b in (0, 2, 200)] == [0, 2, 200]


# A TOML table where a list is asked was read as the list of its keys, its values ignored.
@pytest.mark.parametrize(
    ("section", "key", "table"),
    [
        ("time_zero", "reasons", {"RC8": False, "RC9": False}),
        ("outcome", "events", {"cp_plan": "no", "looked_after": 0}),
        ("outcome", "competing", {"death": True}),
        ("outcome", "censor", {"moved_out": 1}),
        ("outcome", "horizons", {"365": 1}),
        ("treatment", "reasons", {"RC9": True}),
        ("covariates", "include", {"age": "exclude"}),
        ("estimation", "estimators", {"ipw": False}),
        ("prediction", "models", {"cox": True}),
        ("policy", "rules", {"risk": True}),
        ("policy", "risk_models", {"cox": True}),
    ],
)
def test_a_table_where_a_list_is_asked_is_refused(
    section: str, key: str, table: dict[str, Any]
) -> None:
    mapping = base()
    if section == "treatment":
        mapping["treatment"] = {}
    if section == "policy":
        mapping["policy"] = {"capacity_per_1000": 300}
    mapping = _set(mapping, section, key, table)
    with pytest.raises(DesignError, match="must be a list") as error:
        StudyDesign.from_dict(mapping)
    assert str(error.value).startswith(f"design [{section}] {key} = {table!r}: ")
    # the same values as a list are read
    listed = [int(k) for k in table] if key == "horizons" else list(table)
    mapping[section][key] = listed
    assert getattr(getattr(StudyDesign.from_dict(mapping), section), key) == tuple(listed)
