"""Checks of a survival model's coded covariates, shared by the models that fit them.

:func:`check_variation` finds the covariate columns that cannot be estimated (constant, or
a combination of earlier ones), warns naming them, and refuses a model left with none:
the Cox, AFT and competing-risks models ask it the same question.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.core.collinearity import redundant_columns
from escalation.errors import DesignError, StatisticalWarning

__all__ = ["check_variation"]


def check_variation(
    x: pd.DataFrame, strata: npt.NDArray[np.int64] | None, names: list[str]
) -> dict[str, str]:
    """Return the columns to drop, each with its reason (as ``Redundant.reasons``).

    A column is dropped when it has no variation (within strata) or is collinear with
    earlier columns (a combination of them; the reason names them).
    The check is :func:`escalation.core.collinearity.redundant_columns`. Like R's
    ``coxph``, a column that is a linear combination of earlier ones is dropped (its
    coefficient is not identifiable); unlike R, a warning names it.
    """
    found = redundant_columns(x.to_numpy(dtype=float), strata=strata)
    where = " within strata" if strata is not None else ""
    reasons = found.reasons(names, where=where)
    flat = [name for name, c in zip(names, found.constant, strict=True) if c]
    aliased = [
        f"{name} ({reasons[name]})" for name, a in zip(names, found.aliased, strict=True) if a
    ]
    if flat:
        warnings.warn(
            f"covariate column(s) {', '.join(flat)} do not vary{where}, so their hazard ratio "
            "cannot be estimated; they were left out (remove them from covariates to "
            "silence this)",
            StatisticalWarning,
            stacklevel=3,
        )
    if aliased:
        warnings.warn(
            f"covariate column(s) {', '.join(aliased)} are linear combinations of earlier "
            "columns, so they were left out, as R's coxph does; drop them or "
            "merge levels to silence this",
            StatisticalWarning,
            stacklevel=3,
        )
    if len(reasons) == len(names):
        raise DesignError(
            f"no covariate varies{where} ({', '.join(names)}): there is nothing to estimate; "
            "choose covariates that differ between spells"
        )
    return reasons
