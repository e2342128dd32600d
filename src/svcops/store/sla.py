"""What the SLA clocks are computed from (svcops.domain.sla): each record's times, its stage
moves (for its holds) and its inbound contacts, read from index ranges only, so that a report
or an at-risk list reads the rows its period or window can depend on, not the table.

Times come back as integer epoch seconds, as they are stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, text
from sqlmodel import Session

from svcops.domain.kinds import STAGE_EVENT_ACTIONS
from svcops.store import record_sql as sql
from svcops.store.report_scope import Scope, group_sql

# a record's facts, in the order domain.sla.Facts takes them (after the id)
FACT_COLUMNS = (
    "id", "priority", "team", "opened_at", "first_response_at", "first_resolved_at",
    "closed_at", "paused_s", "held_since",
)  # fmt: skip
BATCH = 900  # ids per IN list (SQLite binds at most 32766 parameters; keep statements small)


@dataclass(frozen=True)
class Window:
    """Records whose running clocks may fall due in a window: per priority, the range of
    openings (from, up to) for a response still awaited and for a resolution not yet reached
    (a record with time on hold is read whatever its opening)."""

    response: Mapping[str, tuple[int, int]]
    resolution: Mapping[str, tuple[int, int]]


def window_condition(window: Window) -> ColumnElement[bool]:
    """The window as a condition on the record table (for `list --at-risk`)."""
    c = sql.RECORD.c
    held = or_(c.paused_s > 0, c.held_since.is_not(None))
    either = [
        and_(c.priority == p, c.first_response_at.is_(None), c.opened_at.between(lo, hi))
        for p, (lo, hi) in window.response.items()
    ] + [
        and_(c.priority == p, c.first_resolved_at.is_(None), or_(held, c.opened_at.between(lo, hi)))
        for p, (lo, hi) in window.resolution.items()
    ]
    return or_(*either) if either else c.id.is_(None)


class SlaFacts:
    """The SLA clocks' inputs, in one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def moves(self, record_ids: Sequence[int]) -> dict[int, list[tuple[int, str, str | None]]]:
        """Each record's stage moves, in order: (at, stage entered, note)."""
        found: dict[int, list[tuple[int, str, str | None]]] = {}
        e = sql.EVENT.c
        statement = (
            select(e.record_id, e.at, e.to_value, e.note)
            .where(e.record_id.in_(bindparam("ids", expanding=True)))
            .where(e.action.in_(bindparam("actions", expanding=True)))
            .order_by(e.record_id, e.at, e.id)
        )
        connection = self.session.connection()
        for start in range(0, len(record_ids), BATCH):
            chunk = list(record_ids[start : start + BATCH])
            params = {"ids": chunk, "actions": list(STAGE_EVENT_ACTIONS)}
            for record_id, at, stage, note in connection.execute(statement, params):
                found.setdefault(record_id, []).append((int(at.timestamp()), stage, note))
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
        self, scope: Scope, opened_from: int, open_at_end: bool
    ) -> Iterator[dict[str, Any]]:
        """The records whose clocks a report over the scope's period can count, with their
        groups: opened from `opened_from` (no clock of an earlier one is decided in the period,
        unless it was on hold), first resolved in the period, and (`open_at_end`) those open
        at its end. Streamed: memory does not grow with the period."""
        group_select, _group_by, _labels = group_sql(scope)
        columns = ", ".join(f"r.{name}" for name in FACT_COLUMNS)
        held = "(r.paused_s > 0 OR r.held_since IS NOT NULL)"
        open_at_end_sql = (
            "((r.first_resolved_at IS NULL OR r.first_resolved_at >= :until) "
            "AND (r.closed_at IS NULL OR r.closed_at >= :until))"
        )
        later = open_at_end_sql if open_at_end else f"({open_at_end_sql} AND {held})"
        candidates = f"""
  SELECT id FROM record WHERE kind IN :kinds AND opened_at >= :sla_opened_from
    AND opened_at < :until
  UNION SELECT id FROM record WHERE first_resolved_at >= :since AND first_resolved_at < :until
  UNION SELECT r.id FROM record r WHERE r.first_resolved_at >= :until AND {later}
  UNION SELECT r.id FROM record r WHERE r.first_resolved_at IS NULL AND {later}"""
        either = f"""(
    (r.opened_at >= :sla_opened_from AND r.opened_at < :until)
    OR (r.first_resolved_at >= :since AND r.first_resolved_at < :until) OR {later})"""
        if self.session.connection().dialect.name == "postgresql":
            source, narrowing = "record r", f"AND {either}"
        else:
            source = f"({candidates}\n) candidate JOIN record r ON r.id = candidate.id"
            narrowing = ""
        statement = text(f"""
SELECT {group_select} {columns}
FROM {source}
LEFT JOIN customer cu ON cu.id = r.customer_id
WHERE r.kind IN :kinds AND r.opened_at < :until {narrowing}
""").bindparams(bindparam("kinds", expanding=True))
        values = scope.params()
        params = {name: values[name] for name in ("since", "until", "kinds")}
        params["sla_opened_from"] = opened_from
        result = (
            self.session.connection().execution_options(yield_per=2000).execute(statement, params)
        )
        for row in result:
            yield dict(row._mapping)
