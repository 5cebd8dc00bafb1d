"""The helper process: results, warnings and failures come back as if run here."""

from __future__ import annotations

import os
import warnings

import pytest

from escalation.background import submit
from escalation.errors import StatisticalWarning


def _pid() -> int:
    return os.getpid()


def _warn_and_return(value: int) -> int:
    warnings.warn("sparse level", StatisticalWarning, stacklevel=1)
    return value


def _only_here(parent: int) -> str:
    if os.getpid() != parent:
        raise RuntimeError("fails in the helper only")
    return "ran here"


def _always_fails() -> None:
    raise ValueError("no such column: 'x'")


def test_background_runs_in_another_process() -> None:
    task = submit(_pid)
    assert task.result() != os.getpid()
    assert task.ran_in_helper


def test_background_warnings_are_raised_again_here() -> None:
    task = submit(_warn_and_return, 7)
    with pytest.warns(StatisticalWarning, match="sparse level"):
        assert task.result() == 7
    assert task.ran_in_helper


def test_background_failure_in_the_helper_runs_the_function_here() -> None:
    task = submit(_only_here, os.getpid())
    assert task.result() == "ran here"
    assert not task.ran_in_helper


def test_background_errors_of_the_function_itself_are_raised_here() -> None:
    with pytest.raises(ValueError, match="no such column"):
        submit(_always_fails).result()


def test_background_helper_that_cannot_start_runs_everything_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import escalation.background as background

    def refuse(*args: object) -> None:
        raise OSError("no processes allowed")

    monkeypatch.setattr(background, "_send", refuse)
    task = submit(_pid)
    assert task.result() == os.getpid()
    assert not task.ran_in_helper
