"""The SLA clocks as SQL over a record table alias, for reports and `list --breached`.

Response: from opened_at to the first response. Resolution: from opened_at to the first
resolution, minus the time on hold before it (`paused_s`, plus a hold still running). Times
are integer epoch seconds, and each priority's targets are bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class SlaSql:
    """The SQL expressions of the SLA clocks over the records of `alias`."""

    def __init__(self, priorities: Sequence[str], alias: str = "r") -> None:
        self.priorities = sorted(priorities)
        self.r = alias

    def target(self, which: str) -> str:
        """CASE over the record's priority giving its `resp` or `res` target in seconds."""
        whens = " ".join(f"WHEN '{p}' THEN :{which}_{p}" for p in self.priorities)
        return f"(CASE {self.r}.priority {whens} ELSE NULL END)"

    @property
    def response_due(self) -> str:
        return f"({self.r}.opened_at + {self.target('resp')})"

    @property
    def response_met(self) -> str:
        r = self.r
        return (
            f"({r}.first_response_at IS NOT NULL AND {r}.first_response_at <= {self.response_due})"
        )

    @property
    def resolution_due(self) -> str:
        r = self.r
        ongoing_hold = (
            f"(CASE WHEN {r}.held_since IS NOT NULL AND {r}.first_resolved_at IS NULL "
            f"THEN :now - {r}.held_since ELSE 0 END)"
        )
        return f"({r}.opened_at + {self.target('res')} + {r}.paused_s + {ongoing_hold})"

    @property
    def resolution_met(self) -> str:
        r = self.r
        return (
            f"({r}.first_resolved_at IS NOT NULL AND "
            f"{r}.first_resolved_at - {r}.opened_at - {r}.paused_s <= {self.target('res')})"
        )

    @property
    def breached(self) -> str:
        """Breached by :now: a response later than due (or none yet and the due time passed),
        or no resolution yet and the resolution due time passed."""
        r = self.r
        return (
            f"(({r}.first_response_at IS NULL AND {self.response_due} < :now) "
            f"OR {r}.first_response_at > {self.response_due} "
            f"OR ({r}.first_resolved_at IS NULL AND {self.resolution_due} < :now) "
            f"OR ({r}.first_resolved_at IS NOT NULL AND NOT {self.resolution_met}))"
        )

    @staticmethod
    def params(sla: dict[str, tuple[int, int]], now: datetime) -> dict[str, int]:
        values = {"now": int(now.timestamp())}
        for priority, (response, resolution) in sla.items():
            values[f"resp_{priority}"] = response
            values[f"res_{priority}"] = resolution
        return values
