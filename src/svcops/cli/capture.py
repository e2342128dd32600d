"""Where a command's output goes: standard output, or the values a batch collects."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

_stdout: ContextVar[TextIO | None] = ContextVar("svcops_stdout", default=None)
_forced_format: ContextVar[str | None] = ContextVar("svcops_format", default=None)
_collector: ContextVar[list[Any] | None] = ContextVar("svcops_collector", default=None)


@contextmanager
def collected(stream: TextIO) -> Iterator[list[Any]]:
    """Results as values, for a caller that embeds them in its own output (batch mode): what
    `--format json` would print is appended to the list instead, as the same JSON values;
    anything else a command prints (the keys of -q) goes to `stream`."""
    values: list[Any] = []
    tokens = (_stdout.set(stream), _forced_format.set("json"), _collector.set(values))
    try:
        yield values
    finally:
        _stdout.reset(tokens[0])
        _forced_format.reset(tokens[1])
        _collector.reset(tokens[2])


def stdout() -> TextIO:
    return _stdout.get() or sys.stdout


def forced_format() -> str | None:
    """The format every command prints in while a batch collects (else None)."""
    return _forced_format.get()


def collector() -> list[Any] | None:
    """The list a batch collects results in, or None outside one."""
    return _collector.get()


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
