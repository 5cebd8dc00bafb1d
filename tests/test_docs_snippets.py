"""Every ```python block of README.md and docs/*.md runs, in order, page by page.

Each page runs in a fresh namespace in its own working folder holding a small synthetic
local authority (``data/`` and ``my-la/``, the statutory returns of 200 of its children:
CIN census files, Annex A workbooks and an SSDA903 return, ``design.toml`` pointing at
``data/``, and ``national/``, the same children in two partitions, with its build
``built/``), so an example that uses a name it never defined fails here with ``NameError``.
Every page with a python block runs; none is skipped. Sizes are capped so that the whole
file takes seconds: simulations at 800 children (one simulation, shared by every page),
bootstraps at 3 replicates, tree models and causal forests at 20 trees, cross-fitting at 2
folds, figures at 72 dpi, ``use_compute`` in this process, and ``run_study`` runs its
first stages with its figures drawn in this process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib
import pytest

import escalation
from escalation.data.simulator import SimulatedLocalAuthority
from escalation.design.study import DataSpec

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
CHILDREN = 800
#: Children of the statutory returns (CIN census, Annex A, SSDA903) the statutory page reads.
STATUTORY_CHILDREN = 200


def blocks(page: Path) -> list[str]:
    """Return the page's python blocks, in order."""
    return BLOCK.findall(page.read_text(encoding="utf-8"))


@functools.cache
def _authority() -> SimulatedLocalAuthority:
    return escalation.simulate_local_authority(CHILDREN, seed=1)


def _capped(func: Callable[..., Any], **caps: Any) -> Callable[..., Any]:
    """Wrap ``func`` so that keyword arguments never exceed the caps (small and fast)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for key, cap in caps.items():
            if callable(cap):
                kwargs[key] = cap(kwargs.get(key))
            elif kwargs.get(key) is None or kwargs[key] > cap:
                kwargs[key] = cap
        return func(*args, **kwargs)

    return wrapper


def _small_simulation(n_children: int = CHILDREN, *args: Any, **kwargs: Any) -> Any:
    if n_children == CHILDREN and not args and kwargs.get("seed", 1) == 1 and len(kwargs) <= 1:
        return _authority()
    return _SIMULATE(min(int(n_children), CHILDREN), *args, **kwargs)


_SIMULATE = escalation.simulate_local_authority
_TREES = {
    "gradient_boosting": {"n_estimators": 20},
    "random_forest": {"n_estimators": 20, "min_samples_leaf": 20},
}


def _run_study_first_stages(run_study: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run_study)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("stages", ("describe", "brief"))
        kwargs.setdefault("progress", False)
        kwargs.setdefault("background_figures", False)  # no process to start
        return run_study(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def small(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Patch the entry points the docs call with big sizes."""
    import escalation.causal as causal
    import escalation.compute as compute
    import escalation.data.simulator as simulator
    import escalation.pipeline as pipeline
    import escalation.policy.study as policy_study
    import escalation.predict as predict
    import escalation.predict.validate as validate

    monkeypatch.setattr(escalation, "simulate_local_authority", _small_simulation)
    monkeypatch.setattr(simulator, "simulate_local_authority", _small_simulation)
    effects = _capped(causal.estimate_effects, bootstrap=3, n_jobs=1, progress=lambda _: False)
    monkeypatch.setattr(causal, "estimate_effects", effects)
    risk = _capped(
        validate.validate_risk_models,
        bootstrap=3,
        n_jobs=1,
        model_options=lambda given: {**_TREES, **(given or {})},
    )
    monkeypatch.setattr(validate, "validate_risk_models", risk)
    monkeypatch.setattr(predict, "validate_risk_models", risk)
    monkeypatch.setattr(pipeline, "run_study", _run_study_first_stages(pipeline.run_study))
    rules = _capped(policy_study.learn_rules, folds=2, forest_trees=20)
    monkeypatch.setattr(policy_study, "learn_rules", rules)
    # figures at screen resolution (the formats and sizes are those asked for)
    import escalation.figures as figures
    import escalation.figures.save as save
    import escalation.report.brief as brief

    saver = _capped(save.save_figure, dpi=72)
    for module in (figures, save):
        monkeypatch.setattr(module, "save_figure", saver)
    # a study draws each figure once and writes its files with write_figure
    monkeypatch.setattr(pipeline, "write_figure", _capped(save.write_figure, dpi=72))
    monkeypatch.setattr(brief, "figure_data_uri", _capped(brief.figure_data_uri, dpi=72))
    # in this process: a local Dask cluster takes seconds to start (tests/compute runs one)
    monkeypatch.setattr(compute, "use_compute", _capped(compute.use_compute, workers=1))
    yield


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with the files the docs read."""
    from escalation.data.statutory import write_annex_a, write_cin_census, write_ssda903

    root = tmp_path_factory.mktemp("docs")
    history = _authority().history
    for name in ("data", "my-la"):
        escalation.write_case_history(history, root / name)
    returns = history.subset(history.children["child_id"].iloc[:STATUTORY_CHILDREN])
    for year in (2022, 2023, 2024):
        write_cin_census(returns, root / f"cin_{year}.xml", year=year)
        since, until = f"{year - 1}-04-01", f"{year}-03-31"
        write_annex_a(returns, root / f"annex_a_{year}.xlsx", since=since, until=until)
    write_ssda903(returns, root / "ssda903_2024", years=[2024])
    design = dataclasses.replace(
        escalation.default_design(), data=DataSpec(path="data/", extract_date="2024-03-31")
    )
    (root / "design.toml").write_text(design.to_toml(), encoding="utf-8")
    # a national folder of two partitions and its build (scaling.md reads built/)
    from escalation.cli import main
    from escalation.data.dataset import write_case_history_dataset

    write_case_history_dataset(history, root / "national", buckets=2)
    built = ["build", str(root / "design.toml"), "--data", str(root / "national")]
    assert main([*built, "--out", str(root / "built"), "--quiet"]) == 0
    return root


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")  # small data
@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.name)
def test_docs_snippets_run(
    page: Path, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = blocks(page)
    matplotlib.use("Agg")
    for item in folder.iterdir():
        (tmp_path / item.name).symlink_to(item)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    with small(monkeypatch):
        for number, source in enumerate(code, 1):
            try:
                exec(compile(source, f"{page.name} block {number}", "exec"), namespace)
            except Exception as error:
                raise AssertionError(
                    f"{page.name}, python block {number} failed: {type(error).__name__}: {error}"
                ) from error


def test_docs_link_only_to_files_in_the_repository() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "shared/spec" not in text, f"{page.name} points at a spec outside the repository"
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
PYTHON_LOOK = re.compile(r"^(>>> |import \w|from [\w.]+ import |\w+ = \w[\w.]*\()", re.M)


def test_python_examples_are_marked_python() -> None:
    # a block the runner does not see (```py, ```pycon, or no language) is never run
    for page in PAGES:
        for language, body in FENCE.findall(page.read_text(encoding="utf-8")):
            if language != "python":
                assert not PYTHON_LOOK.search(body), (
                    f"{page.name}: a ```{language} block holds python; mark it ```python"
                )


def test_snippet_runner_catches_an_undefined_name(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 1\n```\ntext\n```python\nprint(x + undefined)\n```\n")
    namespace: dict[str, Any] = {}
    first, second = blocks(page)
    exec(first, namespace)
    with pytest.raises(NameError, match="undefined"):
        exec(second, namespace)


os.environ.setdefault("MPLBACKEND", "Agg")


def test_competing_risks_example_has_competing_events() -> None:
    # The review: 3,000 children gave spells without a death, so Fine–Gray and the
    # cause-specific model agreed to 5 decimals, and `need` was separated. Run at full size.
    import warnings

    from escalation.errors import StatisticalWarning

    namespace: dict[str, Any] = {"__name__": "docs_competing_full"}
    first, _, _, fine_gray = blocks(ROOT / "docs" / "competing.md")[:4]
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)
        exec(compile(first, "competing.md block 1", "exec"), namespace)
        exec(compile(fine_gray, "competing.md block 4", "exec"), namespace)
    glance = namespace["fg"].glance().iloc[0]
    assert glance["competing"] >= 100 and not namespace["fg"].separated
