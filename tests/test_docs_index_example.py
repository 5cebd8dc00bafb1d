"""docs/index.md's "whole study" shows the hazard ratio it says it shows.

Its Cox line was ``fit_cox(data).tidy(exponentiate=True)  # hazard ratios``, but the
design's covariates leave the treatment out (they are the confounders), so the table had
no hazard ratio for early help. The example must name the treatment.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

import escalation as esc
from escalation.errors import StatisticalWarning

INDEX = Path(__file__).parents[1] / "docs" / "index.md"


def _whole_study_block() -> str:
    page = INDEX.read_text(encoding="utf-8")
    section = page[page.index("### The whole study") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_the_whole_study_cox_example_has_the_treatments_hazard_ratio() -> None:
    # the effect estimators are another test's (tests/test_docs_snippets.py): not run here
    code = "\n".join(
        line for line in _whole_study_block().splitlines() if "estimate_effects" not in line
    )
    *lines, last = [line for line in code.splitlines() if line.strip()]
    assert "tidy(exponentiate=True)" in last
    namespace = {"esc": esc, "history": esc.simulate_local_authority(800, seed=1).history}
    with warnings.catch_warnings():  # rare flags of a small authority: separation
        warnings.simplefilter("ignore", StatisticalWarning)
        exec("\n".join(lines), namespace)  # the page's own example
        shown = eval(last.split("#")[0], namespace)
    assert isinstance(shown, pd.DataFrame)
    assert len(shown) == 1
    assert shown["term"].iloc[0] in ("treatment", "treatment_started")
    assert 0 < shown["estimate"].iloc[0] < 10
