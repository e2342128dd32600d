"""What the SLA clocks are computed from (svcops.domain.sla): each record's times, its stage
moves (for its holds) and its inbound contacts, read from index ranges only, so that a report
or an at-risk list reads the rows its period or window can depend on, not the table.

Times come back as integer epoch seconds, as they are stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, text
from sqlmodel import Session

from svcops.domain.kinds import STAGE_EVENT_ACTIONS
from svcops.store import record_sql as sql
from svcops.store.report_scope import Scope, group_sql

# a record's facts, in the order domain.sla.Facts takes them (after the id)
FACT_COLUMNS = (
    "id", "priority", "team", "opened_at", "first_response_at", "first_resolved_at",
    "closed_at", "paused_s", "held_since",
)  # fmt: skip
CHUNK = 2000  # report rows handed over at a time
CHUNK = 2000  # report rows handed over at a time
BATCH = 900  # ids per IN list (SQLite binds at most 32766 parameters; keep statements small)


@dataclass(frozen=True)
class Window:
    """Records whose running clocks may fall due in a window: per priority, the range of
    openings (from, up to) for a response still awaited and for a resolution not yet reached
    (a record with time on hold is read whatever its opening)."""

    response: Mapping[str, tuple[int, int]]
    resolution: Mapping[str, tuple[int, int]]


def window_condition(window: Window) -> ColumnElement[bool]:
    """The window as a condition on the record table (for `list --at-risk`): the records not
    yet resolved (an open record's, so as many rows as the backlog, whatever the table's
    size) whose opening is in their priority's window, or that were on hold."""
    c = sql.RECORD.c
    held = or_(c.paused_s > 0, c.held_since.is_not(None))
    either = [
        and_(c.priority == p, c.first_response_at.is_(None), c.opened_at.between(lo, hi))
        for p, (lo, hi) in window.response.items()
    ] + [
        and_(c.priority == p, c.opened_at.between(lo, hi))
        for p, (lo, hi) in window.resolution.items()
    ]
    return and_(c.first_resolved_at.is_(None), or_(held, *either))


class SlaFacts:
    """The SLA clocks' inputs, in one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def moves(self, record_ids: Sequence[int]) -> dict[int, list[tuple[int, str, str | None]]]:
        """Each record's stage moves, in order: (at, stage entered, note)."""
        found: dict[int, list[tuple[int, str, str | None]]] = {}
        statement = text(
            "SELECT record_id, at, to_value, note FROM event WHERE record_id IN :ids "
            "AND action IN :actions ORDER BY record_id, at, id"
        ).bindparams(bindparam("ids", expanding=True), bindparam("actions", expanding=True))
        connection = self.session.connection()
        actions = list(STAGE_EVENT_ACTIONS)
        for start in range(0, len(record_ids), BATCH):
            chunk = list(record_ids[start : start + BATCH])
            for record_id, at, stage, note in connection.execute(
                statement, {"ids": chunk, "actions": actions}
            ):
                found.setdefault(record_id, []).append((int(at), stage, note))
        return found

    def inbound(self, record_ids: Sequence[int]) -> dict[int, list[int]]:
        """The instants of each record's inbound contacts, in order."""
        found: dict[int, list[int]] = {}
        statement = text(
            "SELECT record_id, at FROM contact WHERE record_id IN :ids "
            "AND direction = 'inbound' ORDER BY record_id, at"
        ).bindparams(bindparam("ids", expanding=True))
        connection = self.session.connection()
        for start in range(0, len(record_ids), BATCH):
            chunk = list(record_ids[start : start + BATCH])
            for record_id, at in connection.execute(statement, {"ids": chunk}):
                found.setdefault(record_id, []).append(int(at))
        return found

    def report_rows(
        self,
        scope: Scope,
        response_from: Mapping[str, int],
        resolution_from: Mapping[str, int],
        open_at_end: bool,
    ) -> Iterator[Sequence[Sequence[Any]]]:
        """The records whose clocks a report over the scope's period can count, as rows of
        the scope's group values and then FACT_COLUMNS: per priority, those opened from
        `response_from` (no response of an earlier one is decided in the period), first
        resolved in the period, and those open at its end that were opened from
        `resolution_from` or were on hold (`open_at_end`: every one open at its end).
        Streamed, CHUNK rows at a time: memory does not grow with the period."""
        group_select, _group_by, _labels = group_sql(scope)
        columns = ", ".join(f"r.{name}" for name in FACT_COLUMNS)
        params: dict[str, Any] = {
            "since": int(scope.since.timestamp()),
            "until": int(scope.until.timestamp()),
            "kinds": list(scope.kinds),
            "response_floor": min(response_from.values()),
            "resolution_floor": min(resolution_from.values()),
        }
        cases = []
        for name, bounds in (("response", response_from), ("resolution", resolution_from)):
            whens = []
            for number, (priority, bound) in enumerate(sorted(bounds.items())):
                params[f"{name}_p{number}"], params[f"{name}_from{number}"] = priority, bound
                whens.append(f"WHEN :{name}_p{number} THEN :{name}_from{number}")
            cases.append(f"(CASE r.priority {' '.join(whens)} ELSE NULL END)")
        response_case, resolution_case = cases
        held = "(r.paused_s > 0 OR r.held_since IS NOT NULL)"
        open_at_until = "(r.closed_at IS NULL OR r.closed_at >= :until)"
        later = (
            open_at_until
            if open_at_end
            else f"({open_at_until} AND ({held} OR r.opened_at >= :resolution_floor))"
        )
        candidates = f"""
  SELECT id FROM record WHERE kind IN :kinds AND opened_at >= :response_floor
    AND opened_at < :until
  UNION SELECT id FROM record WHERE first_resolved_at >= :since AND first_resolved_at < :until
  UNION SELECT r.id FROM record r WHERE r.first_resolved_at >= :until AND {later}
  UNION SELECT r.id FROM record r WHERE r.first_resolved_at IS NULL AND {later}"""
        exact_later = (
            open_at_until
            if open_at_end
            else f"({open_at_until} AND ({held} OR r.opened_at >= {resolution_case}))"
        )
        exact = f"""(
    r.opened_at >= {response_case}
    OR (r.first_resolved_at >= :since AND r.first_resolved_at < :until)
    OR ((r.first_resolved_at IS NULL OR r.first_resolved_at >= :until) AND {exact_later}))
  AND (r.first_resolved_at IS NULL OR r.first_resolved_at >= :since)"""
        if self.session.connection().dialect.name == "postgresql":
            # one bitmap scan over the OR of index ranges, then the exact test
            source = "record r"
            exact += """
  AND (r.opened_at >= :response_floor OR r.first_resolved_at >= :since
       OR r.first_resolved_at IS NULL)"""
        else:
            source = f"({candidates}\n) candidate JOIN record r ON r.id = candidate.id"
        statement = text(f"""
SELECT {group_select} {columns}
FROM {source}
LEFT JOIN customer cu ON cu.id = r.customer_id
WHERE r.kind IN :kinds AND r.opened_at < :until AND {exact}
""").bindparams(bindparam("kinds", expanding=True))
        connection = self.session.connection().execution_options(yield_per=CHUNK)
        # chunks, so that the holds of a chunk's records are read in one statement
        yield from connection.execute(statement, params).partitions(CHUNK)
