"""One error hierarchy; the CLI maps it to a message and an exit code in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes (docs/cli.md)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    NOT_FOUND = 3
    NOT_ALLOWED = 4
    CONFLICT = 5
    TARGET_MISSED = 6
    INTERRUPTED = 130


class SvcopsError(Exception):
    """Base of every error svcops raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInput(SvcopsError):
    """A bad option value, an out-of-range score, an unparseable date."""

    exit_code = ExitCode.USAGE


class NotFound(SvcopsError):
    """An unknown key."""

    exit_code = ExitCode.NOT_FOUND


class TransitionNotAllowed(SvcopsError):
    """The record's stage does not allow this change."""

    exit_code = ExitCode.NOT_ALLOWED


class Conflict(SvcopsError):
    """The record changed under us, or the database stayed busy."""

    exit_code = ExitCode.CONFLICT


class Busy(Conflict):
    """The database stayed locked, or gave up on a deadlock: the same change may succeed
    when tried again."""


class TargetMissed(SvcopsError):
    """`--check` found a missed target."""

    exit_code = ExitCode.TARGET_MISSED


class WorkerFailed(SvcopsError):
    """A bulk job's worker process stopped without finishing (killed, out of memory, or a
    bug)."""


class SchemaTooNew(InvalidInput):
    """The database was written by a newer svcops."""
