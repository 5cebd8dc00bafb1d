"""The helper process: results, warnings and failures come back as if run here."""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator

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


def _sleep_then(value: int) -> int:
    time.sleep(0.5)
    return value


_KEPT: list[bytearray] = []


def _grow(megabytes: int) -> int:
    """Keep ``megabytes`` of written memory in the helper, as drawing figures does."""
    _KEPT.append(bytearray(b"x") * (megabytes * 1_000_000))
    time.sleep(1.2)  # loky checks the worker's memory at most once a second
    return os.getpid()


def _wait_at_most(seconds: float, call: Callable[[], object]) -> list[object]:
    """Run ``call`` in a thread; return its result in a list, empty if it did not finish."""
    done: list[object] = []
    waiter = threading.Thread(target=lambda: done.append(call()), daemon=True)
    waiter.start()
    waiter.join(seconds)
    return done


@pytest.fixture
def own_helper(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test starts a helper of its own, and it is closed after the test."""
    import escalation.background as background

    monkeypatch.setattr(background, "_executor", None)
    yield
    background.close()


@pytest.mark.usefixtures("own_helper")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_background_helper_lost_while_waiting_runs_the_function_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hang seen in the suite: loky's manager thread ended (under -W error, by its
    warning that a worker stopped while tasks were queued) and the result never came."""
    from joblib.externals.loky import process_executor

    import escalation.background as background

    def dies(self: object, result_item: object) -> None:
        raise UserWarning("A worker stopped while some jobs were given to the executor.")

    # Only these two patches are undone below. ``monkeypatch.undo()`` also undid own_helper's
    # ``_executor = None``: the check that a new helper works then went to the process's
    # shared helper (not a new one), and own_helper closed that shared helper, so the figures
    # helper of an earlier study in this test worker was closed here (its 7 s of CPU counted
    # against this test) and the next study had to start and import another.
    with monkeypatch.context() as patch:
        patch.setattr(process_executor._ExecutorManagerThread, "process_result_item", dies)
        patch.setattr(background, "POLL_SECONDS", 0.1)
        task = submit(_sleep_then, 5)
        done = _wait_at_most(60, task.result)
    assert done == [5], "waited for a helper that was gone"
    assert not task.ran_in_helper
    workers = list(task.executor._processes.values())  # the lost helper's, stopped here
    deadline = time.monotonic() + 30
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(w.is_alive() for w in workers), "the lost helper lives on"
    # a new helper works again
    assert submit(_pid).result() != os.getpid()


@pytest.mark.usefixtures("own_helper")
def test_background_idle_helper_is_closed_here_and_started_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import escalation.background as background

    monkeypatch.setattr(background, "IDLE_TIMEOUT", 0.2)
    first = submit(_pid)
    helper = first.result()
    assert first.ran_in_helper and background._executor is not None
    deadline = time.monotonic() + 30
    while background._executor is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert background._executor is None, "an idle helper was not closed"
    again = submit(_pid)
    assert again.result() not in (helper, os.getpid()) and again.ran_in_helper


@pytest.mark.usefixtures("own_helper")
def test_background_helper_is_not_restarted_for_memory_a_study_needs() -> None:
    """loky took 300 MB of growth after the first task for a leak and restarted the helper
    part-way through every study (its figures grow the helper by more than that)."""
    first = submit(_pid)
    grown = submit(_grow, 400)
    after = submit(_pid)  # queued while the helper grows
    pids = _wait_at_most(60, lambda: [first.result(), grown.result(), after.result()])
    assert pids, "the helper was restarted and its manager thread lost the queued task"
    assert pids[0][0] == pids[0][1] == pids[0][2] != os.getpid()  # type: ignore[index]
    assert first.ran_in_helper and grown.ran_in_helper and after.ran_in_helper


def _mark_then_sleep(marker: str, seconds: float) -> float:
    """Say that the task has started (a file), then work for ``seconds``."""
    with open(marker, "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return seconds


@pytest.mark.usefixtures("own_helper")
def test_background_closed_with_tasks_queued_ends_cleanly(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``close()`` while tasks waited in the helper's queue (a run that stopped early left
    the kernels it handed over to compile) crashed loky's manager thread with
    ``KeyError`` (seen as an error at the end of the suite): loky drops the tasks of an
    executor shut down with ``kill_workers=True`` but leaves their numbers queued. Now the
    thread ends cleanly, and each task not run there is run here when asked for."""
    import escalation.background as background

    crashed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashed.append(args.exc_value))
    marker = str(tmp_path) + "/started"
    running = submit(_mark_then_sleep, marker, 2.0)
    queued = [submit(_mark_then_sleep, marker, 0.05) for _ in range(4)]
    deadline = time.monotonic() + 60
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert os.path.exists(marker), "the helper never started the first task"
    manager = running.executor._executor_manager_thread
    background.close()
    manager.join(30)
    assert crashed == [], f"loky's manager thread crashed: {crashed!r}"
    assert [task.result() for task in [running, *queued]] == [2.0] + [0.05] * 4
    assert not any(task.ran_in_helper for task in queued)


def test_background_loky_still_keeps_queued_task_numbers_in_a_queue() -> None:
    """``close()`` empties loky's private ``_work_ids`` (a ``queue.Queue`` in loky 3.6)
    before killing the helper, or loky's manager thread ends with ``KeyError``. Were a
    loky upgrade to rename it or make it another type, ``close()`` would skip emptying it
    without a word: this test fails instead, so the suite, not a user's run, finds out."""
    import queue

    from joblib.externals.loky import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=1)  # starts no process until a submit
    try:
        assert isinstance(getattr(executor, "_work_ids", None), queue.Queue)
    finally:
        executor.shutdown(wait=True)


@pytest.mark.usefixtures("own_helper")
def test_background_close_stops_the_helper_whatever_lokys_queue_is() -> None:
    """With ``_work_ids`` another type than loky 3.6's queue (a deque here), ``close()``
    raised ``AttributeError`` before shutting the executor down, and the helper process
    lived on; now the executor is always shut down and the queue left as it is."""
    import collections

    import escalation.background as background

    task = submit(_pid)
    assert task.result() != os.getpid() and task.ran_in_helper
    executor = task.executor
    workers = list(executor._processes.values())
    executor._work_ids = collections.deque([1, 2])
    background.close()
    deadline = time.monotonic() + 30
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(w.is_alive() for w in workers), "the helper lives on"
    assert list(executor._work_ids) == [1, 2]  # not taken for loky's queue
