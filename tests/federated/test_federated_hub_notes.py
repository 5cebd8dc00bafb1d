"""The hub's meta-analyses and meta-regressions: what it refuses and what its notes say.

Findings of the session-23 review of the many-authorities meta-analysis
(``/work/wt/exp/s23/review_meta/FINDINGS.md``):

1. an estimand whose REML fit does not converge is noted, not fatal to the whole pool;
2. an authority listed twice in the characteristics is refused, not counted twice;
3. an authority left out of a meta-regression for want of a characteristic is noted, and
   so is a row of the characteristics whose authority was not pooled;
4. a characteristic that is not a number is refused when read, naming the table, row,
   authority, column and value (not a row of an internal, filtered table), and a
   meta-regression that does not run says which estimate's it was;
5. estimates without a standard error (no bootstrap) are told apart from missing
   estimates, in the notes of the meta-analyses and of the meta-regressions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import pytest

import escalation.federated.hub as hub
from escalation.errors import ConvergenceError, DataValidationError, DesignError
from escalation.federated.hub import pool_share_packs
from escalation.federated.meta import meta_analyse
from escalation.federated.pack import SharePack
from tests.federated.federated_support import packs

#: Five small simulated authorities (the review's): no bootstrap, so only the Cox log
#: hazard ratios have standard errors.
FIVE = (5, 2_000, 5)


def _five() -> list[SharePack]:
    return list(packs(*FIVE))


def test_an_estimand_that_does_not_converge_is_noted_and_the_rest_are_pooled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first fit (the unadjusted Cox log hazard ratio) fails; the hub goes on."""
    fit = hub.meta_analyse
    failed: list[bool] = []

    def fail_the_first_fit(*args: Any, **kwargs: Any) -> Any:
        if not failed:
            failed.append(True)
            raise ConvergenceError("Fisher scoring did not converge")
        return fit(*args, **kwargs)

    monkeypatch.setattr(hub, "meta_analyse", fail_the_first_fit)
    result = pool_share_packs(_five())
    assert (
        "cox_unadjusted log_hazard_ratio at 0 days: not pooled (Fisher scoring did not converge)."
        in result.notes
    )
    assert result.meta[["estimator", "estimand"]].to_numpy().tolist() == [
        ["cox_ps_stratified", "log_hazard_ratio"]
    ]


def test_an_authority_listed_twice_in_the_characteristics_is_refused() -> None:
    """Two years' offer rates for LA02 once entered its estimate twice (k = 6 of 5)."""
    extra = pd.DataFrame(
        {
            "authority": ["LA01", "LA02", "LA02", "LA03", "LA04", "LA05"],
            "offer": [0.3, 0.5, 0.55, 0.4, 0.6, 0.2],
        }
    )
    with pytest.raises(DataValidationError) as caught:
        pool_share_packs(_five(), characteristics=extra, moderators=["offer"])
    message = str(caught.value)
    for row in (3, 4):  # as a spreadsheet shows them: the header is row 1
        assert f"table 'characteristics', row {row}, column 'authority', value 'LA02'" in message
    assert "more than one row" in message and "LA01" not in message


def test_authorities_left_out_of_a_meta_regression_and_unknown_codes_are_noted() -> None:
    """``LA5`` is a misspelling of ``LA05``: LA05 once left the regression silently."""
    extra = pd.DataFrame(
        {"authority": ["LA01", "LA02", "LA03", "LA04", "LA5"], "offer": [0.3, 0.5, 0.4, 0.6, 0.2]}
    )
    result = pool_share_packs(_five(), characteristics=extra, moderators=["offer"])
    notes = result.notes
    assert "characteristics: LA5 is not a pooled authority (not used)." in notes
    assert "characteristics: no row for LA05; the table's characteristics are empty there." in notes
    hazard = "meta-regression of cox_ps_stratified log_hazard_ratio at 0 days on offer"
    assert f"{hazard}: left out: no value of offer: LA05." in notes
    regression = result.meta_regression
    assert set(regression.loc[regression["estimator"] == "cox_ps_stratified", "k"]) == {4}


def test_an_authority_without_a_value_is_named_in_each_regression() -> None:
    """An empty value (or one a pack withheld) leaves the authority out, with a note."""
    extra = pd.DataFrame(
        {
            "authority": ["LA01", "LA02", "LA03", "LA04", "LA05"],
            "deprivation": [5.0, None, 3.0, 7.0, 6.0],
            "offer": [0.3, 0.5, 0.4, None, 0.2],
        }
    )
    result = pool_share_packs(_five(), characteristics=extra, moderators=["offer", "deprivation"])
    hazard = "meta-regression of cox_ps_stratified log_hazard_ratio at 0 days on"
    assert f"{hazard} offer: left out: no value of offer: LA04." in result.notes
    assert f"{hazard} deprivation: left out: no value of deprivation: LA02." in result.notes
    assert (
        f"{hazard} offer + deprivation: left out: no value of offer: LA04; "
        "no value of deprivation: LA02."
    ) in result.notes
    assert not any(n.startswith("characteristics:") for n in result.notes)


def test_a_characteristic_that_is_not_a_number_is_refused_naming_the_authority() -> None:
    """LA04's '60%' (row 5 of the file) was once reported as 'row 2' of a filtered table."""
    extra = pd.DataFrame(
        {
            "authority": ["LA01", "LA02", "LA03", "LA04", "LA05"],
            "offer": ["0.3", None, "0.4", "60%", "0.2"],
            "name": ["Ashby", "Bourne", "Carlton", "Denby", "Eyam"],  # text, not a moderator
        }
    )
    with pytest.raises(DataValidationError) as caught:
        pool_share_packs(_five(), characteristics=extra, moderators=["offer"])
    (problem,) = caught.value.problems
    assert problem.describe().startswith(
        "table 'characteristics', row 5, column 'offer', value '60%': authority LA04: not a "
        "finite number"
    )


def test_a_meta_regression_that_does_not_run_names_the_estimate() -> None:
    """A constant moderator cannot be fitted: the note says whose regression it was."""
    extra = pd.DataFrame(
        {"authority": ["LA01", "LA02", "LA03", "LA04", "LA05"], "offer": [0.4] * 5}
    )
    result = pool_share_packs(_five(), characteristics=extra, moderators=["offer"])
    hazard = "meta-regression of cox_ps_stratified log_hazard_ratio at 0 days on offer"
    assert any(
        n.startswith(f"{hazard}: not run (") and "collinear or constant" in n for n in result.notes
    )


def test_meta_analyse_names_the_study_whose_moderator_is_not_a_number() -> None:
    moderators = pd.DataFrame({"offer": [0.3, 0.5, "60%", 0.2]})
    with pytest.raises(DesignError, match="moderator 'offer' of 'LA04': value '60%'"):
        meta_analyse(
            [0.1, 0.2, 0.3, 0.4],
            [0.1, 0.1, 0.1, 0.1],
            moderators=moderators,
            studies=["LA01", "LA02", "LA04", "LA05"],
        )


def test_estimates_without_a_standard_error_are_not_called_missing() -> None:
    """With bootstrap = 0 the unadjusted risk differences have no standard error."""
    notes = pool_share_packs(_five()).notes
    every = "LA01, LA02, LA03, LA04, LA05"
    target = "unadjusted risk_difference at 365 days"
    assert (
        f"{target}: fewer than two authorities with an estimate and a standard error (0 of 5); "
        f"not pooled. Left out: no standard error ([estimation] bootstrap = 0): {every}."
    ) in notes
    regression = f"meta-regression of {target} on early_help_rate"
    assert (
        f"{regression}: left out: no standard error ([estimation] bootstrap = 0): {every}." in notes
    )
    assert (
        f"{regression}: 0 authorities with an estimate, a standard error and these "
        "characteristics are too few (needs 3); not run."
    ) in notes


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [("estimate", float("nan"), "no estimate"), ("std_error", float("inf"), "no standard error")],
)
def test_an_authority_without_a_usable_estimate_is_named_and_the_others_pooled(
    column: str, value: float, reason: str
) -> None:
    """An infinite standard error once stopped the whole pool (meta_analyse refused it)."""
    five = _five()
    ratios = five[2].tables["hazard_ratios"].copy()
    ratios.loc[ratios["model"] == "ps_stratified", column] = value
    five[2] = dataclasses.replace(five[2], tables={**five[2].tables, "hazard_ratios": ratios})
    result = pool_share_packs(five)
    target = "cox_ps_stratified log_hazard_ratio at 0 days"
    assert f"{target}: pooled 4 of 5 authorities. Left out: {reason}: LA03." in result.notes
    meta = result.meta.set_index("estimator")
    assert meta.loc["cox_ps_stratified", "k"] == 4 and meta.loc["cox_unadjusted", "k"] == 5
