"""The one clock. Nothing else in svcops asks the system for the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _not_pinned() -> datetime | None:
    return None


class Clock:
    """Gives the current UTC time, to the second; tests freeze it, and a process may be pinned
    to one moment (svcops.config pins it to SVCOPS_NOW)."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None
        self._pinned: Callable[[], datetime | None] = _not_pinned

    def freeze(self, at: datetime | None) -> None:
        self._frozen = None if at is None else at.astimezone(UTC).replace(microsecond=0)

    def pin(self, moment: Callable[[], datetime | None]) -> None:
        """Where the pinned moment comes from: asked at every reading, None when not pinned."""
        self._pinned = moment

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        pinned = self._pinned()
        if pinned is not None:
            return pinned
        return datetime.now(UTC).replace(microsecond=0)


clock = Clock()
