"""Data-generating processes of simulation studies: settings by name, data, and the truth.

Each generator exposes every setting of its simulator by name (the fields of its
configuration dataclass, plus the sample size), so a plan can vary any of them, including
settings added to the simulators later.

``spells``
    :func:`~escalation.data.simulator.exponential.simulate_spells`: analysis-ready spells
    with confounded early help, a competing event and censoring; the truth is the closed-form
    population risk (the same in every replication). Settings: ``n`` and the fields of
    :class:`~escalation.data.simulator.exponential.SpellSimulationConfig`
    (``confounding``, ``log_hazard_ratio``, ``heterogeneity``, ``followup``,
    ``authorities``, ...).
``local_authority``
    :func:`~escalation.data.simulator.simulate_local_authority` then
    :func:`~escalation.timeline.build_spells` with the default design; the truth is the
    simulator's true risks averaged over the replication's spells. Settings: ``n_children``
    and the fields of :class:`~escalation.data.simulator.SimulationConfig` (notes are off
    unless set; ``horizons`` comes from the plan).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import pandas as pd

from escalation.errors import DesignError

__all__ = ["GENERATORS", "Generated", "Generator"]


@dataclass(frozen=True, eq=False)
class Generated:
    """One simulated data set with its truth.

    Attributes
    ----------
    data : SpellData or pandas.DataFrame
        What the estimators are given.
    truth : pandas.DataFrame
        Indexed by horizon, one column per estimand.
    covariates : list of str
        Confounders to adjust for.
    """

    data: Any
    truth: pd.DataFrame
    covariates: list[str]


class Generator(Protocol):
    """What the harness needs of a data-generating process."""

    def defaults(self) -> dict[str, Any]:
        """Every setting with its default value."""
        ...  # pragma: no cover - protocol

    def check(self, settings: Mapping[str, Any], horizons: tuple[int, ...]) -> None:
        """Raise :class:`DesignError` when the settings are unknown or invalid."""
        ...  # pragma: no cover - protocol

    def draw(self, settings: Mapping[str, Any], seed: int, horizons: tuple[int, ...]) -> Generated:
        """Simulate one data set from ``seed``."""
        ...  # pragma: no cover - protocol


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _config(kind: type, size_name: str, settings: Mapping[str, Any], **forced: Any) -> Any:
    """Build the simulator's configuration from the settings (all but the size)."""
    names = [f.name for f in dataclasses.fields(kind)]
    unknown = [k for k in settings if k not in names and k != size_name]
    if unknown:
        close = difflib.get_close_matches(unknown[0], [*names, size_name], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DesignError(
            f"plan [scenarios] {unknown[0]}: not a setting of this generator{hint}; "
            f"settings are {[size_name, *names]}"
        )
    values = {k: v for k, v in settings.items() if k != size_name}
    values.update(forced)
    for f in dataclasses.fields(kind):
        if isinstance(values.get(f.name), list):
            values[f.name] = tuple(values[f.name])
    try:
        return kind(**values)
    except (ValueError, TypeError) as error:
        shown = {k: _plain(v) for k, v in settings.items() if k not in forced}
        raise DesignError(f"plan [scenarios] {shown}: {error}") from error


def _size(settings: Mapping[str, Any], name: str) -> int:
    value = settings[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 50:
        raise DesignError(f"plan [scenarios] {name} = {value!r}: must be a whole number >= 50")
    return value


class _Spells:
    """The spell-level exponential DGP with closed-form truth."""

    size = "n"

    def defaults(self) -> dict[str, Any]:
        from escalation.data.simulator.exponential import SpellSimulationConfig

        return {self.size: 1500, **dataclasses.asdict(SpellSimulationConfig())}

    def check(self, settings: Mapping[str, Any], horizons: tuple[int, ...]) -> None:
        from escalation.data.simulator.exponential import SpellSimulationConfig

        _size(settings, self.size)
        _config(SpellSimulationConfig, self.size, settings)

    def draw(self, settings: Mapping[str, Any], seed: int, horizons: tuple[int, ...]) -> Generated:
        from escalation.data.simulator.exponential import SpellSimulationConfig, simulate_spells

        config = _config(SpellSimulationConfig, self.size, settings)
        data = simulate_spells(int(settings[self.size]), seed, config=config)
        covariates = ["risk", "factor", "age"]
        if "authority" in data.columns:
            covariates.append("authority")
        return Generated(data, _spell_truth(config, tuple(horizons)), covariates)


@functools.lru_cache(maxsize=32)
def _spell_truth(config: Any, horizons: tuple[int, ...]) -> pd.DataFrame:
    from escalation.data.simulator.exponential import true_risks

    return true_risks(horizons, config=config).set_index("horizon")


class _LocalAuthority:
    """The case-history simulator, then the default design's spells."""

    size = "n_children"

    def defaults(self) -> dict[str, Any]:
        from escalation.data.simulator import SimulationConfig

        values = dataclasses.asdict(SimulationConfig(notes=False))
        values.pop("horizons")
        return {self.size: 5000, **{k: _plain(v) for k, v in values.items()}}

    def check(self, settings: Mapping[str, Any], horizons: tuple[int, ...]) -> None:
        from escalation.data.simulator import SimulationConfig

        if "horizons" in settings:
            raise DesignError("plan [scenarios] horizons: set the horizons in [estimation]")
        _size(settings, self.size)
        _config(SimulationConfig, self.size, settings, horizons=tuple(horizons))

    def draw(self, settings: Mapping[str, Any], seed: int, horizons: tuple[int, ...]) -> Generated:
        from escalation.data.simulator import SimulationConfig, simulate_local_authority
        from escalation.design.study import default_design
        from escalation.timeline.spells import build_spells

        config = _config(SimulationConfig, self.size, settings, horizons=tuple(horizons))
        simulated = simulate_local_authority(int(settings[self.size]), seed, config=config)
        data = build_spells(simulated.history, default_design())
        truth = simulated.truth.marginal_risks(data.spells).set_index("horizon")
        return Generated(data, truth.drop(columns="n"), list(data.model_covariates))


#: The data-generating processes a plan can name.
GENERATORS: Final[dict[str, Generator]] = {
    "spells": _Spells(),
    "local_authority": _LocalAuthority(),
}
