"""Human labels for the spells' covariates, their coded columns and the treatment arms.

The spells carry covariates under short names (``prior_referrals``, ``need``) and the
model matrix codes categorical ones as ``<column>_<level>`` indicators (``need_N5``,
``ethnicity_MWBC``) and assessment factors as ``factor_<code>`` flags. Tables and figures
show them to people: this module turns each name into a label from the DfE code lists
(:mod:`escalation.data.codes`) and a domain to group it under, so that Table 1, the love
plot, the hazard-ratio table and the Schoenfeld panels all read alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from escalation.data.codes import (
    ASSESSMENT_FACTORS,
    DISABILITIES,
    ETHNICITIES,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
    SEXES,
)

__all__ = [
    "ARM_LABELS",
    "DOMAINS",
    "YES_NO",
    "CovariateLabel",
    "arm_label",
    "covariate_label",
    "describe_covariate",
    "yes_no_label",
]

#: Domains covariates are grouped under, in display order.
DOMAINS: Final = ("Treatment", "Child", "History", "Referral", "Assessment factors", "Other")

#: How the two arms are named in every table and figure.
ARM_LABELS: Final = {1: "Early help", 0: "No early help"}

_VARIABLES: Final = {
    "treatment": ("Early help (within the grace period)", "Treatment"),
    "age": ("Age (years)", "Child"),
    "unborn": ("Unborn at time zero (pre-birth referral)", "Child"),
    "sex": ("Sex", "Child"),
    "ethnicity": ("Ethnicity", "Child"),
    "disability": ("Disability", "Child"),
    "imd_decile": ("Deprivation (IMD decile)", "Child"),
    "prior_referrals": ("Prior referrals", "History"),
    "prior_assessments": ("Prior assessments", "History"),
    "prior_cp_plans": ("Prior child protection plans", "History"),
    "prior_looked_after": ("Prior periods looked after", "History"),
    "days_since_first_referral": ("Days since first referral", "History"),
    "source": ("Referral source", "Referral"),
    "need": ("Primary need", "Referral"),
    "n_factors": ("Number of assessment factors", "Assessment factors"),
}
_CODES: Final[Mapping[str, Mapping[str, str]]] = {
    "sex": SEXES,
    "ethnicity": ETHNICITIES,
    "disability": DISABILITIES,
    "source": REFERRAL_SOURCES,
    "need": PRIMARY_NEEDS,
}
_SPECIAL_LEVELS: Final = {"missing": "not recorded", "other": "other (rare codes pooled)"}


@dataclass(frozen=True)
class CovariateLabel:
    """How one covariate (or one coded level of it) reads.

    Attributes
    ----------
    name : str
        The column name as given (``need_N5``).
    variable : str
        The spells' column it comes from (``need``).
    level : str or None
        The coded level (``N5``), or ``None`` for a numeric column.
    domain : str
        One of :data:`DOMAINS`.
    variable_label : str
        The variable in words ("Primary need").
    level_label : str or None
        The level in words ("Family dysfunction").
    """

    name: str
    variable: str
    level: str | None
    domain: str
    variable_label: str
    level_label: str | None

    @property
    def label(self) -> str:
        """The whole label: "Primary need: Family dysfunction" or "Age (years)"."""
        if self.level_label is None:
            return self.variable_label
        if self.variable == "factor":
            return self.level_label
        return f"{self.variable_label}: {self.level_label}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe_covariate(name: str) -> CovariateLabel:
    """Return the variable, level, domain and labels of a covariate or coded column.

    Unknown names keep their own spelling with underscores as spaces, in the domain
    "Other"; unknown codes of a known variable are shown as the code.

    Examples
    --------
    >>> describe_covariate("factor_3B").label
    'Domestic abuse: parent'
    >>> d = describe_covariate("ethnicity_MWBC")
    >>> d.domain, d.label
    ('Child', 'Ethnicity: White and Black Caribbean')
    >>> describe_covariate("need_missing").label
    'Primary need: not recorded'
    >>> describe_covariate("prior_referrals").label
    'Prior referrals'
    >>> describe_covariate("bs(prior_referrals, df=3)[1]").label  # a formula's column
    'bs(prior_referrals, df=3)[1]'
    """
    text = str(name)
    if text in _VARIABLES:
        label, domain = _VARIABLES[text]
        return CovariateLabel(text, text, None, domain, label, None)
    if text.startswith("factor_"):
        code = text.removeprefix("factor_")
        level = ASSESSMENT_FACTORS.get(code, f"Factor {code}")
        return CovariateLabel(text, "factor", code, "Assessment factors", "Factor", level)
    for variable in sorted(_VARIABLES, key=len, reverse=True):
        if text.startswith(variable + "_"):
            code = text[len(variable) + 1 :]
            label, domain = _VARIABLES[variable]
            codes = _CODES.get(variable, {})
            level = _SPECIAL_LEVELS.get(code) or _capital(codes.get(code, code))
            return CovariateLabel(text, variable, code, domain, label, level)
    if _FORMULA_TERM.search(text):  # a formula's column: code, shown as written
        return CovariateLabel(text, text, None, "Other", text, None)
    return CovariateLabel(text, text, None, "Other", _capital(text.replace("_", " ")), None)


#: A column a formula coded (``bs(age, df=3)[1]``, ``fin[T.yes]``, ``fin:prio``): its
#: name is code, which capitals and spaces for underscores would change
#: ("Bs(age, df=3)", "bs(prior referrals, df=3)").
_FORMULA_TERM: Final = re.compile(r"[()\[\]:]")


def covariate_label(name: str) -> str:
    """Return the label of a covariate or coded column (see :func:`describe_covariate`).

    Examples
    --------
    >>> covariate_label("source_2A"), covariate_label("sex_M")
    ('Referral source: Schools', 'Sex: Male')
    """
    return describe_covariate(name).label


#: How the two levels of a yes/no variable (coded 1/0 or True/False) read.
YES_NO: Final = {1: "Yes", 0: "No"}
#: The codes read as 1 and as 0 (as text, lower case): 1/0, as numbers or text, True/False.
_ONE: Final = frozenset({"1", "1.0", "true"})
_ZERO: Final = frozenset({"0", "0.0", "false"})


def arm_label(value: object) -> str:
    """Return the name of a treatment arm from 1/0, "1"/"0", "treated"/"untreated".

    Names that are already labels pass through unchanged.

    Examples
    --------
    >>> [arm_label(v) for v in (1, "0", "treated", "Early help")]
    ['Early help', 'No early help', 'Early help', 'Early help']
    """
    text = str(value).strip().lower()
    if text in _ONE | {"treated"}:
        return ARM_LABELS[1]
    if text in _ZERO | {"untreated"}:
        return ARM_LABELS[0]
    return str(value)


def yes_no_label(value: object) -> str:
    """Return "Yes" or "No" for a level of a yes/no variable coded 1/0 or True/False.

    Other values pass through unchanged, as text. The treatment's levels are the arms
    (:func:`arm_label`); any other variable coded so reads "Yes"/"No" under its name.

    Examples
    --------
    >>> [yes_no_label(v) for v in (1, "0", True, False, "F")]
    ['Yes', 'No', 'Yes', 'No', 'F']
    """
    text = str(value).strip().lower()
    if text in _ONE:
        return YES_NO[1]
    if text in _ZERO:
        return YES_NO[0]
    return str(value)
