"""What the SLA clocks are computed from (svcops.domain.sla): each record's times, its stage
moves (for its holds) and its inbound contacts, read from index ranges only, so that a report
or an at-risk list reads the rows its period or window can depend on, not the table.

Times come back as integer epoch seconds, as they are stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, bindparam, or_, text
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
        statement = text(
            "SELECT record_id, at, to_value, note FROM event WHERE record_id IN :ids "
            "AND action IN :actions ORDER BY record_id, at, id"
        ).bindparams(bindparam("ids", expanding=True), bindparam("actions", expanding=True))
        found: dict[int, list[tuple[int, str, str | None]]] = {}
        for record_id, at, stage, note in self._by_ids(
            statement, record_ids, actions=list(STAGE_EVENT_ACTIONS)
        ):
            found.setdefault(record_id, []).append((int(at), stage, note))
        return found

    def inbound(self, record_ids: Sequence[int]) -> dict[int, list[int]]:
        """The instants of each record's inbound contacts, in order."""
        statement = text(
            "SELECT record_id, at FROM contact WHERE record_id IN :ids "
            "AND direction = 'inbound' ORDER BY record_id, at"
        ).bindparams(bindparam("ids", expanding=True))
        found: dict[int, list[int]] = {}
        for record_id, at in self._by_ids(statement, record_ids):
            found.setdefault(record_id, []).append(int(at))
        return found

    def _by_ids(
        self, statement: TextClause, record_ids: Sequence[int], **params: Any
    ) -> Iterator[Sequence[Any]]:
        """The rows of `statement` for `record_ids`, BATCH ids at a time."""
        connection = self.session.connection()
        for start in range(0, len(record_ids), BATCH):
            chunk = list(record_ids[start : start + BATCH])
            yield from connection.execute(statement, {"ids": chunk, **params})

    def report_rows(self, query: ReportQuery) -> Iterator[Sequence[Sequence[Any]]]:
        """The records of `query` with a clock that is not settled (ReportQuery), and those it
        asks for by their holds, as rows of the scope's group values and then FACT_COLUMNS.
        Streamed, CHUNK rows at a time: memory does not grow with the period."""
        source, where, params = query.sql(self.session.connection().dialect.name)
        group_select = group_sql(query.scope)[0]
        columns = ", ".join(f"r.{name}" for name in FACT_COLUMNS)
        wanted = f"NOT ({query.response_settled} AND {query.resolution_settled})"
        if query.holds_resolved:  # suspect pauses need the holds of every resolution
            wanted += f" OR ({HELD} AND {query.resolved_in_range})"
        statement = text(
            f"SELECT {group_select} {columns} FROM {source} WHERE {where} AND ({wanted})"
        ).bindparams(bindparam("kinds", expanding=True))
        connection = self.session.connection().execution_options(yield_per=CHUNK)
        # chunks, so that the holds of a chunk's records are read in one statement
        yield from connection.execute(statement, params).partitions(CHUNK)

    def settled_sums(self, query: ReportQuery) -> list[Sequence[Any]]:
        """Per group, and per period of the response's and of the resolution's instant (None
        outside the periods): the clocks settled without calendar arithmetic (all met), and
        the calendar time on hold and from opening to resolution of the records first
        resolved in the periods."""
        source, where, params = query.sql(self.session.connection().dialect.name)
        group_select, _group_by, labels = group_sql(query.scope)
        response, resolution = "r.first_response_at", "r.first_resolved_at"
        in_range = query.resolved_in_range
        statement = text(f"""
SELECT {group_select} {query.bucket(response)} AS response_bucket,
  {query.bucket(resolution)} AS resolution_bucket,
  SUM(CASE WHEN {query.response_settled} AND {response} >= :range_from
      AND {response} < :until THEN 1 ELSE 0 END) AS response_settled,
  SUM(CASE WHEN {query.resolution_settled} AND {in_range} THEN 1 ELSE 0 END)
    AS resolution_settled,
  SUM(CASE WHEN {in_range} THEN r.paused_s ELSE 0 END) AS paused_s,
  SUM(CASE WHEN {in_range} THEN {resolution} - r.opened_at ELSE 0 END) AS elapsed_s
FROM {source}
WHERE {where} AND (({query.response_settled} AND {response} >= :range_from
  AND {response} < :until) OR {in_range})
GROUP BY {"".join(f"{label}, " for label in labels)}response_bucket, resolution_bucket
""").bindparams(bindparam("kinds", expanding=True))
        return [tuple(row) for row in self.session.connection().execute(statement, params)]


HELD = "(r.paused_s > 0 OR r.held_since IS NOT NULL)"


@dataclass(frozen=True)
class ReportQuery:
    """The records whose clocks a report over `scope` (its periods starting at `starts`) can
    count: per priority, those opened from `response_from` (no response of an earlier one is
    decided in the periods), those first resolved in them, and those not resolved at their
    end that were opened from `resolution_from` or were on hold (`open_at_end`: every one not
    resolved at their end).

    A clock is *settled* when its event came within the target's calendar time of the
    opening: met, whatever the calendar and the holds (open time never exceeds calendar
    time; domain/sla.py `settled`). Those are counted in SQL; the rest go to the domain."""

    scope: Scope
    starts: Sequence[int]
    response_from: Mapping[str, int]
    resolution_from: Mapping[str, int]
    targets: Mapping[str, tuple[int, int]]  # priority -> (response, resolution) seconds
    open_at_end: bool = False
    holds_resolved: bool = False  # also the records on hold first resolved in the periods

    def _case(self, name: str, values: Mapping[str, Any]) -> str:
        whens = " ".join(f"WHEN :{name}_p{n} THEN :{name}_v{n}" for n in range(len(values)))
        return f"(CASE r.priority {whens} ELSE NULL END)"

    def _case_params(self, name: str, values: Mapping[str, int]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for n, (priority, value) in enumerate(sorted(values.items())):
            params[f"{name}_p{n}"], params[f"{name}_v{n}"] = priority, value
        return params

    def _settled(self, column: str, name: str) -> str:
        return (
            f"({column} IS NOT NULL AND {column} <= :now AND "
            f"{column} - r.opened_at <= {self._case(name, self.targets)})"
        )

    @property
    def response_settled(self) -> str:
        """Of a resolved record only: an unresolved one may yet be cancelled (no SLA)."""
        settled = self._settled("r.first_response_at", "response_goal")
        return f"({settled} AND r.first_resolved_at IS NOT NULL)"

    @property
    def resolution_settled(self) -> str:
        return self._settled("r.first_resolved_at", "resolution_goal")

    @property
    def resolved_in_range(self) -> str:
        """First resolved in the periods, by now, with an SLA (a target for its priority)."""
        return (
            "(r.first_resolved_at >= :range_from AND r.first_resolved_at < :until "
            f"AND r.first_resolved_at <= :now AND {self._case('resolution_goal', self.targets)}"
            " IS NOT NULL)"
        )

    def bucket(self, column: str) -> str:
        """The index of the period `column` falls in; NULL outside them."""
        whens = " ".join(
            f"WHEN {column} < :start{n} THEN {n - 1}" for n in range(1, len(self.starts))
        )
        return (
            f"(CASE WHEN {column} IS NULL OR {column} < :range_from OR {column} >= :until "
            f"THEN NULL {whens} ELSE {len(self.starts) - 1} END)"
        )

    def sql(self, dialect: str) -> tuple[str, str, dict[str, Any]]:
        """(FROM, WHERE, parameters) of the records."""
        params: dict[str, Any] = {
            "since": self.starts[0],
            "range_from": self.starts[0],
            "until": int(self.scope.until.timestamp()),
            "now": int(self.scope.now.timestamp()),
            "kinds": list(self.scope.kinds),
            "response_floor": min(self.response_from.values()),
            "resolution_floor": min(self.resolution_from.values()),
            **{f"start{n}": start for n, start in enumerate(self.starts)},
            **self._case_params("response_from", self.response_from),
            **self._case_params("resolution_from", self.resolution_from),
            **self._case_params("response_goal", {p: t[0] for p, t in self.targets.items()}),
            **self._case_params("resolution_goal", {p: t[1] for p, t in self.targets.items()}),
        }
        open_at_until = "(r.closed_at IS NULL OR r.closed_at >= :until)"
        later = (
            open_at_until
            if self.open_at_end
            else f"({open_at_until} AND ({HELD} OR r.opened_at >= :resolution_floor))"
        )
        candidates = f"""
  SELECT id FROM record WHERE kind IN :kinds AND opened_at >= :response_floor
    AND opened_at < :until
  UNION SELECT id FROM record WHERE first_resolved_at >= :since AND first_resolved_at < :until
  UNION SELECT r.id FROM record r WHERE r.first_resolved_at >= :until AND {later}
  UNION SELECT r.id FROM record r WHERE r.first_resolved_at IS NULL AND {later}"""
        resolution_from = self._case("resolution_from", self.resolution_from)
        exact_later = (
            open_at_until
            if self.open_at_end
            else f"({open_at_until} AND ({HELD} OR r.opened_at >= {resolution_from}))"
        )
        where = f"""r.kind IN :kinds AND r.opened_at < :until AND (
    r.opened_at >= {self._case("response_from", self.response_from)}
    OR (r.first_resolved_at >= :since AND r.first_resolved_at < :until)
    OR ((r.first_resolved_at IS NULL OR r.first_resolved_at >= :until) AND {exact_later}))
  AND (r.first_resolved_at IS NULL OR r.first_resolved_at >= :since)"""
        if dialect == "postgresql":
            # one bitmap scan over the OR of index ranges, then the exact test
            source = "record r"
            where += """
  AND (r.opened_at >= :response_floor OR r.first_resolved_at >= :since
       OR r.first_resolved_at IS NULL)"""
        else:
            source = f"({candidates}\n) candidate JOIN record r ON r.id = candidate.id"
        return f"{source}\nLEFT JOIN customer cu ON cu.id = r.customer_id", where, params
