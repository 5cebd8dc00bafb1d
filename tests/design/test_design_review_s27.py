"""Design-review items: seeds TOML can hold, whole-file writes, empty paths and lists."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from escalation.design import (
    CovariateSpec,
    DataSpec,
    EstimationSpec,
    StudyDesign,
    default_design,
)
from escalation.design.registration import design_sha256
from escalation.errors import DesignError

#: TOML 1.0 ("Integer"): integers are signed 64-bit, so 2**63 - 1 is the largest.
TOML_LARGEST = 9_223_372_036_854_775_807


@pytest.mark.parametrize("seed", [2**63, 2**64 + 1, -1])
def test_a_seed_toml_cannot_hold_is_refused_naming_the_key_and_value(seed: int) -> None:
    """A seed above 2**63 - 1 was accepted (numpy's SeedSequence takes big integers) and
    written out as text other TOML parsers refuse; a negative one is refused as before."""
    with pytest.raises(DesignError, match=rf"\[estimation\] seed = {seed}: must be at"):
        EstimationSpec(seed=seed)
    text = default_design().to_toml().replace("seed = 1", f"seed = {seed}")
    with pytest.raises(DesignError, match=r"\[estimation\] seed"):
        StudyDesign.from_toml(text)


def test_the_largest_toml_integer_is_a_valid_seed_and_reads_back() -> None:
    design = default_design().with_estimation(seed=TOML_LARGEST)
    assert tomllib.loads(design.to_toml())["estimation"]["seed"] == TOML_LARGEST


def test_a_seed_override_beyond_toml_is_refused() -> None:
    """``--seed`` (and ``seed=``) pass through the same rule as the design file's seed."""
    with pytest.raises(DesignError, match=r"\[estimation\] seed = 18446744073709551616"):
        default_design().with_estimation(seed=2**64)


def test_writing_a_design_that_fails_half_way_leaves_the_existing_file(tmp_path: Path) -> None:
    """``StudyDesign.write`` opened the target for writing (emptying it) before writing:
    a write that failed (here text UTF-8 cannot encode, a lone surrogate in a folder
    name) left an empty design file where a valid one was."""
    target = tmp_path / "design.toml"
    before = default_design().write(target).read_text(encoding="utf-8")
    broken = default_design().replace(data=DataSpec(path="la\ud800"))
    with pytest.raises(UnicodeEncodeError):
        broken.write(target)
    assert target.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["design.toml"]  # no temporary


def test_a_written_design_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "design.toml"
    target.write_text("old text", encoding="utf-8")
    design = default_design().with_estimation(seed=7)
    assert design.write(target) == target
    assert target.read_text(encoding="utf-8") == design.to_toml()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["design.toml"]


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_data_path_is_refused(path: str) -> None:
    """``path = ""`` was accepted and read the design file's own folder as the data."""
    with pytest.raises(DesignError, match=r"\[data\] path = '\s*': is empty"):
        DataSpec(path=path)
    text = default_design().to_toml().replace("[data]\n", f'[data]\npath = "{path}"\n')
    with pytest.raises(DesignError, match=r"\[data\] path"):
        StudyDesign.from_toml(text)


def test_the_design_folder_itself_is_still_written_dot() -> None:
    assert DataSpec(path=".").path == "."


def test_an_empty_covariate_list_is_refused() -> None:
    """``include = []`` was accepted: adjusted estimators adjusted for nothing."""
    with pytest.raises(DesignError, match=r"\[covariates\] include = \[\]: needs at least one"):
        CovariateSpec(include=())


def _with_horizons(horizons: str) -> str:
    text = default_design().to_toml()
    assert "horizons = [365, 730]" in text and "\nhorizon = " not in text
    return text.replace("horizons = [365, 730]", f"horizons = {horizons}")


def test_the_policy_default_horizon_is_the_first_written_and_is_recorded() -> None:
    """Horizons are kept sorted, so ``[730, 365]`` made the policy study's "first
    horizon" (the documented default) 365, the smallest, not the 730 written first, and
    the design written beside the outputs did not say which."""
    design = StudyDesign.from_toml(_with_horizons("[730, 365]"))
    assert design.outcome.horizons == (365, 730)
    assert design.policy is not None and design.policy.horizon == 730
    assert design.policy_horizon == 730
    recorded = tomllib.loads(design.to_toml())
    assert recorded["policy"]["horizon"] == 730
    assert StudyDesign.from_toml(design.to_toml()) == design


def test_horizons_in_increasing_order_read_and_hash_as_before() -> None:
    text = _with_horizons("[365, 730]")
    design = StudyDesign.from_toml(text)
    assert design.policy_horizon == 365
    assert "horizon" not in tomllib.loads(design.to_toml())["policy"]
    assert design_sha256(design) == design_sha256(default_design())
