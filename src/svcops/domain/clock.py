"""The one clock. Nothing else in svcops asks the system for the time."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from svcops.domain.errors import InvalidInput
from svcops.domain.timeparse import parse_when


class Clock:
    """Gives the current UTC time, to the second; tests freeze it.

    `SVCOPS_NOW` (an ISO 8601 instant) freezes it for a whole process, which is how the
    subprocess tests pin relative dates such as `yesterday`.
    """

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def freeze(self, at: datetime | None) -> None:
        self._frozen = None if at is None else at.astimezone(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        pinned = os.environ.get("SVCOPS_NOW")
        if pinned:
            try:
                moment = datetime.fromisoformat(pinned)
            except ValueError:
                raise InvalidInput(f"SVCOPS_NOW is not an ISO 8601 time: {pinned!r}") from None
            try:
                return parse_when(pinned, now=moment, tz=UTC)  # naive: UTC
            except InvalidInput as exc:  # year 1, year 9999: no clock reads that
                raise InvalidInput(f"SVCOPS_NOW: {exc.message}", hint=exc.hint) from None
        return datetime.now(UTC).replace(microsecond=0)


clock = Clock()
