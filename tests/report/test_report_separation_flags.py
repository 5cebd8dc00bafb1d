"""Shared separation caveats do not name a yes/no covariate (session 28).

Found in a run on a 400-child simulated authority (seed 28): the manifest's caveats
said "the Cox model of escalation: ... the coefficient(s) of disability (-20.6) ... kept
growing", i.e. that the few disabled children (a count the tables suppress) had no
escalation at all. A yes/no covariate is a group as a level is, and naming it names the
level; so is ``treatment`` (its separation says that one arm had none of the events).
What is shared (the manifest's record, the workbook's README, the brief) names neither
nor their coefficients; a numeric covariate (age) is still named; the terminal keeps the
warning as raised.
"""

from __future__ import annotations

import pytest

from escalation.disclosure import DEFAULT_RULES
from escalation.report.caveats import Caveat, brief_caveats


def _caveat(terms: str) -> Caveat:
    return Caveat(
        "effects",
        "[covariates] include",
        "the Cox model of escalation: the log-likelihood stopped changing while the "
        f"coefficient(s) of {terms} kept growing, so the likelihood is monotone in them and "
        "their estimates are infinite",
        "remove the covariates named, or merge their rare levels.",
        count=1,
        refits=0,
    )


@pytest.mark.parametrize("flag", ["disability", "treatment", "unborn"])
def test_shared_separation_caveats_name_no_yes_no_covariate(flag: str) -> None:
    from escalation import default_design
    from escalation.pipeline import _workbook_readme

    caveat = _caveat(f"{flag} (-20.6), age (+3.1), ethnicity_MWBC (-15.0)")
    shared = caveat.disclosed(DEFAULT_RULES).to_dict()["message"]
    assert flag not in shared and "20.6" not in shared
    assert "age (+3.1)" in shared  # a number of every child: named
    assert "levels of ethnicity" in shared and "MWBC" not in shared
    readme = " ".join(
        _workbook_readme(default_design(), None, DEFAULT_RULES, "abc", caveats=[caveat]).values()
    )
    assert f"{flag} (" not in readme
    brief = " ".join(brief_caveats([caveat], DEFAULT_RULES, replicates=20)).lower()
    label = {"disability": "disability", "treatment": "early help", "unborn": "unborn"}[flag]
    assert label not in brief, brief
    assert "age" in brief and "not named here" in brief
