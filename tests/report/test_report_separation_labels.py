"""Every model's separation warning is recognised, whatever its label (session 28).

``fit_cause_specific`` labelled its models "The Cox model of cause 1 (68 events)" and
``fit_fine_gray`` "The Fine–Gray model", with a capital T, where the separation pattern
(:data:`escalation.warning_kinds.SEPARATION`) read "the ...": their warnings were not
recognised as separation, so a caveat made of them was shared as raised, naming a
yes/no covariate (``disability (-19.3)``: the few disabled children had no escalation)
in the manifest, the workbook and the brief. The labels are now lower case as the
package's other models' (the cause-specific one as ``fit_cox``'s ``cause=`` labels it),
and the pattern recognises either.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from escalation import default_design
from escalation.disclosure import DEFAULT_RULES
from escalation.report.caveats import brief_caveats, caveat_from_warning
from escalation.survival import fit_cause_specific, fit_fine_gray
from escalation.warning_kinds import warning_kind


def _separated_disability() -> pd.DataFrame:
    """200 children, the 25 disabled none with an event of cause 1 (escalation)."""
    rng = np.random.default_rng(3)
    n = 200
    disability = (np.arange(n) < 25).astype(int)
    event = rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2])
    event[(disability == 1) & (event == 1)] = 0
    return pd.DataFrame(
        {
            "duration": rng.exponential(300, n).round() + 1,
            "event": event,
            "disability": disability,
            "age": rng.uniform(0, 17, n),
        }
    )


@pytest.mark.parametrize(
    ("fit", "model"),
    [
        (fit_cause_specific, "separation of the Cox model of cause 1"),
        (fit_fine_gray, "separation of the Fine–Gray model"),
    ],
)
def test_separation_of_cause_specific_and_fine_gray_models_is_redacted_where_shared(
    fit: Callable[..., object], model: str
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(_separated_disability(), ["disability", "age"], cluster=None)
    (raised,) = [w.message for w in caught if "kept growing" in str(w.message)]
    assert "disability (-" in str(raised)  # the analyst's warning keeps the detail
    assert warning_kind(str(raised)) == model  # one kind, whatever the refit's numbers
    caveat = caveat_from_warning(raised, stage="survival", design=default_design())
    shared = caveat.disclosed(DEFAULT_RULES).message
    assert "disability" not in shared, shared
    assert "[not shown] other characteristics" in shared
    (brief,) = brief_caveats([caveat], DEFAULT_RULES)
    assert "disab" not in brief.lower(), brief
    assert "not named here" in brief
