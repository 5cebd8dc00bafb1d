"""The console that progress and stage messages are shown on: standard error, plainly."""

from __future__ import annotations

from typing import Any

__all__ = ["stderr_console"]


def stderr_console() -> Any:
    """Return a ``rich`` console on standard error whose log lines name no source file.

    ``Console.log`` ends each line with the place in escalation's code that logged it
    (``pipeline.py:349``): nothing an analyst can use, and 15 columns of every line, so that
    a stage's message wrapped in a narrow column. The time stays at the start of each line.
    One console rule for the study's stages, the demo and the compute engine's bars.

    Returns
    -------
    rich.console.Console
    """
    from rich.console import Console  # here: ``escalation --help`` does not load rich

    return Console(stderr=True, log_path=False)
