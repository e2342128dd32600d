"""services/worker.py: a generator run in a forked worker, its items and its errors here."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from svcops.domain.errors import InvalidInput, WorkerFailed
from svcops.services.worker import in_worker, paused_gc, workers_enabled


def numbers() -> Iterator[int]:
    yield from range(12_000)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_items_arrive_in_order_from_another_process() -> None:
    assert workers_enabled()
    [pid] = in_worker(lambda: iter([os.getpid()]))
    assert pid != os.getpid()
    assert gone(pid)  # ended and reaped
    assert list(in_worker(numbers)) == list(range(12_000))


def test_svcops_workers_0_runs_the_generator_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_WORKERS", "0")
    assert not workers_enabled()
    assert list(in_worker(lambda: iter([os.getpid()]))) == [os.getpid()]


def test_bad_input_in_the_worker_is_the_same_error_here() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise InvalidInput("line 7, column opened_at: cannot read date", hint="use ISO 8601")

    items = in_worker(produce)
    assert next(items) == 1
    with pytest.raises(InvalidInput) as caught:
        next(items)
    assert (caught.value.message, caught.value.hint) == (
        "line 7, column opened_at: cannot read date", "use ISO 8601",
    )  # fmt: skip


def test_a_bug_in_the_worker_is_an_internal_error_here() -> None:
    def produce() -> Iterator[float]:
        yield 1 / 0

    with pytest.raises(WorkerFailed, match=r"the import's worker failed: ZeroDivisionError"):
        list(in_worker(produce))


def test_a_worker_that_dies_is_reported_with_its_exit_status() -> None:
    def produce() -> Iterator[int]:
        yield 1
        os._exit(3)

    with pytest.raises(WorkerFailed, match=r"worker process stopped \(exit status 3\)"):
        list(in_worker(produce))


def test_stopping_early_ends_the_worker() -> None:
    def produce() -> Iterator[int]:
        yield os.getpid()
        yield from range(1_000_000)  # more than the pipe holds: the worker waits to send

    items = in_worker(produce)
    pid = next(items)
    assert not gone(pid)
    items.close()  # the caller failed (a conflict while writing, say)
    assert gone(pid)


def test_paused_gc_restores_the_collector() -> None:
    import gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
