"""A progress bar for the person watching a long command."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from svcops.cli.capture import is_terminal


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on stderr while a person watches (stderr is a terminal); nothing for
    scripts and cron. Yields `advance(done, total)`; total None shows a count."""
    if not is_terminal(sys.stderr):

        def ignore(done: int, total: int | None = None) -> None:
            return None

        yield ignore
        return
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)

    def advance(done: int, total: int | None = None) -> None:
        bar.update(task, completed=done, total=total)

    bar.start()
    try:
        yield advance
    finally:
        bar.stop()
