"""Ctrl-C and SIGTERM held while an output folder's lock or files change hands."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from escalation.report.outputs import _interrupts_deferred

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signal handlers are set in the main thread only",
)


def stopped(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@pytest.fixture
def handlers() -> Iterator[None]:
    """Ctrl-C raising (even where pytest runs with SIGINT ignored); all put back after."""
    saved = {n: signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_interrupts_a_ctrl_c_meanwhile_is_raised_after(handlers: None) -> None:
    with pytest.raises(KeyboardInterrupt), _interrupts_deferred(reraise=True):
        os.kill(os.getpid(), signal.SIGINT)
        done = True  # not cut short by the Ctrl-C
    assert done and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_interrupts_an_ignored_sigint_stays_ignored(handlers: None) -> None:
    """A background job ignores SIGINT: holding it must not turn it into a KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _interrupts_deferred(reraise=True):
            os.kill(os.getpid(), signal.SIGINT)
    except KeyboardInterrupt:
        pytest.fail("a SIGINT the process ignores stopped it")
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_interrupts_a_ctrl_c_as_handlers_are_put_back_leaves_none_held(
    handlers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C just as SIGTERM's handler is put back: both are back, the Ctrl-C raised.

    Before, SIGTERM's handler stayed the holding one, and every later SIGTERM was lost.
    """
    signal.signal(signal.SIGTERM, stopped)
    real = signal.signal
    sent = []

    def arriving(number: int, handler: Any) -> Any:
        if number == signal.SIGTERM and handler is stopped and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # raises here, before the handler changes
        return real(number, handler)

    monkeypatch.setattr(signal, "signal", arriving)
    with pytest.raises(KeyboardInterrupt), _interrupts_deferred():
        pass
    monkeypatch.undo()
    assert sent
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is stopped
