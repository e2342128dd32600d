"""Run a generator in a worker process and take its items here, so that a bulk job's Python
work (reading, checking, building rows) and its database writes use two cores.

The worker is a fork of this process: it starts at once, shares what is already imported
and open (the input stream included) and needs nothing pickled but its items. It never
touches the database: the transaction, its connection and its lock stay here. Errors the
worker raises on purpose (bad input, with its line) arrive here as the same exception; an
unexpected one arrives as an internal error (the worker prints its traceback under
SVCOPS_DEBUG=1).
Where fork is not available (Windows) or SVCOPS_WORKERS=0, the generator runs here instead.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

from svcops.config import debugging, workers_allowed
from svcops.domain.errors import SvcopsError, WorkerFailed

T = TypeVar("T")


def workers_enabled() -> bool:
    return workers_allowed() and hasattr(os, "fork")


def in_worker(produce: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """The items of `produce()`, made in a forked worker process (or here, see above)."""
    if not workers_enabled():
        yield from produce()
        return
    from multiprocessing.connection import Pipe

    receiver, sender = Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):  # the fork must not inherit output to repeat
        stream.flush()
    # os.fork, not multiprocessing.Process: that one closes the child's standard input, which
    # may be the very stream to import
    pid = os.fork()
    if pid == 0:  # the worker
        receiver.close()  # so that a parent gone means a broken pipe here, not a wait forever
        _work(produce, sender)
    sender.close()
    status: int | None = None
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                raise WorkerFailed(
                    f"the import's worker process stopped (exit status {status})"
                ) from None
            if kind == "item":
                yield payload
            elif kind == "done":
                return
            else:
                raise payload
    finally:
        receiver.close()
        if status is None and os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGTERM)  # still running: the caller gave up (or it is leaving)
            os.waitpid(pid, 0)


def _work(produce: Callable[[], Iterator[Any]], sender: Any) -> NoReturn:
    """The worker: send each item, then "done", or the error that stopped it; then leave at
    once (os._exit: no exit handlers, no flushing of buffers inherited from the parent)."""
    gc.disable()  # a short-lived process that frees everything at once when it ends
    try:
        try:
            for item in produce():
                sender.send(("item", item))
            sender.send(("done", None))
        except (SvcopsError, UnicodeDecodeError) as exc:  # the parent reports them as usual
            sender.send(("error", exc))
        except KeyboardInterrupt:
            pass  # the parent got the same signal and reports it
        except Exception as exc:  # a bug: the parent reports it as one
            if debugging():  # straight to the descriptor: stderr's wrappers may hold locks
                import traceback

                os.write(2, "".join(traceback.format_exception(exc)).encode())
            sender.send(("error", WorkerFailed(f"the import's worker failed: {exc!r}")))
    except (OSError, EOFError):
        pass  # the parent has gone (it stopped on an error of its own)
    finally:
        os._exit(0)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a bulk job allocates millions of small objects that
    live until it ends (each collection would walk them all, for nothing)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
