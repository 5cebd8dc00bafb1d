"""The optional [analysis] section: several local authorities."""

from __future__ import annotations

import hashlib

import pytest

from escalation.design import AnalysisSpec, StudyDesign, default_design
from escalation.errors import DesignError

#: SHA-256 of the default design's TOML before [analysis] existed (main, 2024): designs
#: that leave the section at its defaults must keep their text, so their hash.
_DEFAULT_TEXT_HAS_NO_ANALYSIS = "[analysis]"


def test_defaults_are_not_written_so_existing_designs_keep_their_hash() -> None:
    design = default_design()
    assert design.analysis == AnalysisSpec()
    assert _DEFAULT_TEXT_HAS_NO_ANALYSIS not in design.to_toml()
    same = StudyDesign.from_toml(design.to_toml() + '\n[analysis]\nauthority = "stratify"\n')
    assert (
        hashlib.sha256(same.to_toml().encode()).hexdigest()
        == hashlib.sha256(design.to_toml().encode()).hexdigest()
    )


def test_the_section_round_trips() -> None:
    text = default_design().to_toml() + '\n[analysis]\nauthority = "cluster"\ninterval_days = 14\n'
    design = StudyDesign.from_toml(text)
    assert design.analysis == AnalysisSpec(authority="cluster", interval_days=14)
    assert StudyDesign.from_toml(design.to_toml()) == design


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('authority = "stratified"', "did you mean 'stratify'"),
        ("interval_days = 0", "at least 1"),
        ("authorities = 3", "unknown key 'authorities'"),
    ],
)
def test_bad_values_are_named(body: str, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        StudyDesign.from_toml(default_design().to_toml() + f"\n[analysis]\n{body}\n")


def test_la_is_not_a_covariate() -> None:
    text = default_design().to_toml().replace('include = ["age"', 'include = ["la", "age"')
    with pytest.raises(DesignError, match="'la' is neither a built-in covariate"):
        StudyDesign.from_toml(text)
