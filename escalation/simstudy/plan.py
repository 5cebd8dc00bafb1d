"""The plan of a simulation study: scenarios × estimators × replications, read from TOML.

A plan file::

    [study]
    name = "early_help"
    generator = "spells"          # which data-generating process (see GENERATORS)
    replications = 200
    seed = 20261125               # the master seed: every replication's seed derives from it
    output = "output/early_help"  # results folder, relative to the plan file

    [scenarios]                   # settings of the generator, by name
    n = 1500                      # one value: the same in every scenario
    confounding = [0.0, 1.0]      # a list: one scenario per value (every combination)

    [estimation]
    estimators = ["unadjusted", "ipw", "gformula", "aipw"]
    horizons = [365, 730]
    bootstrap = 200               # 0: influence-function SEs (aipw only)

    [compute]                     # optional: where the replications run
    workers = 2                   # or scheduler = "tcp://host:8786"

A setting whose value is itself a list (e.g. ``family_size_probabilities``) is varied by
giving a list of lists.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from escalation.compute import compute_problem
from escalation.design.options import ESTIMATORS, bootstrap_problem
from escalation.errors import DesignError

__all__ = ["ESTIMANDS", "Scenario", "SimulationPlan", "read_plan"]

#: Estimands a study can evaluate (those with a known truth).
ESTIMANDS: Final = ("risk_treated", "risk_untreated", "risk_difference", "risk_ratio")
_SECTIONS: Final = ("study", "scenarios", "estimation", "compute")


def _fail(section: str, key: str, value: object, problem: str) -> DesignError:
    return DesignError(f"plan [{section}] {key} = {value!r}: {problem}")


def _hint(value: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _whole(section: str, key: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(section, key, value, f"must be a whole number >= {minimum}")
    return value


def _names(section: str, key: str, value: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise _fail(section, key, value, 'must be a non-empty list, e.g. ["a", "b"]')
    for item in value:
        if item not in allowed:
            hint = _hint(str(item), list(allowed))
            raise _fail(section, key, value, f"unknown {item!r}{hint}; allowed: {list(allowed)}")
    if len(set(value)) != len(value):
        raise _fail(section, key, value, "lists a value more than once")
    return tuple(value)


def _columns(section: str, key: str, value: object) -> None:
    """Refuse anything but a non-empty list of distinct column names."""
    if (
        isinstance(value, str)
        or not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise _fail(
            section,
            key,
            value,
            'must be a non-empty list of column names, e.g. ["risk", "age"] (leave it out '
            "for the generator's confounders)",
        )
    if len(set(value)) != len(value):
        raise _fail(section, key, value, "lists a column more than once")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Scenario:
    """One combination of generator settings.

    Attributes
    ----------
    number : int
        Position in the plan's grid (1, 2, ...), for tables and figures.
    scenario_id : str
        Stable identifier: a hash of the generator and every setting, so a scenario keeps
        its identifier (and its replications their seeds) when the grid grows.
    settings : dict
        Every setting of the generator in this scenario (fixed and varied).
    """

    number: int
    scenario_id: str
    settings: dict[str, Any]

    @property
    def key(self) -> int:
        """The identifier as an integer (a spawn key of the replications' seeds)."""
        return int(self.scenario_id, 16)


@dataclass(frozen=True)
class SimulationPlan:
    """A validated simulation-study plan (see the module docstring for the TOML form).

    Parameters
    ----------
    generator : str
        ``"spells"`` (:func:`~escalation.data.simulator.exponential.simulate_spells`) or
        ``"local_authority"``
        (:func:`~escalation.data.simulator.simulate_local_authority`, then the default
        design's spells).
    replications : int
        Replications per scenario.
    seed : int
        Master seed.
    varied : dict
        Settings varied across scenarios: name -> values (every combination is run).
    fixed : dict
        Settings the same in every scenario.
    estimators : tuple of str
        Effect estimators (:func:`~escalation.causal.estimate_effects`).
    horizons : tuple of int
        Days after time zero.
    bootstrap : int, default 200
        Bootstrap replicates per replication (0: the influence-function SE of ``aipw``;
        else at least 2).
        A Wald interval whose SE comes from ``B`` replicates covers like a t interval with
        ``B - 1`` degrees of freedom: 94.4% for a nominal 95% at ``B = 50``, 94.9% at 200,
        which is why the default is the design's 200.
    covariates : tuple of str, optional
        Confounders adjusted for (default: the generator's).
    estimands : tuple of str
        Estimands evaluated.
    conf_level : float
        Level of the confidence intervals (power uses ``alpha = 1 - conf_level``).
    name : str
        A name for reports.
    output : str, optional
        Results folder (relative paths are relative to the plan file).
    workers, scheduler : optional
        The ``[compute]`` section: local worker processes (-1: every core) or a Dask
        scheduler address, not both (:func:`escalation.compute.compute_problem`).
    """

    generator: str
    replications: int
    seed: int
    varied: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    estimators: tuple[str, ...] = ("unadjusted", "ipw", "gformula", "aipw")
    horizons: tuple[int, ...] = (365, 730)
    bootstrap: int = 200
    covariates: tuple[str, ...] | None = None
    estimands: tuple[str, ...] = ESTIMANDS
    conf_level: float = 0.95
    name: str = "simulation study"
    output: str | None = None
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        from escalation.simstudy.generators import GENERATORS

        if self.generator not in GENERATORS:
            hint = _hint(str(self.generator), list(GENERATORS))
            raise _fail(
                "study", "generator", self.generator, f"unknown{hint}; use {list(GENERATORS)}"
            )
        _whole("study", "replications", self.replications, 1)
        _whole("study", "seed", self.seed, 0)
        for key in ("name", "output"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise _fail("study", key, value, "must be text (in quotes)")
        _names("estimation", "estimators", self.estimators, ESTIMATORS)
        _names("estimation", "estimands", self.estimands, ESTIMANDS)
        if (
            not isinstance(self.horizons, list | tuple)
            or not self.horizons
            or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in self.horizons)
        ):
            raise _fail("estimation", "horizons", self.horizons, "must be a list of days >= 1")
        if self.covariates is not None:
            _columns("estimation", "covariates", self.covariates)
        problem = bootstrap_problem(self.bootstrap)
        if problem is not None:
            raise _fail("estimation", "bootstrap", self.bootstrap, problem)
        if (
            isinstance(self.conf_level, bool)
            or not isinstance(self.conf_level, int | float)
            or not 0 < self.conf_level < 1
        ):
            raise _fail("estimation", "conf_level", self.conf_level, "must be a number in (0, 1)")
        for name, values in self.varied.items():
            if not values:
                raise _fail("scenarios", name, [], "an empty list gives no scenario")
        overlap = set(self.varied) & set(self.fixed)
        if overlap:
            name = sorted(overlap)[0]
            raise DesignError(f"plan [scenarios] {name}: is both fixed and varied; give it once")
        generator = GENERATORS[self.generator]
        for scenario in self.scenarios():
            generator.check(scenario.settings, self.horizons)
        refused = compute_problem(self.workers, self.scheduler)
        if refused is not None:
            key, text = refused
            raise _fail("compute", key, getattr(self, key), text)

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> SimulationPlan:
        """Build a plan from TOML-shaped sections (see the module docstring)."""
        unknown = [s for s in mapping if s not in _SECTIONS]
        if unknown:
            hint = _hint(str(unknown[0]), list(_SECTIONS))
            raise DesignError(f"plan: unknown section [{unknown[0]}]{hint}; use {list(_SECTIONS)}")
        for section, value in mapping.items():
            if not isinstance(value, Mapping):
                raise DesignError(
                    f"plan: {section} = {value!r} must be a section, [{section}], with its "
                    "keys beneath it"
                )
        study = dict(mapping.get("study", {}))
        estimation = dict(mapping.get("estimation", {}))
        compute = dict(mapping.get("compute", {}))
        keys = {
            "study": ("name", "generator", "replications", "seed", "output"),
            "estimation": (
                "estimators",
                "horizons",
                "bootstrap",
                "covariates",
                "estimands",
                "conf_level",
            ),
            "compute": ("workers", "scheduler"),
        }
        for section, values in (("study", study), ("estimation", estimation), ("compute", compute)):
            for key in values:
                if key not in keys[section]:
                    hint = _hint(str(key), list(keys[section]))
                    raise DesignError(
                        f"plan [{section}]: unknown key {key!r}{hint}; keys are "
                        f"{list(keys[section])}"
                    )
        for key in ("generator", "replications", "seed"):
            if key not in study:
                raise DesignError(f"plan [study]: {key} is missing")
        varied: dict[str, tuple[Any, ...]] = {}
        fixed: dict[str, Any] = {}
        for name, value in dict(mapping.get("scenarios", {})).items():
            if isinstance(value, list):
                varied[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            else:
                fixed[name] = value
        kwargs: dict[str, Any] = {**study, "varied": varied, "fixed": fixed, **compute}
        for key, value in estimation.items():
            kwargs[key] = tuple(value) if isinstance(value, list) else value
        return cls(**kwargs)

    @classmethod
    def from_toml(cls, text: str) -> SimulationPlan:
        """Build a plan from the text of a TOML plan file."""
        try:
            mapping = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise DesignError(f"plan file is not valid TOML: {error}") from error
        return cls.from_dict(mapping)

    # ------------------------------------------------------------------ scenarios
    def scenarios(self) -> list[Scenario]:
        """Return every scenario: each combination of the varied settings, in plan order."""
        from escalation.simstudy.generators import GENERATORS

        defaults = GENERATORS[self.generator].defaults()
        names = list(self.varied)
        out = []
        for number, values in enumerate(itertools.product(*self.varied.values()), start=1):
            settings = {**defaults, **self.fixed, **dict(zip(names, values, strict=True))}
            digest = hashlib.sha256(
                _canonical({"generator": self.generator, "settings": settings}).encode()
            ).hexdigest()
            out.append(Scenario(number, digest[:8], settings))
        return out

    def fingerprint(self) -> str:
        """Hash of everything that changes a replication's results.

        Replications, output folder and compute settings are left out: a run may be resumed
        with more replications or more workers, never with other settings.
        """
        content = {
            "generator": self.generator,
            "seed": self.seed,
            "varied": {k: list(v) for k, v in self.varied.items()},
            "fixed": self.fixed,
            "estimators": list(self.estimators),
            "horizons": list(self.horizons),
            "bootstrap": self.bootstrap,
            "covariates": None if self.covariates is None else list(self.covariates),
            "estimands": list(self.estimands),
            "conf_level": self.conf_level,
        }
        return hashlib.sha256(_canonical(content).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as TOML-shaped sections."""
        study: dict[str, Any] = {
            "name": self.name,
            "generator": self.generator,
            "replications": self.replications,
            "seed": self.seed,
        }
        if self.output is not None:
            study["output"] = self.output
        scenarios: dict[str, Any] = dict(self.fixed)
        scenarios.update(
            {k: [list(x) if isinstance(x, tuple) else x for x in v] for k, v in self.varied.items()}
        )
        estimation: dict[str, Any] = {
            "estimators": list(self.estimators),
            "horizons": list(self.horizons),
            "bootstrap": self.bootstrap,
            "estimands": list(self.estimands),
            "conf_level": self.conf_level,
        }
        if self.covariates is not None:
            estimation["covariates"] = list(self.covariates)
        compute = {k: v for k, v in (("workers", self.workers), ("scheduler", self.scheduler)) if v}
        return {
            "study": study,
            "scenarios": scenarios,
            "estimation": estimation,
            "compute": compute,
        }


def read_plan(path: str | Path) -> SimulationPlan:
    """Read and validate a simulation-study plan file.

    A relative ``[study] output`` is made relative to the plan file's folder.

    Raises
    ------
    DesignError
        When the file is not valid TOML or the plan is invalid.
    FileNotFoundError
        When the file does not exist.
    """
    file = Path(path)
    try:
        plan = SimulationPlan.from_toml(file.read_text(encoding="utf-8"))
    except DesignError as error:
        raise DesignError(f"{file.name}: {error}") from error
    if plan.output is not None and not Path(plan.output).is_absolute():
        from dataclasses import replace

        plan = replace(plan, output=str(file.parent / plan.output))
    return plan
