"""The care pathway: referral cycles, decisions, escalation and the index decision points.

Each child's history is a sequence of referral cycles, simulated for all children at once
(one vectorised step per cycle). A cycle is a referral with an assessment inside it and
one decision at the end of the assessment: close with no further action (RC8), close and
refer to early help (RC9), a child in need plan, a section 47 enquiry (then a child in
need plan, or a conference and a child protection plan) or care.

After every RC8/RC9 closure two clocks start: escalation (cause-specific hazard, see
:func:`escalation_lp` and :func:`draw_escalation`) and an ordinary re-referral. The
child's first RC8/RC9 closure in the index window is the *index decision point*: its
escalation time stays fixed through any ordinary re-referrals that come first (those
close with RC8/RC9 again) and is realised as re-referral -> section 47 -> conference ->
CP plan, or directly looked after, with the plan or care starting exactly on the drawn
day. Elsewhere the first of the two clocks wins and the other is redrawn at the next
closure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt

from escalation.data.simulator.config import SimulationConfig
from escalation.data.simulator.population import Population, day_of

__all__ = [
    "FACTOR_CODES",
    "GRACE_DELAY_P",
    "KINDS",
    "Features",
    "IndexSpells",
    "Pathway",
    "draw_escalation",
    "early_help_hazard_ratios",
    "escalation_lp",
    "simulate_pathway",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Episode kinds, in the contract's order (codes are positions).
KINDS: Final = (
    "referral",
    "assessment",
    "early_help",
    "cin_plan",
    "s47",
    "icpc",
    "cp_plan",
    "looked_after",
    "moved_out",
    "death",
)
_K = {k: i for i, k in enumerate(KINDS)}
#: Assessment factor codes the simulator uses; bit i of a factor mask is FACTOR_CODES[i].
FACTOR_CODES: Final = (
    "1A", "1B", "2A", "2B", "3A", "3B", "4A", "4B", "5B", "6A",
    "7A", "10A", "11A", "14A", "16A", "17A", "18B", "19B", "21", "23A",
)  # fmt: skip
_B = {c: 1 << i for i, c in enumerate(FACTOR_CODES)}
SOURCES: Final = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F",
    "4", "5A", "5B", "5C", "6", "7", "8", "9", "10",
)  # fmt: skip
_SOURCE_P: Final = (
    0.030, 0.020, 0.020, 0.010, 0.190, 0.010, 0.020, 0.025, 0.005, 0.030, 0.025, 0.045,
    0.015, 0.060, 0.025, 0.015, 0.215, 0.040, 0.060, 0.010, 0.060,
)  # fmt: skip
NEEDS: Final = ("N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9")
_NEED_OTHER_P: Final = (0.08, 0.0, 0.08, 0.05, 0.25, 0.35, 0.06, 0.01, 0.07, 0.05)
CATEGORIES: Final = ("NEG", "EMO", "PHY", "SAB", "MUL")
_CATEGORY_P: Final = (0.485, 0.355, 0.085, 0.035, 0.040)
REASONS: Final = ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9")
LEGAL: Final = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
_LEGAL_P: Final = (0.12, 0.30, 0.0, 0.02, 0.0, 0.02, 0.0, 0.04, 0.06, 0.0, 0.44, 0.0, 0.0)
#: Late early-help starts (days after closure), equally likely.
_LATE_DELAYS: Final = np.array([21, 28, 42, 56])
_RC = {r: i for i, r in enumerate(REASONS)}
_POLICE = SOURCES.index("6")
_LP_CENTRE: Final = 1.3
_PS_CENTRE: Final = 1.2
NEVER: Final = 1 << 40
#: Early help after RC9 starts ``d`` days after closure, ``P(d) = p (1 - p)**d`` (capped).
GRACE_DELAY_P: Final = 0.4


#: Number of set bits of every 10-bit number.
_BITS_SET: Final = np.array([bin(i).count("1") for i in range(1 << 10)], dtype=np.int64)


def _popcount(mask: IntArray) -> IntArray:
    """Return the number of factor bits (0 to 19) set in each mask."""
    count: IntArray = _BITS_SET[mask & 1023] + _BITS_SET[(mask >> 10) & 1023]
    return count


def choice_cdf(p: npt.ArrayLike) -> FloatArray:
    """Return the cumulative probabilities ``Generator.choice(..., p=p)`` draws from.

    ``p`` normalised as ``choice`` does (cumulative sum divided by its last value), so that
    :func:`draw_choice` with it gives ``choice``'s numbers; made once, not at every draw.
    """
    cdf: FloatArray = np.array(p, dtype=np.float64).cumsum()
    cdf /= cdf[-1]
    return cdf


def draw_choice(rng: np.random.Generator, cdf: FloatArray, size: int) -> IntArray:
    """Draw like ``rng.choice(len(p), size=size, p=p)`` with ``cdf = choice_cdf(p)``.

    The same numbers from the same uniforms (one ``rng.random(size)``), without
    ``choice``'s checks of ``p`` at every call.
    """
    out: IntArray = cdf.searchsorted(rng.random(size), side="right")
    return out


#: The factor codes the linear predictors look at, each a row of ``Features.has``.
_USED: Final = ("16A", "3B", "2B", "1B", "17A", "18B", "19B", "4B")
_USED_ROW: Final = {code: row for row, code in enumerate(_USED)}
_USED_SHIFT: Final = np.array([FACTOR_CODES.index(code) for code in _USED])[:, None]


@dataclass(frozen=True, eq=False)
class Features:
    """What is recorded at a closure (the spells' covariates), for a set of children."""

    factors: IntArray  # recorded factor mask of the assessment
    prior_referrals: IntArray
    prior_cp: IntArray
    prior_la: IntArray
    age: FloatArray
    imd: IntArray
    disability: BoolArray
    source: IntArray
    need: IntArray

    @cached_property
    def n_factors(self) -> IntArray:
        """Number of recorded factors, not counting ``21`` (no factors)."""
        return _popcount(self.factors & ~_B["21"])

    @cached_property
    def _flags(self) -> FloatArray:
        """1.0 where each factor of ``_USED`` is recorded, else 0.0 (a row per code)."""
        out: FloatArray = ((self.factors[None, :] >> _USED_SHIFT) & 1).astype(np.float64)
        return out

    def has(self, code: str) -> FloatArray:
        """Return 1.0 where factor ``code`` (one of ``_USED``) is recorded, else 0.0."""
        out: FloatArray = self._flags[_USED_ROW[code]]
        return out


def escalation_lp(x: Features) -> FloatArray:
    """Linear predictor of the escalation hazard from recorded covariates (centred)."""
    lp = (
        0.20 * x.n_factors
        + 0.35 * x.has("16A")
        + 0.25 * x.has("3B")
        + 0.30 * x.has("2B")
        + 0.20 * x.has("1B")
        + 0.20 * x.has("17A")
        + 0.40 * x.has("18B")
        + 0.50 * x.has("19B")
        + 0.80 * (x.prior_cp > 0)
        + 0.60 * (x.prior_la > 0)
        + 0.10 * np.minimum(x.prior_referrals, 6)
        - 0.05 * (x.age - 8.0)
        + 0.07 * (5.5 - x.imd)
        + 0.25 * x.disability
        + 0.25 * (x.source == _POLICE)
        + 0.20 * (x.need == 1)
    )
    out: FloatArray = lp - _LP_CENTRE
    return out


def early_help_lp(x: Features) -> FloatArray:
    """Covariate part of the log-odds of RC9 versus RC8 at a closure (centred)."""
    lp = (
        0.35 * x.n_factors
        + 0.30 * x.has("16A")
        + 0.25 * x.has("3B")
        + 0.20 * x.has("4B")
        + 0.15 * x.has("17A")
        + 0.60 * (x.prior_cp > 0)
        + 0.40 * (x.prior_la > 0)
        + 0.12 * np.minimum(x.prior_referrals, 6)
        - 0.04 * (x.age - 8.0)
        + 0.05 * (5.5 - x.imd)
        + 0.30 * x.disability
        + 0.35 * (x.need == 1)
    )
    out: FloatArray = lp - _PS_CENTRE
    return out


def early_help_hazard_ratios(x: Features, config: SimulationConfig) -> FloatArray:
    """Hazard ratio of escalation under early help for each closure with covariates ``x``.

    ``config.early_help_hazard_ratio`` for everyone unless ``config.effect_heterogeneity``
    is on; then 1 (no effect) for children with a prior child protection plan, a prior
    period of care or recorded neglect (16A), who are among the highest-risk, and
    ``config.strong_effect_hazard_ratio`` for the others whose assessment recorded
    parental mental health (4B), which does not raise the risk of escalation. Both
    modifiers are recorded covariates, so the heterogeneity can be learned from data.
    """
    hr = np.full(len(x.age), float(config.early_help_hazard_ratio))
    if not config.effect_heterogeneity:
        return hr
    none = (x.prior_cp > 0) | (x.prior_la > 0) | (x.has("16A") > 0)
    strong = ~none & (x.has("4B") > 0)
    out: FloatArray = np.where(none, 1.0, np.where(strong, config.strong_effect_hazard_ratio, hr))
    return out


def weibull_cumhaz(t: FloatArray, config: SimulationConfig) -> FloatArray:
    """Baseline cumulative hazard of escalation, ``(t / scale) ** shape`` (t in days)."""
    out: FloatArray = (np.maximum(t, 0.0) / config.escalation_scale_days) ** config.escalation_shape
    return out


def draw_escalation(
    u: FloatArray,
    rate: FloatArray,
    delay: FloatArray,
    config: SimulationConfig,
    hazard_ratio: FloatArray | None = None,
) -> FloatArray:
    """Invert the escalation cumulative hazard: continuous time (days) from closure.

    The hazard is ``rate * h0(t)`` before early help starts (``delay`` days after the
    closure; ``inf`` when it never does) and ``rate * HR * h0(t)`` from then on, with
    ``HR`` each closure's ``hazard_ratio`` (default ``config.early_help_hazard_ratio``).
    """
    target = -np.log(u) / rate
    hr = config.early_help_hazard_ratio if hazard_ratio is None else hazard_ratio
    k, scale = config.escalation_shape, config.escalation_scale_days
    at_start = weibull_cumhaz(np.where(np.isfinite(delay), delay, 0.0), config)
    at_start = np.where(np.isfinite(delay), at_start, np.inf)
    before = target < at_start
    finite_start = np.where(before, 0.0, at_start)
    base = np.where(before, target, finite_start + (target - finite_start) / hr)
    out: FloatArray = scale * base ** (1 / k)
    return out


@dataclass(frozen=True, eq=False)
class IndexSpells:
    """The index decision points (one per child at most) and their true parameters."""

    child: IntArray
    time_zero: IntArray  # day
    decision: IntArray  # 1 = RC9, 0 = RC8
    delay: FloatArray  # days from closure to the early-help start (inf: none)
    rate: FloatArray  # exp(lp) * frailty: escalation hazard multiplier
    death_rate: FloatArray  # per day
    propensity: FloatArray  # P(RC9 | covariates)
    hazard_ratio: FloatArray  # hazard ratio of escalation under early help
    escalation_day: IntArray  # drawn escalation day (may lie beyond the data)
    uniform: FloatArray  # the uniform behind the drawn escalation (common random numbers)
    features: Features


_CODE_COLUMNS: Final = ("source", "need", "factors", "true_factors", "category", "reason", "legal")


@dataclass
class _Sink:
    """Collects episode rows as arrays, concatenated once at the end."""

    parts: list[tuple[int, IntArray, IntArray, IntArray, dict[str, IntArray]]] = field(
        default_factory=list
    )

    def add(
        self, kind: str, child: IntArray, start: IntArray, end: IntArray, **codes: IntArray
    ) -> None:
        if len(child):
            self.parts.append((_K[kind], child, start, end, codes))

    def arrays(self) -> dict[str, IntArray]:
        """Return every column (codes not given are -1), the rows in the order added."""
        if not self.parts:
            return {}
        sizes = [len(child) for _, child, _, _, _ in self.parts]
        out = {
            "kind": np.repeat(np.array([part[0] for part in self.parts], np.int64), sizes),
            "child": np.concatenate([part[1] for part in self.parts]).astype(np.int64),
            "start": np.concatenate([part[2] for part in self.parts]).astype(np.int64),
            "end": np.concatenate([part[3] for part in self.parts]).astype(np.int64),
        }
        bounds = np.cumsum([0, *sizes]).tolist()
        block = np.full((len(_CODE_COLUMNS), bounds[-1]), -1, dtype=np.int64)  # one allocation
        out.update(zip(_CODE_COLUMNS, block, strict=True))
        for (_, _, _, _, codes), low, high in zip(self.parts, bounds[:-1], bounds[1:], strict=True):
            for name, values in codes.items():
                out[name][low:high] = values
        return out


@dataclass(frozen=True, eq=False)
class Pathway:
    """All episode rows (integer-coded, before truncation) and the index spells."""

    rows: dict[str, IntArray]
    index: IndexSpells


def _quantile_draw(
    u: FloatArray, probs: tuple[float, ...], values: tuple[float, ...]
) -> FloatArray:
    out: FloatArray = np.interp(u, probs, values)
    return out


def _assessment_days(rng: np.random.Generator, n: int) -> IntArray:
    """Assessment length in days: median 33, IQR 17-43 (DfE), a few long ones."""
    u = rng.random(n)
    days = _quantile_draw(
        u, (0.0, 0.05, 0.25, 0.5, 0.75, 0.9, 0.97, 1.0), (1, 5, 17, 33, 43, 55, 80, 140)
    )
    return np.maximum(np.rint(days).astype(np.int64), 1)


def _cp_days(rng: np.random.Generator, n: int) -> IntArray:
    """CP plan length: ~16% up to 3 months, ~43% 6-12 months (DfE)."""
    u = rng.random(n)
    days = _quantile_draw(u, (0.0, 0.13, 0.35, 0.79, 0.95, 1.0), (20, 91, 182, 365, 730, 1100))
    return np.rint(days).astype(np.int64)


#: The child's own assessment factors, in the order their chances are drawn.
_CHILD_CODES: Final = (
    "16A", "17A", "18B", "19B", "4A", "14A", "11A", "23A", "10A", "3A", "1A", "2A", "6A", "7A",
)  # fmt: skip
#: Chances of 4A, 14A, 11A, 23A and 10A at 11 or older, and younger.
_TEEN_P: Final = np.array([0.16, 0.08, 0.03, 0.03, 0.04])
_CHILD_P: Final = np.array([0.02, 0.005, 0.0, 0.0, 0.0])
#: Chances of 3A, 1A and 2A at 13 or older (none younger).
_OLDER_P: Final = np.array([0.04, 0.02, 0.04])


#: The bit of each code as a float, by tuple of codes (made once).
_CODE_BITS: dict[tuple[str, ...], FloatArray] = {}


def _bits(flags: BoolArray, codes: tuple[str, ...]) -> IntArray:
    """Return factor masks with the bit of ``codes[j]`` set where ``flags[:, j]``.

    Distinct bits, so their sum is their union; the sum is a float matrix product (BLAS),
    exact because every partial sum is a whole number below ``2**20``.
    """
    if codes not in _CODE_BITS:
        _CODE_BITS[codes] = np.array([_B[code] for code in codes], dtype=np.float64)
    out: IntArray = (flags @ _CODE_BITS[codes]).astype(np.int64)
    return out


def _expit(x: FloatArray) -> FloatArray:
    out: FloatArray = 1 / (1 + np.exp(-x))
    return out


@dataclass(frozen=True, eq=False)
class _ChildTerms:
    """What :func:`_draw_factors` needs of each child that never changes (by child)."""

    n_prob: IntArray  # number of family problems
    family: IntArray  # factor mask of the family problems
    p_17a: FloatArray  # chance of 17A
    p_6a: FloatArray  # chance of 6A
    carer: BoolArray  # a parent with mental health problems (7A from age 8)

    @classmethod
    def of(cls, pop: Population) -> _ChildTerms:
        """Compute the terms of every child (the same operations as child by child)."""
        problems = pop.problems
        n_prob = problems.sum(axis=1)
        return cls(
            n_prob=n_prob,
            family=_bits(problems[:, :5], ("3B", "4B", "2B", "1B", "5B")),
            p_17a=_expit(-2.2 + 0.7 * problems[:, 0] + 0.3 * n_prob),
            p_6a=np.where(pop.disability, 0.6, 0.0),
            carer=problems[:, 1],
        )


def _draw_factors(
    rng: np.random.Generator,
    pop: Population,
    who: IntArray,
    day: IntArray,
    terms: _ChildTerms | None = None,
) -> tuple[IntArray, IntArray]:
    """Draw the true and recorded factor masks of assessments of children ``who`` on ``day``.

    ``terms`` (``_ChildTerms.of(pop)``, computed once for many draws) gives the same
    masks as without.
    """
    terms = _ChildTerms.of(pop) if terms is None else terms
    n = len(who)
    age = (day - pop.birth[who]) / 365.25
    n_prob = terms.n_prob[who]
    true = terms.family[who]
    teen = age >= 11
    # The child's own factors, in the order of _CHILD_CODES (one column each).
    child_p = np.empty((n, len(_CHILD_CODES)))
    child_p[:, 0] = _expit(-2.4 + 0.5 * n_prob + 0.6 * (age < 5))  # 16A
    child_p[:, 1] = terms.p_17a[who]  # 17A
    child_p[:, 2] = 0.05  # 18B
    child_p[:, 3] = 0.03  # 19B
    child_p[:, 4:9] = np.where(teen[:, None], _TEEN_P, _CHILD_P)  # 4A, 14A, 11A, 23A, 10A
    child_p[:, 9:12] = np.where((age >= 13)[:, None], _OLDER_P, 0.0)  # 3A, 1A, 2A
    child_p[:, 12] = terms.p_6a[who]  # 6A
    child_p[:, 13] = np.where(terms.carer[who] & (age >= 8), 0.10, 0.0)  # 7A
    draws = rng.random((n, len(_CHILD_CODES)))
    true |= _bits(draws < child_p, _CHILD_CODES)
    keep = rng.random((n, len(FACTOR_CODES))) < 0.82
    keep_mask = _bits(keep, FACTOR_CODES)
    recorded = true & keep_mask
    recorded = np.where(recorded == 0, _B["21"], recorded)
    true = np.where(true == 0, _B["21"], true)
    return true, recorded


#: The values kept of each index closure, in the order of a spell block's rows.
_SPELL_VALUES: Final = (
    "child", "time_zero", "decision", "delay", "rate", "propensity", "hazard_ratio",
    "escalation_day", "uniform",
)  # fmt: skip
_FEATURES: Final = tuple(Features.__dataclass_fields__)


def _index_spells(
    spell_blocks: list[FloatArray], feature_blocks: list[FloatArray], pop: Population
) -> IndexSpells:
    """Return the index spells from the blocks kept at each cycle, ordered by child.

    Rows of the blocks are ``_SPELL_VALUES`` and ``_FEATURES``, as floats (whole numbers
    below ``2**53``, so exact), one column per index closure.
    """
    spells = np.concatenate([np.empty((len(_SPELL_VALUES), 0)), *spell_blocks], axis=1)
    covariates = np.concatenate([np.empty((len(_FEATURES), 0)), *feature_blocks], axis=1)
    child = spells[0].astype(np.int64)
    order = np.argsort(child, kind="stable")
    value = {k: row[order] for k, row in zip(_SPELL_VALUES, spells, strict=True)}
    feature = {k: row[order] for k, row in zip(_FEATURES, covariates, strict=True)}
    whole = {k: feature[k].astype(np.int64) for k in _FEATURES if k not in ("age", "disability")}
    features = Features(**whole, age=feature["age"], disability=feature["disability"].astype(bool))
    return IndexSpells(
        child=child[order],
        time_zero=value["time_zero"].astype(np.int64),
        decision=value["decision"].astype(np.int64),
        delay=value["delay"],
        rate=value["rate"],
        death_rate=pop.death_rate[child[order]],
        propensity=value["propensity"],
        hazard_ratio=value["hazard_ratio"],
        escalation_day=value["escalation_day"].astype(np.int64),
        uniform=value["uniform"],
        features=features,
    )


def simulate_pathway(
    pop: Population, config: SimulationConfig, rng: np.random.Generator
) -> Pathway:
    """Simulate every child's referral cycles; return the episode rows and index spells."""
    n = len(pop.birth)
    extract = day_of(config.extract_date)
    w_from, w_to = day_of(config.index_from), day_of(config.index_to)
    cutoff = np.minimum(np.minimum(pop.moved_out, pop.death), extract)
    stop = np.minimum(cutoff, pop.birthday18 - 30)
    sink = _Sink()
    child_terms = _ChildTerms.of(pop)
    src_cdf = choice_cdf(np.asarray(_SOURCE_P) / np.sum(_SOURCE_P))
    need_cdf = choice_cdf(np.asarray(_NEED_OTHER_P) / np.sum(_NEED_OTHER_P))
    category_cdf = choice_cdf(_CATEGORY_P)
    legal_cdf = choice_cdf(np.asarray(_LEGAL_P) / sum(_LEGAL_P))
    share_logit = np.log(config.early_help_share / (1 - config.early_help_share))
    rr_rate = config.rereferral_rate_per_year / 365.25
    gap = config.min_rereferral_gap_days

    nxt = pop.first_referral.copy()
    esc_day = np.full(n, NEVER, dtype=np.int64)  # escalation day of a pending escalation
    esc_next = np.zeros(n, dtype=bool)  # next referral is the escalation referral
    follow = np.zeros(n, dtype=bool)  # within the index follow-up (escalation pending)
    has_index = np.zeros(n, dtype=bool)
    eh_busy = np.full(n, -NEVER, dtype=np.int64)
    n_ref = np.zeros(n, dtype=np.int64)
    n_cp = np.zeros(n, dtype=np.int64)
    n_la = np.zeros(n, dtype=np.int64)
    # Each cycle's index closures: their values (_SPELL_VALUES) and covariates (_FEATURES),
    # a block of rows each (every value a float: whole numbers stay exact).
    spell_blocks: list[FloatArray] = []
    feature_blocks: list[FloatArray] = []

    def rereferral(who: IntArray, after: IntArray) -> IntArray:
        rate = rr_rate * pop.frailty[who] ** 0.5 * np.exp(0.05 * (5.5 - pop.imd[who]))
        wait = np.ceil(rng.exponential(1.0, len(who)) / rate).astype(np.int64)
        out: IntArray = after + gap + wait
        return out

    def lead_days(m: int) -> IntArray:
        return rng.integers(10, 45, size=m)

    for _cycle in range(config.max_referrals):
        ready = np.where(esc_next, (nxt <= cutoff) & (esc_day < pop.birthday18), nxt <= stop)
        active = np.flatnonzero(ready)
        if len(active) == 0:
            break
        r = nxt[active]
        m = len(active)
        source = draw_choice(rng, src_cdf, m)
        # Police refer more where there is domestic abuse.
        police = pop.problems[active, 0] & (rng.random(m) < 0.25)
        source = np.where(police, _POLICE, source)
        a_start = r + rng.integers(0, 4, size=m)
        a_end = a_start + _assessment_days(rng, m)
        true_f, rec_f = _draw_factors(rng, pop, active, a_end, child_terms)
        abuse = (rec_f & (_B["16A"] | _B["17A"] | _B["18B"] | _B["19B"] | _B["3B"])) != 0
        need = np.where(abuse & (rng.random(m) < 0.9), 1, draw_choice(rng, need_cdf, m))
        # Escalation cycles: pending escalation reached, or an ordinary re-referral in the
        # index follow-up whose assessment would run past the escalation day.
        esc = esc_next[active] | (follow[active] & (a_end >= esc_day[active]))
        e_day = esc_day[active]
        a_start = np.where(esc, np.minimum(a_start, e_day), a_start)
        a_end = np.where(esc, e_day, a_end)
        x = Features(
            factors=rec_f,
            prior_referrals=n_ref[active],
            prior_cp=n_cp[active],
            prior_la=n_la[active],
            age=(a_end - pop.birth[active]) / 365.25,
            imd=pop.imd[active],
            disability=pop.disability[active],
            source=source,
            need=need,
        )
        # ------------------------------------------------------------ decisions
        lp_d = 0.3 * x.n_factors + 0.9 * (x.prior_cp > 0) + 0.7 * (x.prior_la > 0)
        lp_d = lp_d + 0.4 * x.has("16A") + 0.5 * x.has("18B") + 0.7 * x.has("19B")
        logits = np.column_stack(
            [
                np.full(m, 0.9 + config.referral_threshold),  # close
                -0.7 + 0.1 * lp_d,  # child in need plan
                -0.8 + 0.5 * lp_d,  # s47, no plan (then CIN plan)
                -2.9 + 0.6 * lp_d,  # s47 -> conference -> CP plan
                -3.3 + 0.5 * lp_d + 0.8 * (x.age < 1),  # looked after
            ]
        )
        prob = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob /= prob.sum(axis=1, keepdims=True)
        choice = (rng.random(m)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
        choice = np.where(follow[active], 0, choice)  # in the index follow-up: close
        choice = np.where(esc, 5, choice)  # escalation cycle
        ref_end = a_end.copy()
        reason = np.full(m, -1, dtype=np.int64)
        new_next = np.full(m, NEVER, dtype=np.int64)
        new_esc_next = np.zeros(m, dtype=bool)
        new_esc_day = esc_day[active].copy()
        new_follow = follow[active].copy()

        # ---------------------------------------------------------- closures
        close = choice == 0
        ci = np.flatnonzero(close)
        t0 = a_end[ci]
        who = active[ci]
        # The closures' linear predictors, taken from those of every assessment (the same
        # numbers: sums and products of each one's own covariates).
        lp = escalation_lp(x)[ci]
        rate = np.exp(lp) * pop.frailty[who]
        ps = 1 / (1 + np.exp(-(share_logit + config.confounding * early_help_lp(x)[ci])))
        rc9 = rng.random(len(ci)) < ps
        late = rng.random(len(ci)) < config.late_early_help
        grace_delay = np.minimum(rng.geometric(GRACE_DELAY_P, len(ci)) - 1, config.grace_days)
        # rng.choice(_LATE_DELAYS, size=len(ci)), without its checks
        late_delay = _LATE_DELAYS[rng.integers(0, len(_LATE_DELAYS), size=len(ci), dtype=np.int64)]
        delay = np.where(rc9, np.where(late, late_delay, grace_delay), np.inf).astype(np.float64)
        e_u = rng.random(len(ci))
        hr = early_help_hazard_ratios(x, config)[ci]
        e_time = draw_escalation(e_u, rate, delay, config, hr)
        e_at = t0 + np.maximum(np.ceil(e_time), 1).astype(np.int64)
        e_at = np.where(np.isfinite(e_time) & (e_time < 1e6), e_at, NEVER)
        index_now = (
            ~has_index[who]
            & ~follow[who]
            & (t0 >= w_from)
            & (t0 <= w_to)
            & (t0 <= cutoff[who])
            & (t0 < pop.birthday18[who])
            & (_cycle < config.max_referrals - 1)
        )
        in_follow = follow[who]
        # Index closures and fresh closures draw a new escalation time; inside the index
        # follow-up the pending one stays.
        pend = np.where(in_follow, esc_day[who], e_at)
        rr = rereferral(who, t0)
        leads = lead_days(len(ci))
        # A pending index escalation is realised even when no ordinary referral would
        # come before it (the child nears 18 or the cycle limit).
        last_call = _cycle >= config.max_referrals - 2
        to_esc = (rr >= pend - leads) | ((in_follow | index_now) & ((rr > stop[who]) | last_call))
        esc_ref = np.maximum(t0, pend - leads)
        new_next[ci] = np.where(to_esc, esc_ref, rr)
        new_esc_next[ci] = to_esc
        new_esc_day[ci] = pend
        new_follow[ci] = in_follow | index_now
        reason[ci] = np.where(rc9, _RC["RC9"], _RC["RC8"])
        # Early help: from an RC9 closure, bounded by the next referral (the escalation
        # day for the index closure), never overlapping a running early-help episode.
        eh_start = t0 + np.where(np.isfinite(delay), delay, 0).astype(np.int64)
        eh_len = np.ceil(rng.lognormal(np.log(150), 0.5, len(ci))).astype(np.int64)
        bound = np.where(index_now, pend, new_next[ci])
        eh_ok = rc9 & (eh_start < bound) & (eh_start >= eh_busy[who])
        eh_end = np.minimum(eh_start + eh_len, bound)
        ok = np.flatnonzero(eh_ok)
        sink.add("early_help", who[ok], eh_start[ok], eh_end[ok])
        eh_busy[who[ok]] = eh_end[ok]
        has_index[who] |= index_now
        ix = np.flatnonzero(index_now)
        values = (who, t0, rc9, delay, rate, ps, hr, e_at, e_u)
        spell_blocks.append(np.stack(values, dtype=np.float64)[:, ix])
        features = [getattr(x, k) for k in _FEATURES]
        feature_blocks.append(np.stack(features, dtype=np.float64)[:, ci[ix]])

        # -------------------------------------------------- child in need plans
        cin = np.flatnonzero((choice == 1) | (choice == 2))
        cin_len = np.ceil(rng.lognormal(np.log(200), 0.6, len(cin))).astype(np.int64)
        cin_end = a_end[cin] + cin_len
        sink.add("cin_plan", active[cin], a_end[cin], cin_end)
        ref_end[cin] = cin_end
        reason[cin] = _RC["RC7"]
        s47_only = np.flatnonzero(choice == 2)
        sink.add("s47", active[s47_only], a_end[s47_only], np.full(len(s47_only), NEVER))
        # Some enquiries reach a conference that decides against a plan.
        conf_only = s47_only[rng.random(len(s47_only)) < 0.12]
        conf_day = a_end[conf_only] + rng.integers(8, 22, size=len(conf_only))
        sink.add(
            "icpc",
            active[conf_only],
            np.minimum(conf_day, ref_end[conf_only]),
            np.full(len(conf_only), NEVER),
        )

        # ------------------------------------------- s47 -> conference -> plan
        cp_direct = np.flatnonzero(choice == 3)
        s47_day = a_start[cp_direct] + rng.integers(0, 10, size=len(cp_direct))
        s47_day = np.minimum(s47_day, a_end[cp_direct])
        conf = np.maximum(s47_day + rng.integers(8, 22, size=len(cp_direct)), a_end[cp_direct])
        # ------------------------------------------------ escalation cycles
        esc_i = np.flatnonzero(choice == 5)
        esc_la = rng.random(len(esc_i)) < 0.35
        e_cp = esc_i[~esc_la]
        e_la = esc_i[esc_la]
        e_s47 = a_start[e_cp] + (a_end[e_cp] - a_start[e_cp]) // 2
        cp_i = np.concatenate([cp_direct, e_cp])
        cp_s47 = np.concatenate([s47_day, e_s47])
        cp_start = np.concatenate([conf, a_end[e_cp]])
        sink.add("s47", active[cp_i], cp_s47, np.full(len(cp_i), NEVER))
        sink.add("icpc", active[cp_i], cp_start, np.full(len(cp_i), NEVER))
        cp_end = cp_start + _cp_days(rng, len(cp_i))
        category = draw_choice(rng, category_cdf, len(cp_i))
        sink.add("cp_plan", active[cp_i], cp_start, cp_end, category=category)
        ref_end[cp_i] = cp_end
        reason[cp_i] = _RC["RC7"]

        la_direct = np.flatnonzero(choice == 4)
        la_i = np.concatenate([la_direct, e_la])
        la_start = a_end[la_i]
        la_s47 = np.flatnonzero(rng.random(len(la_i)) < 0.5)
        sink.add(
            "s47",
            active[la_i[la_s47]],
            a_start[la_i[la_s47]] + (la_start[la_s47] - a_start[la_i[la_s47]]) // 2,
            np.full(len(la_s47), NEVER),
        )
        la_end = la_start + np.ceil(rng.lognormal(np.log(420), 1.0, len(la_i))).astype(np.int64)
        legal = draw_choice(rng, legal_cdf, len(la_i))
        sink.add("looked_after", active[la_i], la_start, la_end, legal=legal)
        ref_end[la_i] = la_end
        reason[la_i] = _RC["RC7"]

        served = np.flatnonzero(choice > 0)
        new_next[served] = rereferral(active[served], ref_end[served])
        new_esc_next[served] = False
        new_esc_day[served] = NEVER
        new_follow[served] = False

        # ------------------------------------------------- referral and assessment
        sink.add(
            "referral",
            active,
            r,
            ref_end,
            source=source,
            need=need,
            reason=reason,
        )
        sink.add("assessment", active, a_start, a_end, factors=rec_f, true_factors=true_f)
        n_ref[active] += 1
        n_cp[active[cp_i]] += 1
        n_la[active[la_i]] += 1
        nxt[active] = new_next
        esc_next[active] = new_esc_next
        esc_day[active] = new_esc_day
        follow[active] = new_follow

    index = _index_spells(spell_blocks, feature_blocks, pop)
    return Pathway(rows=sink.arrays(), index=index)
