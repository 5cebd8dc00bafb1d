"""The [policy] and [criteria] sections, and the registration flow of a design."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from escalation.cli import main
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import (
    CriteriaSpec,
    PolicySpec,
    StudyDesign,
    check_registration,
    default_design,
    read_design,
    read_registration,
    register_design,
    registration_path,
)
from escalation.design.options import RISK_MODELS
from escalation.errors import DesignError
from escalation.predict.models import MODEL_KINDS
from escalation.timeline import build_spells


def _mapping() -> dict[str, dict[str, object]]:
    return default_design().to_dict()


def test_default_design_states_capacity_and_wwcsc_criteria() -> None:
    design = default_design()
    assert design.policy == PolicySpec(capacity_per_1000=300, risk_models=("cox",))
    assert design.policy.capacity == 0.3
    assert design.criteria is not None
    assert design.criteria.min_precision == 0.65
    assert design.criteria.stated == {
        "min_precision": 0.65,
        "min_recall": 0.5,
        "max_disparity": 0.1,
        "min_prevented_per_1000": 10.0,
    }
    assert design.policy_horizon == 365
    assert StudyDesign.from_toml(design.to_toml()) == design


def test_policy_sections_are_optional_and_left_out_when_absent() -> None:
    mapping = _mapping()
    del mapping["policy"], mapping["criteria"]
    design = StudyDesign.from_dict(mapping)
    assert design.policy is None and design.criteria is None
    assert "[policy]" not in design.to_toml()
    assert StudyDesign.from_toml(design.to_toml()) == design


def test_existing_keys_are_unchanged() -> None:
    """New sections only: every key of the design spec still reads as before."""
    mapping = _mapping()
    assert set(mapping) == {
        "time_zero", "outcome", "treatment", "covariates", "estimation", "data",
        "policy", "criteria",
    }  # fmt: skip
    assert set(mapping["estimation"]) == {"estimators", "bootstrap", "seed"}
    assert set(mapping["outcome"]) == {"events", "competing", "censor", "horizons"}


def test_risk_models_of_the_design_are_those_of_predict() -> None:
    assert RISK_MODELS == MODEL_KINDS


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("policy", "capacity_per_1000", 1200, "at most 1000"),
        ("policy", "capacity_per_1000", 0, "at least 1"),
        ("policy", "capacity_per_1000", 0.3, "whole number"),
        ("policy", "rules", ["everyone", "risky"], "unknown value 'risky'"),
        ("policy", "risk_models", ["cox", "xgboost"], "unknown value 'xgboost'"),
        ("policy", "horizon", 180, "must be one of \\[outcome\\] horizons"),
        ("policy", "folds", 1, "at least 2"),
        ("policy", "tree_depth", 6, "readable rule"),
        ("policy", "min_group", 5, "at least 10"),
        ("criteria", "min_precision", 65, "between 0 and 1"),
        ("criteria", "max_disparity", "ten", "must be a number"),
        ("criteria", "rule", "oracle", "must be one of"),
        ("criteria", "disparity_metric", "auc", "must be one of"),
    ],
)
def test_bad_policy_values_are_named(section: str, key: str, value: object, message: str) -> None:
    mapping = _mapping()
    mapping[section][key] = value
    with pytest.raises(DesignError, match=rf"\[{section}\]") as error:
        StudyDesign.from_dict(mapping)
    assert key in str(error.value) or section == "criteria"
    assert error.match(message)


def test_joined_rules_of_policy_and_criteria() -> None:
    mapping = _mapping()
    del mapping["policy"]
    with pytest.raises(DesignError, match="needs a \\[policy\\] section"):
        StudyDesign.from_dict(mapping)
    mapping = _mapping()
    mapping["policy"]["rules"] = ["everyone", "risk"]
    mapping["criteria"]["rule"] = "tree"
    with pytest.raises(DesignError, match="not among \\[policy\\] rules"):
        StudyDesign.from_dict(mapping)
    mapping = _mapping()
    mapping["criteria"] = {"rule": "risk"}
    with pytest.raises(DesignError, match="states no criterion"):
        StudyDesign.from_dict(mapping)
    mapping = _mapping()
    del mapping["policy"]["capacity_per_1000"]
    with pytest.raises(DesignError, match="'capacity_per_1000' is required"):
        StudyDesign.from_dict(mapping)
    mapping = _mapping()
    mapping["policy"]["capacity"] = 300
    with pytest.raises(DesignError, match="unknown key 'capacity'"):
        StudyDesign.from_dict(mapping)
    assert CriteriaSpec(min_recall=0.4).stated == {"min_recall": 0.4}


# ---------------------------------------------------------------- registration


def _write(folder: Path, design: StudyDesign | None = None) -> Path:
    return (design or default_design()).write(folder / "design.toml")


def test_registration_records_hashes_time_and_values(tmp_path: Path) -> None:
    file = _write(tmp_path)
    moment = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    path = register_design(file, now=moment)
    assert path == registration_path(file) == tmp_path / "design.registration.json"
    record = read_registration(path)
    assert record.registered_at == "2024-05-01T09:30:00+00:00"
    assert len(record.design_sha256) == 64 and len(record.file_sha256) == 64
    assert StudyDesign.from_dict(record.design) == default_design()
    check = check_registration(read_design(file), path)
    assert check.status == "registered" and not check.changed
    assert "registered on 2024-05-01T09:30:00+00:00 and has not changed" in check.describe()


def test_a_change_after_registration_is_flagged_with_what_changed(tmp_path: Path) -> None:
    file = _write(tmp_path)
    path = register_design(file)
    design = default_design()
    assert design.criteria is not None and design.policy is not None
    changed = design.replace(
        criteria=dataclasses.replace(design.criteria, min_precision=0.3),
        policy=dataclasses.replace(design.policy, capacity_per_1000=450),
    )
    changed.write(file)
    check = check_registration(read_design(file), path)
    assert check.status == "changed" and check.changed
    assert check.changes == (
        "[criteria] min_precision: 0.65 -> 0.3",
        "[policy] capacity_per_1000: 300 -> 450",
    )
    assert "changed after registration" in check.describe()
    # A section added after registration is flagged too.
    mapping = _mapping()
    del mapping["criteria"]
    registered_without = tmp_path / "other"
    registered_without.mkdir()
    other = StudyDesign.from_dict(mapping).write(registered_without / "design.toml")
    reg = register_design(other)
    assert check_registration(default_design(), reg).changes == ("[criteria] section added",)


def test_comments_alone_are_not_a_change(tmp_path: Path) -> None:
    file = _write(tmp_path)
    path = register_design(file)
    file.write_text("# a note added later\n" + file.read_text(), encoding="utf-8")
    assert check_registration(read_design(file), path).status == "registered"
    assert (
        read_registration(path).file_sha256
        != __import__("hashlib").sha256(file.read_bytes()).hexdigest()
    )


def test_registration_is_never_overwritten_and_missing_means_not_registered(
    tmp_path: Path,
) -> None:
    file = _write(tmp_path)
    path = register_design(file)
    before = path.read_text()
    with pytest.raises(DesignError, match="already exists"):
        register_design(file)
    assert path.read_text() == before
    assert check_registration(default_design(), tmp_path / "none.json").status == ("not_registered")
    assert check_registration(default_design(), None).status == "not_registered"
    bad = tmp_path / "bad.registration.json"
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(DesignError, match="not a registration file"):
        check_registration(default_design(), bad)
    invalid = tmp_path / "invalid.toml"
    invalid.write_text("[policy]\ncapacity_per_1000 = 300\n")
    with pytest.raises(DesignError):
        register_design(invalid)
    assert not registration_path(invalid).exists()


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_a_registration_cut_short_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    """The registration file was created before its text was made and written: Ctrl-C or a
    full disk left an empty or partial ``design.registration.json`` that refused every
    later registration ("registered before (time unreadable)") and could not be read."""
    file = _write(tmp_path)
    target = registration_path(file)
    real_open = Path.open

    class CutShort:
        """A file whose write reaches the disk in part, then fails."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> CutShort:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> int:
            self.handle.write(text[:10])
            self.handle.flush()
            raise failure("No space left on device")

        def flush(self) -> None:
            self.handle.flush()

        def close(self) -> None:
            self.handle.close()

    def open_cut_short(self: Path, mode: str = "r", **kwargs: Any) -> Any:
        handle = real_open(self, mode, **kwargs)
        return CutShort(handle) if self == target else handle

    monkeypatch.setattr(Path, "open", open_cut_short)
    with pytest.raises(failure):
        register_design(file)
    monkeypatch.undo()
    assert not target.exists()
    assert read_registration(register_design(file)).design == default_design().to_dict()


def test_where_the_work_runs_is_no_change_of_a_registered_design(tmp_path: Path) -> None:
    """Adding ``[compute] workers = 4`` after registration (to run faster) flagged the
    design "changed after registration ([compute] section added): results on the changed
    settings are not pre-registered", though ``[compute]`` never changes a result."""
    from escalation.design import ComputeSpec

    registration = register_design(_write(tmp_path))
    faster = default_design().replace(compute=ComputeSpec(workers=4))
    check = check_registration(faster, registration)
    assert (check.status, check.changes) == ("registered", ())
    assert check.describe().endswith("has not changed since.")
    policy = dataclasses.replace(default_design().policy, capacity_per_1000=400)
    both = check_registration(faster.replace(policy=policy), registration)
    assert (both.status, both.changes) == ("changed", ("[policy] capacity_per_1000: 300 -> 400",))


def test_register_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path)
    assert main(["register", str(file)]) == 0
    assert "Design SHA-256" in capsys.readouterr().out
    assert registration_path(file).exists()
    assert main(["register", str(file)]) == 2
    # Was: "design.registration.json already exists", not saying in which folder.
    err = " ".join(capsys.readouterr().err.split())
    assert f"{tmp_path / 'design.registration.json'} already exists: the design was" in err
    # Was: --out registered the same design again, at a later time, elsewhere (session
    # 26's review of the command line): a registration made after outcomes were seen.
    again = tmp_path / "elsewhere" / "my.registration.json"
    assert main(["register", str(file), "--out", str(again)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{tmp_path / 'design.registration.json'} already exists" in err
    assert "registered before" in err
    assert not again.exists()


def test_register_out_a_folder_writes_the_registration_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``register design.toml --out results/`` (a folder, as every other command's
    ``--out``) said "results already exists: the design was registered before (time
    unreadable) ... delete the file by hand", though nothing was ever registered."""
    file = _write(tmp_path)
    folder = tmp_path / "results"
    folder.mkdir()
    assert main(["register", str(file), "--out", str(folder)]) == 0
    written = folder / "design.registration.json"
    assert read_registration(written).design == default_design().to_dict()
    assert not registration_path(file).exists()  # only there, as asked


def test_register_out_an_existing_file_that_is_no_registration_is_refused_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out`` naming a file that is not this design's registration (the design file
    itself, another design's registration) said "the design was registered before" and
    advised deleting it: the advice deleted the user's design file."""
    file = _write(tmp_path)
    before = file.read_bytes()
    assert main(["register", str(file), "--out", str(file)]) == 2
    err = capsys.readouterr().err
    assert f"{file} exists and is not a registration: it is never overwritten" in err
    assert "registered before" not in err and "delete" not in err
    assert file.read_bytes() == before
    other = tmp_path / "other"
    other.mkdir()
    other_design = default_design().replace(
        policy=dataclasses.replace(default_design().policy, capacity_per_1000=400)
    )
    shared = register_design(_write(other, other_design), out=tmp_path / "shared.json")
    assert main(["register", str(file), "--out", str(shared)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'shared.json'} exists and registers another design" in err
    assert "registered before" not in err


def test_policy_risk_models_follow_prediction_models_unless_stated() -> None:
    """Was: ``[policy] risk_models`` defaulted to ["cox"] whatever ``[prediction]`` chose."""
    mapping = _mapping()
    mapping["prediction"] = {"models": ["penalised_cox", "random_forest"]}
    del mapping["policy"]["risk_models"]
    design = StudyDesign.from_dict(mapping)
    assert design.policy is not None and design.policy.risk_models is None
    assert design.policy_risk_models == ("penalised_cox", "random_forest")
    assert "risk_models" not in design.to_dict()["policy"]  # not written: the hash keeps
    assert StudyDesign.from_toml(design.to_toml()) == design
    mapping["policy"]["risk_models"] = ["cox"]
    stated = StudyDesign.from_dict(mapping)
    assert stated.policy_risk_models == ("cox",)
    # without a [prediction] section, the prediction default
    del mapping["prediction"], mapping["policy"]["risk_models"]
    assert StudyDesign.from_dict(mapping).policy_risk_models == ("cox", "gradient_boosting")


def test_policy_study_uses_the_prediction_models(monkeypatch: pytest.MonkeyPatch) -> None:
    import escalation.policy.study as study

    mapping = _mapping()
    mapping["prediction"] = {"models": ["penalised_cox"]}
    del mapping["policy"]["risk_models"]
    design = StudyDesign.from_dict(mapping)
    used: list[tuple[str, ...]] = []

    class StopError(Exception):
        """Raised where the rules would be learned: the models asked for are recorded."""

    def learn(*args: object, risk_models: tuple[str, ...], **kwargs: object) -> None:
        used.append(tuple(risk_models))
        raise StopError

    monkeypatch.setattr(study, "policy_scores", lambda *args, **kwargs: None)
    monkeypatch.setattr(study, "learn_rules", learn)
    history = simulate_local_authority(200, seed=1, config=SimulationConfig(notes=False)).history
    with pytest.raises(StopError):
        study.evaluate_policies(build_spells(history, default_design()), design)
    assert used == [("penalised_cox",)]
    learned = SimpleNamespace(flags={})
    assert study._judged_rule(design, learned) == "risk_penalised_cox"  # type: ignore[arg-type]
