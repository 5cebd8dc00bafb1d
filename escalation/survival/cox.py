"""Cox proportional hazards models of escalation: :func:`fit_cox`.

Efron or Breslow ties, strata, case weights and (start, stop] counting-process rows are
fitted by the package's numerical core: the risk-set engine of
:mod:`escalation.core.riskset` driven by the Newton solver of :mod:`escalation.core.newton`
(one convergence rule and one separation rule for every model of the package). Standard
errors (model-based, or cluster-robust by family), Schoenfeld residuals, the
proportional-hazards test and predicted survival come from the same risk-set sums and
match R's ``survival::coxph`` / ``cox.zph`` / ``survfit`` (see ``tests/reference/survival``).
lifelines' :class:`~lifelines.CoxPHFitter` of the same model is available as ``.backend``
(fitted on first access; it plays no part in the estimates).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import (
    AUTO,
    cause_code,
    real_number,
    spare_column,
    warn_deprecated,
    weights_column,
)
from escalation.clusters import cluster_codes as family_codes
from escalation.clusters import cluster_labels
from escalation.core import productlimit
from escalation.core.collinearity import left_out_phrase
from escalation.core.concordance import concordance_sums
from escalation.core.coxfit import fit_cox_model
from escalation.core.newton import covariance
from escalation.core.riskset import CoxData, Terms, Ties, cox_terms
from escalation.core.sandwich import cluster_sandwich, cox_robust_score_statistic
from escalation.errors import DesignError, StatisticalWarning
from escalation.results import format_number, format_p, standard_errors
from escalation.survival._checks import check_variation
from escalation.survival._inputs import (
    TREATMENT_STARTED,
    ModelTerms,
    frame_of,
    learn_coding,
    profile_labels,
    require_columns,
    resolve_outcome,
)
from escalation.survival._outcome import (
    Weights,
    counting_intervals,
    durations,
    event_codes,
    past_follow_up,
    prediction_times,
    refuse_missing_labels,
    usable_rows,
)
from escalation.survival._result import (
    SurvivalResult,
    check_conf_level,
    coefficient_table,
    ratio_table,
    reference_levels,
)
from escalation.survival._survival_interval import ConfType, check_conf_type, survival_interval
from escalation.timeline.matrix import Coding, coding_left_out, in_level_order

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["CoxResult", "Ties", "Transform", "fit_cox"]

Transform = Literal["km", "identity", "rank", "log"]
FloatArray = npt.NDArray[np.float64]

#: The other time-varying treatment column: 1 only while an episode is under way.
_UNDER_WAY = "treatment_tv"


@dataclass(frozen=True)
class _Model:
    """The sorted arrays a Cox result keeps for residuals and predictions."""

    data: CoxData
    cluster: npt.NDArray[np.int64] | None
    strata_levels: tuple[Any, ...]
    strata_columns: tuple[str, ...]
    weighted: bool


@dataclass(frozen=True)
class CoxResult(SurvivalResult):
    """A fitted Cox proportional hazards model.

    Attributes
    ----------
    coefficients : pandas.Series
        Log hazard ratios, indexed by term.
    covariance : pandas.DataFrame
        Their covariance: cluster-robust (sandwich, clusters = ``cluster``) when a
        cluster or case weights were given, else the inverse information.
    naive_covariance : pandas.DataFrame
        The inverse information (model-based) in every case.
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at zero.
    n, events, dropped : int
        Rows used, events of the modelled cause, rows left out (case weight 0; every
        other bad row raises).
    ties : {"efron", "breslow"}
        Tie handling.
    variance : {"model", "robust"}
        Which covariance :attr:`covariance` holds.
    cause : int
        The cause modelled (other causes censored).
    coding : CovariateCoding or FormulaCoding
        How covariates became columns (apply it to new profiles).
    conf_level : float
        Level of the intervals in :meth:`tidy`.
    dropped_terms : tuple of str
        Coded columns left out (no variation, or collinear), with a warning at fit, and
        covariates that code no column (a categorical whose every level was pooled into
        ``other``, warned about when the coding was learnt).
    dropped_reasons : tuple of str
        Why each of :attr:`dropped_terms` was left out: ``"no variation"`` (``"... within
        strata"``), ``"collinear with <the earlier columns it is a combination of>"`` or
        ``"every level rarer than min_count (pooled into other)"`` (a covariate that
        codes no column); :meth:`summary` shows them.
    separated : tuple of str
        Terms whose estimates are infinite (monotone likelihood, see
        :mod:`escalation.core.newton`); a :class:`StatisticalWarning` named them at fit.
    penalizer : float
        The ridge penalty given (0: none), in lifelines' parametrisation.
    inestimable : tuple of str
        Terms the partial likelihood does not depend on (the singularity rule of
        :mod:`escalation.core.newton`: e.g. a flag whose every non-zero row leaves the
        risk set before the first event); a :class:`StatisticalWarning` named them at
        fit. Their coefficients are held at 0 (no effect) for predictions, and
        :meth:`tidy` reports them ``NaN``, as R's ``coxph`` reports them ``NA``.
    """

    coefficients: pd.Series
    covariance: pd.DataFrame
    naive_covariance: pd.DataFrame
    loglik: float
    loglik_null: float
    n: int
    events: int
    dropped: int
    ties: Ties
    variance: Literal["model", "robust"]
    cause: int
    time_varying: bool
    penalizer: float
    coding: Coding
    conf_level: float
    dropped_terms: tuple[str, ...]
    separated: tuple[str, ...]
    _model: _Model = field(repr=False, compare=False)
    inestimable: tuple[str, ...] = ()
    dropped_reasons: tuple[str, ...] = ()

    @cached_property
    def backend(self) -> Any:
        """Return lifelines' ``CoxPHFitter`` of the same model (Efron ties), fitted on access.

        It is not used for the estimates; it is there for users who want lifelines'
        own tools. ``None`` for Breslow ties, which lifelines does not offer.
        """
        if self.ties != "efron":
            return None
        from lifelines import CoxPHFitter

        from escalation.survival._competing import run_lifelines

        d = self._model.data
        names = list(self.coefficients.index)
        work = pd.DataFrame(d.x + d.center, columns=names)
        # helper columns named apart from the covariates, which they must not overwrite
        stop, event, weight, entry, stratum = (
            spare_column(base, names) for base in ("_stop", "_event", "_w", "_entry", "_stratum")
        )
        work[stop] = d.stop
        work[event] = d.status.astype(int)
        work[weight] = d.weights
        if self.time_varying:
            work[entry] = d.start
        if self._model.strata_columns:
            work[stratum] = d.strata
        fitter = CoxPHFitter(
            penalizer=self.penalizer, strata=[stratum] if self._model.strata_columns else None
        )

        def fit() -> None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*weights are not integers.*")
                fitter.fit(
                    work,
                    duration_col=stop,
                    event_col=event,
                    weights_col=weight,
                    entry_col=entry if self.time_varying else None,
                    robust=self._model.weighted,
                )

        run_lifelines(fit, "The lifelines Cox model")
        return fitter

    @property
    def event(self) -> int:
        """Deprecated: the cause modelled; use :attr:`cause`."""
        warn_deprecated("CoxResult.event is the cause code; use CoxResult.cause")
        return self.cause

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return "Cox proportional hazards" + (" (time-varying)" if self.time_varying else "")

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """Return one row per term.

        Parameters
        ----------
        exponentiate : bool, default False
            Report hazard ratios (estimate and interval exponentiated; ``std_error``
            stays on the log scale).

        Returns
        -------
        pandas.DataFrame
            ``term, estimate, std_error, conf_low, conf_high, conf_level, p_value``.
            Terms in :attr:`inestimable` have ``NaN`` in every number, as R's ``coxph``
            reports them ``NA``: no hazard ratio can be estimated for them
            (``glance()`` and ``summary()`` name them).
        """
        se = standard_errors(self.covariance)
        return coefficient_table(
            list(self.coefficients.index),
            self.coefficients.to_numpy(),
            se,
            self.conf_level,
            exponentiate=exponentiate,
            inestimable=self.inestimable,
            separated=self.separated,
        )

    @property
    def _df(self) -> int:
        """Degrees of freedom of the fit: the coefficients estimated (R's non-NA ones)."""
        return len(self.coefficients) - len(self.inestimable)

    def _facts(self) -> dict[str, Any]:
        lr = 2.0 * (self.loglik - self.loglik_null)
        return {
            "n": self.n,
            "events": self.events,
            "dropped": self.dropped,
            "method": f"cox ({self.ties} ties)",
            "cause": self.cause,
            "strata": ", ".join(self._model.strata_columns) or "none",
            "variance": self.variance,
            "dropped_terms": ", ".join(self.dropped_terms) or "none",
            "separated": ", ".join(self.separated) or "none",
            "inestimable": ", ".join(self.inestimable) or "none",
            "penalizer": self.penalizer,
            "loglik": self.loglik,
            "lr_statistic": lr,
            "lr_df": self._df,
            "lr_p_value": float(stats.chi2.sf(lr, self._df)),
            **self._wald_test(),
            **self._robust_tests,
            "concordance": self._concordance(),
            # predictions are known up to every stratum's last follow-up (the smallest, as
            # rmst's glance); each stratum's own is in last_follow_up()
            "last_follow_up": min(self.last_follow_up().values()),
        }

    def _tested(self) -> npt.NDArray[np.bool_]:
        """Return which coefficients the overall tests are about: estimable and finite."""
        names = self.coefficients.index
        return ~(names.isin(self.inestimable) | names.isin(self.separated))

    def _wald_test(self) -> dict[str, Any]:
        """Return the Wald test that every coefficient is 0, with :attr:`covariance`.

        As R's ``coxph`` ``wald.test``: with a cluster (or weights) :attr:`covariance` is
        the robust variance, so the test allows for the clusters.
        """
        keep = self._tested()
        beta = self.coefficients.to_numpy()[keep]
        v = self.covariance.to_numpy()[np.ix_(keep, keep)]
        statistic = float(beta @ np.linalg.pinv(v) @ beta) if keep.any() else np.nan
        df = int(keep.sum())
        return {
            "wald_statistic": statistic,
            "wald_df": df,
            "wald_p_value": float(stats.chi2.sf(statistic, df)) if df else np.nan,
        }

    @cached_property
    def _robust_tests(self) -> dict[str, Any]:
        """Return, with a robust variance, the clusters and R's robust score test (beta = 0).

        Without a cluster (a weighted fit) each row is its own cluster, as in R.
        """
        if self.variance != "robust":
            return {}
        codes = self._model.cluster
        keep = self._tested()
        statistic = cox_robust_score_statistic(self._model.data, self.ties, codes, keep)
        df = int(keep.sum())
        return {
            **({"clusters": int(np.unique(codes).size)} if codes is not None else {}),
            "robust_score_statistic": statistic,
            "robust_score_p_value": float(stats.chi2.sf(statistic, df)) if df else np.nan,
        }

    def _summary_table(self) -> pd.DataFrame:
        return ratio_table(self.tidy(), "exp(coef)")

    def _robust_summary(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Return the summary's lines for a robust variance: clusters and the robust tests."""
        if "robust_score_statistic" not in facts:
            return {}
        df = facts["wald_df"]
        return {
            **({"clusters": facts["clusters"]} if "clusters" in facts else {}),
            "robust Wald test": (
                f"{format_number(facts['wald_statistic'])} on {df} df, "
                f"p {_p_phrase(facts['wald_p_value'])}"
            ),
            "robust score test": (
                f"{format_number(facts['robust_score_statistic'])} on {df} df, "
                f"p {_p_phrase(facts['robust_score_p_value'])}"
            ),
        }

    def _summary_facts(self) -> dict[str, Any]:
        facts = self._facts()
        df = self._df
        robust = self.variance == "robust"
        return {
            "n": facts["n"],
            "events": facts["events"],
            "dropped": facts["dropped"],
            "method": facts["method"],
            "strata": facts["strata"],
            "variance": facts["variance"],
            "reference levels": reference_levels(self.coding),
            "log-likelihood": self.loglik,
            "likelihood ratio test": (
                f"{format_number(facts['lr_statistic'])} on {df} df, "
                f"p {_p_phrase(facts['lr_p_value'])}"
                + (" (assumes independent rows)" if robust else "")
            ),
            **self._robust_summary(facts),
            "concordance": facts["concordance"],
            **({"penalizer": self.penalizer} if self.penalizer else {}),
            **(
                {"left out": left_out_phrase(self.dropped_terms, self.dropped_reasons)}
                if self.dropped_terms
                else {}
            ),
            **({"separated": facts["separated"]} if self.separated else {}),
            **(
                {"not estimable (NA)": _inestimable_phrase(self.inestimable)}
                if self.inestimable
                else {}
            ),
        }

    def check_assumptions(self) -> Any:
        """Return plain-words checks: proportional hazards, sparse events, separation.

        ``print(fit.check_assumptions())`` reads like advice; ``.tidy()`` is a frame. See
        :mod:`escalation.survival.assumptions`.

        Returns
        -------
        escalation.advice.Advice
        """
        from escalation.survival.assumptions import cox_advice

        return cox_advice(self)

    def plot(self, **options: Any) -> Any:
        """Return the hazard ratios as a forest plot, terms in words (``sex_M`` -> "Sex: Male").

        ``options`` go to :func:`escalation.figures.plot_hazard_ratios`.
        """
        from escalation.figures.results import plot_coefficients

        return plot_coefficients(self.tidy(exponentiate=True), "Hazard ratio", **options)

    def _concordance(self) -> float:
        """Harrell's C, as R's ``coxph(...)$concordance``.

        Pairs are compared within strata only, each weighted by the product of its two
        rows' case weights; a stratum with no comparable pair (one row, or no event
        before another row's end) adds nothing (:mod:`escalation.core.concordance`).
        With (start, stop] rows a case is compared with the rows at risk at its time.
        """
        d = self._model.data
        eta = d.x @ self.coefficients.to_numpy()
        weights = np.ones(len(eta)) if d.weights is None else np.asarray(d.weights, float)
        entry = d.start if np.isfinite(d.start).any() else None
        agree = pairs = 0.0
        for stratum in np.unique(d.strata):
            rows = d.strata == stratum
            a, p = concordance_sums(
                d.stop[rows],
                d.status[rows],
                eta[rows],
                weights[rows],
                None if entry is None else entry[rows],
            )
            agree, pairs = agree + a, pairs + p
        return agree / pairs if pairs > 0 else float("nan")

    def _notes(self) -> tuple[str, ...]:
        notes = [
            "Hazard ratios are associations, not effects of the covariates.",
            "Cause-specific: other events are treated as censoring.",
        ]
        if self.variance == "robust":
            notes.append(
                "Robust variance: standard errors, intervals and the Wald and score tests "
                "allow for the clusters (or the weights); the likelihood-ratio test assumes "
                "independent, unweighted rows, as R's coxph notes."
            )
        if self.separated:
            notes.append(
                f"Infinite estimates (separation): {', '.join(self.separated)}; their values "
                "are where the fit stopped and their standard errors mean nothing."
            )
        if self.inestimable:
            notes.append(
                f"Not estimable: {', '.join(self.inestimable)}. The partial likelihood does "
                "not depend on their coefficients (e.g. every spell with the covariate left "
                "follow-up before the first event), so no hazard ratio is shown (NA, as R's "
                "coxph); predictions hold them at 0 (no effect). Merge or drop them."
            )
        return tuple(notes)

    def _terms(self, gtime: npt.NDArray[np.float64] | None = None) -> Terms:
        return cox_terms(
            self._model.data,
            self.coefficients.to_numpy(),
            self.ties,
            residuals=True,
            gtime=gtime,
        )

    def _time_transform(self, transform: Transform) -> npt.NDArray[np.float64]:
        d = self._model.data
        times = d.stop
        if transform == "identity":
            return times.copy()
        if transform == "log":
            return np.log(times)
        if transform == "rank":
            return np.asarray(stats.rankdata(times), dtype=float)
        if transform == "km":
            # unweighted, unstratified Kaplan–Meier (delayed entry for counting rows),
            # evaluated just before each time: 1 - S(t-), as survival::cox.zph
            start = d.start if np.isfinite(d.start).any() else None
            counts = productlimit.count(times, d.status.astype(np.int64), start=start)
            surv = productlimit.survival(counts)
            before = productlimit.step(counts.time, surv, times, before=1.0, left=True)
            return np.asarray(1.0 - before, dtype=float)
        raise DesignError(
            f"transform must be one of {', '.join(get_args(Transform))}, got {transform!r}"
        )

    def _scaled(self, terms: Terms) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Return the scaled Schoenfeld residuals and ``cox.zph``'s ``var`` (``vmean^-1``)."""
        d = self._model.data
        p = len(self.coefficients)
        wtmat = np.zeros((p, p))
        for s in np.unique(d.strata):
            rows = d.strata == s
            x = d.x[rows]
            varies = (x != x[:1]).any(axis=0)
            used = np.where(varies, float(d.status[rows].sum()), 0.0)
            wtmat += np.minimum.outer(used, used)
        vmean = terms.information / np.where(wtmat == 0, 1.0, wtmat)
        assert terms.schoenfeld is not None
        scaled = np.linalg.solve(vmean, terms.schoenfeld.T).T
        return (
            np.asarray(scaled + self.coefficients.to_numpy(), dtype=float),
            np.asarray(np.linalg.inv(vmean), dtype=float),
        )

    def schoenfeld(self, transform: Transform = "km") -> pd.DataFrame:
        r"""Return the scaled Schoenfeld residuals, as ``survival::cox.zph``.

        Parameters
        ----------
        transform : {"km", "identity", "rank", "log"}, default "km"
            Time scale of ``transformed_time`` (R's default is ``"km"``).

        Returns
        -------
        pandas.DataFrame
            ``time, transformed_time, covariate, residual, variance``: one row per
            event and covariate. ``residual`` is ``beta_j + (V^{-1} r)_j`` (the
            coefficient plus the scaled residual), so a smooth of it against time
            estimates :math:`\beta_j(t)`; a flat line supports proportional hazards.
            ``variance`` is ``cox.zph``'s ``var[j, j]`` (the same on every row of a
            covariate), which scales the band of ``plot.cox.zph``'s smooth
            (:func:`escalation.figures.plot_schoenfeld`).
        """
        terms = self._terms()
        scaled, variance = self._scaled(terms)
        d = self._model.data
        rows = terms.event_rows
        tt = self._time_transform(transform)[rows]
        names = list(self.coefficients.index)
        return pd.DataFrame(
            {
                "time": np.tile(d.stop[rows], len(names)),
                "transformed_time": np.tile(tt, len(names)),
                "covariate": np.repeat(names, rows.size),
                "residual": scaled.T.reshape(-1),
                "variance": np.repeat(np.diag(variance), rows.size),
            }
        )

    def ph_test(self, transform: Transform = "km") -> pd.DataFrame:
        """Test proportional hazards: the score test of ``survival::cox.zph`` (R >= 3.0).

        For each term, the score test that its coefficients do not change linearly in
        ``g(t)`` (the transformed time, centred on its mean over events), holding the
        other coefficients at their estimates; and a global test of all at once. A term
        is a covariate, as in ``cox.zph(terms = TRUE)``: a categorical covariate (its
        indicators), an interaction or a spline basis is one test on as many degrees of
        freedom as it has columns; a numeric covariate is one column.

        Coefficients in :attr:`inestimable` (R's ``NA``) are left out, as ``cox.zph``
        leaves them out: the global test and a term's test use the estimable columns
        (and their degrees of freedom); a term with none has ``NaN`` and ``df`` 0, and
        ``note`` says which columns were left out and why.

        Parameters
        ----------
        transform : {"km", "identity", "rank", "log"}, default "km"
            ``g``: ``"km"`` is one minus the Kaplan–Meier estimate just before ``t``.

        Returns
        -------
        pandas.DataFrame
            ``term, statistic, df, p_value, transform, note``: one row per term (named
            as the covariate, e.g. ``sex``, or the formula's term, e.g. ``C(sex)``), then
            ``global``. ``note`` is empty unless columns were left out.

        References
        ----------
        Grambsch P, Therneau T (1994). Proportional hazards tests and diagnostics based on
        weighted residuals. *Biometrika* 81:515–526. doi:10.1093/biomet/81.3.515
        """
        tt = self._time_transform(transform)
        d = self._model.data
        gtime = tt - tt[d.status].mean()
        terms = self._terms(gtime)
        assert terms.score_g is not None and terms.info_xg is not None
        assert terms.info_gg is not None
        p = len(self.coefficients)
        full = np.block([[terms.information, terms.info_xg], [terms.info_xg.T, terms.info_gg]])
        u = np.concatenate((np.zeros(p), terms.score_g))
        names = list(self.coefficients.index)
        held = np.isin(names, self.inestimable)
        fitted = np.flatnonzero(~held)
        groups = {"": np.arange(p)} | self._term_positions()  # "": the global test
        rows = []
        for term, where in groups.items():
            tested = where[~held[where]]
            left_out = [names[j] for j in where[held[where]]]
            keep = np.concatenate((fitted, p + tested))
            statistic = (
                _score_statistic(full[np.ix_(keep, keep)], u[keep], fitted.size)
                if tested.size
                else np.nan
            )
            note = (
                f"left out (not estimable, NA in coxph): {', '.join(left_out)}" if left_out else ""
            )
            rows.append((term or "global", statistic, int(tested.size), note))
        rows = rows[1:] + rows[:1]  # the global test last
        chisq = np.array([row[1] for row in rows], dtype=float)
        df = np.array([row[2] for row in rows])
        with np.errstate(invalid="ignore"):
            p_value = np.where(df > 0, stats.chi2.sf(chisq, np.maximum(df, 1)), np.nan)
        return pd.DataFrame(
            {
                "term": [row[0] for row in rows],
                "statistic": chisq,
                "df": df,
                "p_value": p_value,
                "transform": transform,
                "note": [row[3] for row in rows],
            }
        )

    def _term_positions(self) -> dict[str, npt.NDArray[np.int64]]:
        """Return the positions of each term's coefficients (a factor's indicators together).

        Terms come from the coding (R's ``terms``); columns left out of the fit are left
        out of their term. A coding without terms gives one term per coefficient.
        """
        names = list(self.coefficients.index)
        at = {name: j for j, name in enumerate(names)}
        terms_of = getattr(self.coding, "terms", None)
        grouped = terms_of() if callable(terms_of) else {name: (name,) for name in names}
        out: dict[str, npt.NDArray[np.int64]] = {}
        for term, coded in grouped.items():
            where = [at.pop(c) for c in coded if c in at]
            if where:
                out[str(term)] = np.asarray(where, dtype=np.int64)
        for name, j in at.items():  # not in any term (should not happen): its own row
            out[name] = np.asarray([j], dtype=np.int64)
        return out

    def baseline_hazard(self) -> pd.DataFrame:
        """Return the baseline cumulative hazard (at covariates zero).

        After an Efron fit the increments are Efron-corrected, after a Breslow fit they
        are Breslow's: R's ``basehaz(fit, centered = FALSE)`` (``survfit.coxph``'s default
        ``ctype``) in both cases.

        A stratum with events has a row at each of its event times (the steps of the
        hazard; R also lists the censoring times, where the step function is flat). A
        stratum without events has a row at each of its distinct (stop) times with
        cumulative hazard 0, as R's ``basehaz`` lists it.

        Returns
        -------
        pandas.DataFrame
            ``stratum, time, cumulative_hazard``.
        """
        d = self._model.data
        fit_terms = cox_terms(d, self.coefficients.to_numpy(), self.ties)
        shift = float(np.exp(-d.center @ self.coefficients.to_numpy()))
        codes = np.asarray(fit_terms.hazard_strata, dtype=np.int64)
        times = np.asarray(fit_terms.hazard_time, dtype=float)
        hazard = np.asarray(fit_terms.hazard, dtype=float) * shift
        # strata without events have no hazard steps: R's basehaz lists their distinct
        # stop times at 0 (rows are sorted by stratum then stop)
        quiet = np.setdiff1d(np.arange(d.bounds.size - 1), codes)
        if quiet.size:
            flat = [np.unique(d.stop[d.bounds[k] : d.bounds[k + 1]]) for k in quiet]
            codes = np.concatenate([codes, np.repeat(quiet, [f.size for f in flat])])
            times = np.concatenate([times, *flat])
            hazard = np.concatenate([hazard, np.zeros(sum(f.size for f in flat))])
            order = np.lexsort((times, codes))
            codes, times, hazard = codes[order], times[order], hazard[order]
        frame = pd.DataFrame({"stratum": codes, "time": times, "hazard": hazard})
        frame["cumulative_hazard"] = frame.groupby("stratum")["hazard"].cumsum()
        frame["stratum"] = [self._model.strata_levels[i] for i in frame["stratum"]]
        return frame[["stratum", "time", "cumulative_hazard"]]

    def last_follow_up(self) -> dict[Any, float]:
        """Return each stratum's last follow-up time: the largest (stop) time it was fitted on.

        Returns
        -------
        dict
            Stratum (as in :meth:`baseline_hazard`; ``"all"`` unstratified) -> the largest
            observed time, event or censoring, of the rows the model was fitted on.
        """
        d = self._model.data
        # rows are sorted by stratum then stop: a stratum's last row holds its last time
        ends = d.stop[d.bounds[1:] - 1]
        return dict(zip(self._model.strata_levels, map(float, ends), strict=True))

    def predict_survival(
        self,
        profiles: pd.DataFrame,
        times: Sequence[float],
        *,
        conf_int: bool = False,
        conf_type: ConfType = "log",
    ) -> pd.DataFrame:
        """Return predicted survival (free of the modelled event) for covariate profiles.

        ``S(t | x) = exp{-H0(t) exp(x beta)}`` with the baseline ``H0`` of
        :meth:`baseline_hazard` (Efron-corrected after an Efron fit): R's
        ``survfit(fit, newdata)`` with its defaults. Past the last follow-up of the
        profile's stratum (:meth:`last_follow_up`) the curve is unknown and the estimate
        is NaN, as :meth:`~escalation.survival.nonparametric.CurveResult.at` gives
        (:func:`~escalation.survival._outcome.past_follow_up`; R's
        ``summary(survfit(fit, newdata), times)`` leaves those times out).

        With ``conf_int`` the standard error and interval are R's ``survfit.coxph``'s
        (Tsiatis 1981): the variance of ``H(t | x)`` is ``exp(2 x beta)`` times the
        baseline hazard's own variance (the sum over the risk-set terms of weight over
        denominator squared, Efron-corrected after an Efron fit) plus ``d' V d``, where
        ``d(t)`` is ``H0(t) x`` minus the hazard-weighted means of the covariates summed
        to ``t`` and ``V`` is :attr:`covariance` (cluster-robust when the fit is, as R
        uses ``coxph``'s ``var``).

        Parameters
        ----------
        profiles : pandas.DataFrame
            One row per profile with the model's covariates (raw columns, coded with
            :attr:`coding`) and, for a stratified model, the strata columns.
        times : sequence of float
            Times (days) at which to predict.
        conf_int : bool, default False
            Add ``std_error`` (of the survival probability: ``S`` times the standard
            error of ``H``, as R's ``summary(survfit)`` shows ``std.err``), ``conf_low``,
            ``conf_high`` and ``conf_level`` (:attr:`conf_level`).
        conf_type : {"log", "log-log", "plain"}, default "log"
            Scale of the interval (R's ``conf.type``; ``"log"`` is R's default, its
            upper limit capped at 1).

        Returns
        -------
        pandas.DataFrame
            ``profile, time, estimate`` (and with ``conf_int`` the columns above), with
            ``profile`` the index label of the row of ``profiles`` (as every
            ``predict_*``: docs/vocabulary.md).

        Raises
        ------
        DesignError
            When a stratum of a profile was not in the fitted data, an index label of
            ``profiles`` repeats, or ``conf_type`` is not one of the three.

        References
        ----------
        Tsiatis AA (1981). A large sample study of Cox's regression model. *Annals of
        Statistics* 9:93–108. doi:10.1214/aos/1176345335
        """
        if conf_int:
            check_conf_type(conf_type)
        labels = profile_labels(profiles)
        coded = self.coding.apply(profiles, table="profiles")
        x = coded[list(self.coefficients.index)].to_numpy(dtype=float)
        beta = self.coefficients.to_numpy()
        eta = x @ beta
        base = self.baseline_hazard()
        at = prediction_times(times)
        if self._model.strata_columns:
            missing = [c for c in self._model.strata_columns if c not in profiles]
            if missing:
                raise DesignError(
                    f"profiles lack the strata column(s) {', '.join(missing)}; a stratified "
                    "model predicts within a stratum"
                )
            keys = list(_strata_keys(profiles, self._model.strata_columns))
        else:
            keys = [self._model.strata_levels[0]] * len(profiles)
        last = self.last_follow_up()
        spread = self._hazard_spread() if conf_int else None
        z = float(stats.norm.ppf(0.5 + self.conf_level / 2.0))
        out = []
        for i, key in enumerate(keys):
            if key not in last:
                # The key is not shown: a value of the data (never a personal column).
                raise DesignError(f"profiles row {i}: its stratum was not in the fitted data")
            # a stratum without events has no hazard steps: S = 1 to its last follow-up
            curve = base[base["stratum"] == key]
            steps = np.concatenate(([0.0], curve["cumulative_hazard"].to_numpy()))
            cum = steps[np.searchsorted(curve["time"].to_numpy(), at, side="right")]
            estimate = np.exp(-cum * np.exp(eta[i]))
            unknown = past_follow_up(at, last[key])
            estimate[unknown] = np.nan
            frame = pd.DataFrame({"profile": labels[i], "time": at, "estimate": estimate})
            if spread is not None:
                se_h = spread(self._model.strata_levels.index(key), x[i], at)
                se_h[unknown] = np.nan
                low, high = survival_interval(estimate, se_h, z, conf_type)
                frame["std_error"] = estimate * se_h
                frame["conf_low"], frame["conf_high"] = low, high
                frame["conf_level"] = self.conf_level
            out.append(frame)
        return pd.concat(out, ignore_index=True)

    def _hazard_spread(
        self,
    ) -> Callable[[int, npt.NDArray[np.float64], npt.NDArray[np.float64]], FloatArray]:
        """Return ``f(stratum code, x, times)``: the standard error of ``H(t | x)``.

        R's ``survfit.coxph`` (``agsurv``): ``exp(2 eta) {sum dV + d' V d}`` with the
        risk-set terms of :func:`~escalation.core.riskset.cox_terms` (numpy path) on the
        centred covariates.
        """
        d = self._model.data
        beta = self.coefficients.to_numpy()
        terms = cox_terms(d, beta, self.ties, engine="numpy")
        hazard_var, hazard_xbar = terms.hazard_var, terms.hazard_xbar
        assert hazard_var is not None and hazard_xbar is not None
        held = np.isin(list(self.coefficients.index), self.inestimable)
        v = np.where(held[:, None] | held[None, :], 0.0, self.covariance.to_numpy())
        codes = np.asarray(terms.hazard_strata)

        def spread(
            code: int, x: npt.NDArray[np.float64], at: npt.NDArray[np.float64]
        ) -> FloatArray:
            rows = codes == code
            cum_h = np.cumsum(terms.hazard[rows])
            cum_v = np.cumsum(hazard_var[rows])
            cum_x = np.cumsum(hazard_xbar[rows], axis=0)
            centred = x - d.center
            dt = cum_h[:, None] * centred[None, :] - cum_x
            var = (cum_v + np.einsum("ti,ij,tj->t", dt, v, dt)) * np.exp(2.0 * centred @ beta)
            steps = np.concatenate(([0.0], var))
            picked = steps[np.searchsorted(terms.hazard_time[rows], at, side="right")]
            return np.asarray(np.sqrt(picked), dtype=float)

        return spread


def _inestimable_phrase(terms: Sequence[str]) -> str:
    """Return how many terms were not estimable and which, as R's summary counts them."""
    return f"{len(terms)} not defined because of singularities: {', '.join(terms)}"


def _p_phrase(p: float) -> str:
    text = format_p(p)
    return text.replace("<", "< ") if text.startswith("<") else f"= {text}"


def _strata_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    if len(columns) == 1:
        return frame[columns[0]]
    return frame[list(columns)].astype(str).agg(" / ".join, axis=1)


def _strata_codes(
    frame: pd.DataFrame, columns: Sequence[str]
) -> tuple[npt.NDArray[np.intp], tuple[Any, ...]]:
    """Return each row's stratum code and the strata, in the package's one level order.

    Each column's levels follow :func:`~escalation.timeline.matrix.level_order` (a
    ``Categorical``'s declared order, else sorted, numerically when every level is a
    number: ``"2"`` before ``"10"``); strata of several columns are ordered by the
    first column, then the next, as R's ``strata(a, b)``. A stratum is named as
    :func:`_strata_keys` names it (a single column's own value, else ``"a / b"``).
    Missing labels were refused before.
    """
    per_column = np.column_stack(
        [np.asarray(in_level_order(frame[c]).codes, dtype=np.int64) for c in columns]
    )
    _, codes = np.unique(per_column, axis=0, return_inverse=True)  # rows: lexicographic
    codes = codes.reshape(-1)
    keys = pd.Series(_strata_keys(frame, columns).to_numpy(dtype=object))
    first = pd.Series(np.arange(len(codes))).groupby(codes).first()  # a row of each stratum
    return codes, tuple(keys.iloc[first.to_numpy()])


def _with_time_varying_treatment(data: SpellData | pd.DataFrame, terms: ModelTerms) -> ModelTerms:
    """Put ``treatment_started`` in a SpellData's time-varying covariate list.

    On counting-process rows the baseline ``treatment`` (treated within the grace
    period) is known only at the end of the grace period; using it from time zero gives
    the treated spells immortal time. A listed ``treatment`` is therefore replaced by
    ``treatment_started`` (1 from the treatment's start on) in place, and
    ``treatment_started`` is put first when no time-varying treatment is listed (a listed
    ``treatment_tv``, 1 only while an episode is under way, is fitted as asked).
    Formulas, plain data frames and spell (not counting) fits are left as given.
    """
    from escalation.timeline.spells import SpellData

    if not (isinstance(data, SpellData) and terms.time_varying and terms.covariates is not None):
        return terms
    covariates = tuple(TREATMENT_STARTED if c == "treatment" else c for c in terms.covariates)
    covariates = tuple(dict.fromkeys(covariates))  # "treatment" and "treatment_started": once
    if TREATMENT_STARTED not in covariates and _UNDER_WAY not in covariates:
        covariates = (TREATMENT_STARTED, *covariates)
    return replace(terms, covariates=covariates)


def fit_cox(
    data: SpellData | pd.DataFrame,
    covariates: Sequence[str] | str | None = None,
    *,
    formula: str | None = None,
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    strata: str | Sequence[str] | None = None,
    weights: Weights = None,
    cluster: str | None = AUTO,
    ties: Ties = "efron",
    time_varying: bool = False,
    penalizer: float = 0.0,
    conf_level: float = 0.95,
    min_count: int = 20,
    coding: Coding | None = None,
) -> CoxResult:
    r"""Fit a (cause-specific) Cox proportional hazards model.

    Estimand: the cause-specific hazard ratio :math:`\exp(\beta_j)` of ``cause`` per unit
    of each covariate, holding the others fixed, assuming proportional hazards and
    independent censoring given the covariates. Other causes are treated as censoring,
    so the ratios describe the rate of ``cause`` among those still event-free, not its
    cumulative incidence (use Fine–Gray for that).

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells (``duration``, ``event`` and the covariates) or, with ``time_varying``,
        counting-process rows (``start``, ``stop``, ``event``). A :class:`SpellData`
        gives ``spells`` (or ``counting``) and its design's covariates.
    covariates : sequence of str or str, optional
        Covariate columns, coded by :class:`~escalation.timeline.CovariateCoding`.
        Default: ``data.model_covariates``; required for a plain DataFrame. A string
        with ``~`` is a formula. With ``time_varying`` on a SpellData, the time-varying
        treatment ``treatment_started`` (1 from the treatment's start on) is always
        fitted: put first unless it or ``treatment_tv`` (1 only while an episode is
        under way) is listed, and in place of a listed baseline ``treatment`` (which
        would give the treated spells immortal time).
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g, Treatment('b')) + bs(age, df=3) +
        strata(h) + cluster(family_id)"`` (see :mod:`escalation.formula`), instead of
        ``covariates``: its left-hand side names ``duration`` and ``event`` (or ``start,
        stop, event``: counting-process rows, ``time_varying``; ``event == k``: the cause
        ``k``), ``strata()`` and ``cluster()`` set those arguments.
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    cause : int, optional
        The cause modelled; other codes are censored. Default 1 (escalation).
    strata : str or sequence of str, optional
        Columns defining strata with their own baseline hazards.
    weights : str or array_like, optional
        Column of non-negative case weights, or the weights themselves (one per row of
        the table fitted, in its order: the spells, or the counting rows with
        ``time_varying``). Weighted fits use the robust variance. Rows
        with weight 0 are left out and counted in ``glance()["dropped"]``.
    cluster : str, None or "auto", default "auto"
        Column of clusters for the robust (sandwich) variance. ``"auto"``: the design's
        cluster for SpellData (``SpellData.cluster``: families, or authorities), none for
        a data frame. ``None`` (or no cluster) gives the model-based variance, unless
        weights are given: then each row is its own cluster.
    ties : {"efron", "breslow"}, default "efron"
        Handling of tied event times.
    time_varying : bool, default False
        Fit to (start, stop] counting-process rows: ``data.counting`` of a SpellData,
        with ``treatment_started`` (see ``covariates``). A formula's left-hand side must then
        be ``Surv(start, stop, event)``.
    penalizer : float, default 0.0
        Ridge penalty, in lifelines' parametrisation: the log partial likelihood minus
        ``penalizer * n / 2 * sum((beta_j * sd_j)**2)`` (``sd_j`` the standard deviation
        of coded column j), for Efron or Breslow ties. The fit equals lifelines'
        ``CoxPHFitter(penalizer=...)``; standard errors come from the penalised
        information. Recorded in the result and its ``glance()``.
    conf_level : float, default 0.95
        Level of the Wald intervals.
    min_count : int, default 20
        Categorical levels of ``covariates`` with fewer rows are pooled into ``other``
        (see ``CovariateCoding``).
        A formula's levels are used as written (``C(g)`` codes every level of ``g``): a
        ``StatisticalWarning`` names its categorical variables with rarer levels
        (:func:`~escalation.formula.warn_rare_levels`).
    coding : CovariateCoding or FormulaCoding, optional
        A coding learnt elsewhere, used as it is instead of ``covariates``: on a training
        cohort, or with another reference level
        (``CovariateCoding.learn(spells, ["sex"], reference={"sex": "M"})``), as
        ``fit_fine_gray``, ``fit_cause_specific`` and ``fit_propensity`` take one. Not
        with a formula (write ``C(sex, Treatment('M'))`` there).

    Returns
    -------
    CoxResult

    Raises
    ------
    DesignError
        Missing columns, no events, a covariate without variation, bad weights.
    ConvergenceError
        The partial likelihood did not converge.

    Warns
    -----
    StatisticalWarning
        A stratum with a single spell or with no events; covariates left out (no
        variation, collinear); separation (a monotone likelihood: the covariates are
        kept, their estimates are infinite and named in ``separated``, as R's
        ``coxph`` warns "coefficient may be infinite").
        A formula's categorical variable with levels rarer than ``min_count`` (used as
        written, not pooled).

    References
    ----------
    Cox DR (1972). Regression models and life-tables. *JRSS B* 34:187–220.
    doi:10.1111/j.2517-6161.1972.tb00899.x. Lin DY, Wei LJ (1989). The robust inference for
    the Cox proportional hazards model. *JASA* 84:1074–1078. doi:10.1080/01621459.1989.10478874

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> rossi = load_rossi()
    >>> fit = fit_cox(rossi, "Surv(week, arrest) ~ fin + age + prio")
    >>> fit.tidy(exponentiate=True)[["term", "estimate"]].round(3)
       term  estimate
    0   fin     0.707
    1   age     0.935
    2  prio     1.102
    >>> fit_cox(rossi, ["fin", "age", "prio"], duration="week", event="arrest").variance
    'model'
    """
    if ties not in get_args(Ties):
        raise DesignError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    conf_level = check_conf_level(conf_level)
    terms = resolve_outcome(
        "fit_cox",
        data,
        covariates,
        formula,
        (duration, event, cause),
        cluster=cluster,
        strata=strata,
        time_varying=time_varying,
        stratified=True,
        counting=True,
    )
    time_varying = terms.time_varying
    cause = 1 if terms.cause is None else cause_code(terms.cause, function="fit_cox")
    cluster = terms.cluster
    frame, default_covariates = frame_of(data, time_varying, function="fit_cox")
    table = "counting" if time_varying else "spells"
    frame, weights = weights_column(frame, weights, function="fit_cox", table=table)
    terms = _with_time_varying_treatment(data, terms)
    require_columns(frame, [*terms.time, terms.event], "time/event")
    strata_cols = terms.strata
    require_columns(frame, strata_cols, "strata")
    refuse_missing_labels(frame, strata_cols, what="stratum", table=table)
    used = usable_rows(frame, weights=weights, table=table)  # weight 0: left out, counted
    frame = used.frame
    if cluster is not None:
        require_columns(frame, [cluster], "cluster")
    with used.input_rows():  # errors name the rows of the user's table
        coding = learn_coding(
            frame,
            terms,
            default=default_covariates,
            min_count=min_count,
            coding=coding,
            # a SpellData's (start, stop] rows: rare levels counted by spell, as without
            per="spell_id" if time_varying and not isinstance(data, pd.DataFrame) else None,
        )
        names = list(coding.names)
        if not names:
            raise DesignError(
                "give at least one covariate; for curves without covariates use kaplan_meier"
            )
        x = coding.apply(frame)
        if time_varying:
            start, stop = counting_intervals(frame[terms.time[0]], frame[terms.time[1]])
        else:
            start = None
            stop = durations(frame[terms.time[0]])
        status = event_codes(frame[terms.event], table=table) == cause
    n = len(frame)
    events = int(status.sum())
    if n == 0 or events == 0:
        raise DesignError(
            f"no events of cause {cause} among {n:,} rows: there is nothing to fit; check "
            "the event code or the design's follow-up window"
        )
    w = used.weights
    if strata_cols:
        codes, level_values = _strata_codes(frame, strata_cols)
        _check_strata(codes, status, len(level_values))
        strata_codes: npt.NDArray[np.int64] | None = codes.astype(np.int64)
    else:
        strata_codes = None
        level_values = ("all",)
    constant = check_variation(x, strata_codes, names)
    if constant:
        x = x.drop(columns=list(constant))
        names = [n for n in names if n not in constant]
    left_out = {**coding_left_out(coding), **constant}  # a covariate coding no column too
    dropped_terms = list(left_out)
    real_number(penalizer, function="fit_cox", argument="penalizer")  # not text
    if not np.isfinite(penalizer) or penalizer < 0:
        raise DesignError(f"penalizer must be a number >= 0, got {penalizer!r}")
    matrix = x.to_numpy(dtype=float)
    penalty = None
    if penalizer:
        # lifelines' parametrisation: penalizer * n / 2 * sum of squared standardised betas
        penalty = penalizer * n * matrix.var(axis=0, ddof=1)
    cox_data, order = CoxData.build(
        stop, status, matrix, start=start, weights=w, strata=strata_codes
    )
    cluster_codes = None
    if cluster is not None:
        cluster_codes = family_codes(cluster_labels(frame, cluster))[order]
    elif w is not None:
        cluster_codes = np.arange(n, dtype=np.int64)
    fit = fit_cox_model(
        cox_data,
        ties,
        what=f"the Cox model of cause {cause}",
        names=names,
        penalty=penalty,
        residuals=cluster_codes is not None,
    )
    naive = fit.covariance()
    if cluster_codes is not None:
        assert fit.terms.score_residuals is not None
        scores = fit.terms.score_residuals * cox_data.weights[:, None]
        cov = cluster_sandwich(scores, naive, cluster_codes)
        variance: Literal["model", "robust"] = "robust"
    else:
        cov = naive
        variance = "model"
    return CoxResult(
        coefficients=pd.Series(fit.beta, index=names, name="estimate"),
        covariance=pd.DataFrame(cov, index=names, columns=names),
        naive_covariance=pd.DataFrame(naive, index=names, columns=names),
        loglik=fit.loglik,
        loglik_null=fit.loglik_null,
        n=n,
        events=events,
        dropped=used.dropped,
        ties=ties,
        variance=variance,
        cause=cause,
        time_varying=time_varying,
        penalizer=float(penalizer),
        coding=coding,
        conf_level=conf_level,
        dropped_terms=tuple(dropped_terms),
        separated=tuple(names[j] for j in fit.separated),
        _model=_Model(cox_data, cluster_codes, level_values, strata_cols, w is not None),
        inestimable=tuple(names[j] for j in fit.inestimable),
        dropped_reasons=tuple(left_out.values()),
    )


def _score_statistic(
    information: npt.NDArray[np.float64], u: npt.NDArray[np.float64], p: int
) -> float:
    """Return the score statistic ``u' I^-1 u`` of the entries after the first ``p``.

    The information is inverted by the singularity rule of the Newton solver
    (:func:`escalation.core.newton.covariance`): fitted coefficients with a singular
    pivot (the likelihood does not depend on them, or they ran off with a separated
    covariate) are held at their estimates, as R's ``cox.zph`` leaves out coefficients
    ``coxph`` reports ``NA``; when a tested entry is singular there is no test (NaN).
    """
    v = covariance(information)
    ok = ~np.isnan(np.diag(v))
    if not ok[p:].all():
        return float("nan")
    used = u[ok]
    return float(used @ v[np.ix_(ok, ok)] @ used)


def _check_strata(codes: npt.NDArray[np.intp], status: npt.NDArray[np.bool_], k: int) -> None:
    size = np.bincount(codes, minlength=k)
    hits = np.bincount(codes, weights=status.astype(float), minlength=k)
    if np.any(size == 1):
        warnings.warn(
            f"{int((size == 1).sum())} stratum/strata hold a single row and add nothing to the "
            "partial likelihood; merge small strata or drop the strata argument",
            StatisticalWarning,
            stacklevel=3,
        )
    elif np.any(hits == 0):
        warnings.warn(
            f"{int((hits == 0).sum())} stratum/strata have no events and add nothing to the "
            "estimates; merge them with others",
            StatisticalWarning,
            stacklevel=3,
        )
