"""What the SLA clocks are computed from (svcops.domain.sla): each record's times, its stage
moves (for its holds) and its inbound contacts, read from index ranges only, so that a report
or an at-risk list reads the rows its period or window can depend on, not the table.

Times come back as integer epoch seconds, as they are stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, TextClause, and_, bindparam, or_, text
from sqlmodel import Session

from svcops.domain.kinds import STAGE_EVENT_ACTIONS
from svcops.store import record_sql as sql
from svcops.store.aside import write_aside
from svcops.store.sla_report import SUMS, ReportQuery

# a record's facts, in the order domain.sla.Facts takes them (after the id)
FACT_COLUMNS = (
    "id", "priority", "team", "opened_at", "first_response_at", "first_resolved_at",
    "closed_at", "paused_s", "held_since",
)  # fmt: skip
CHUNK = 2000  # report rows handed over at a time
_FACTS = text(f"SELECT {', '.join(FACT_COLUMNS)} FROM record WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_NO_FACTS = (None,) * len(FACT_COLUMNS)
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

    def report(self, query: ReportQuery) -> Iterator[Sequence[Sequence[Any]]]:
        """The records of `query` in one pass, as rows of: the scope's group values; the
        period (None outside them) of the response's instant, of the resolution clock's
        decision and of the first resolution; SUMS, the clocks counted without the domain
        (outcomes kept under the config in force, OUTCOME_VALID, and clocks settled: met) and
        the time on hold and suspect pauses of the records first resolved in the periods; then
        FACT_COLUMNS and whether an outcome is kept, of a record whose clocks the domain must
        work out (its own row: no valid outcome and a clock not settled, or asked for by its
        holds, or open at the end of a period with `open_at_end`), None in a row of sums.

        Streamed, CHUNK rows at a time: memory does not grow with the period."""
        connection = self.session.connection()
        statement, params = query.statement(connection.dialect.name)
        # yield_per for this statement only: the connection may be a batch's, shared
        found = connection.execute(statement, params, execution_options={"yield_per": CHUNK})
        width = len(query.scope.groups) + 3 + SUMS
        # chunks, so that the facts (and holds) of a chunk's records are read in one statement
        for chunk in found.partitions(CHUNK):
            own = [row[width] for row in chunk if row[width] is not None]
            facts = {row[0]: row for row in self._by_ids(_FACTS, own)} if own else {}
            yield [
                (*row[:width], *facts[row[width]], row[width + 1])
                if row[width] is not None
                else (*row[:width], *_NO_FACTS, row[width + 1])
                for row in chunk
            ]


OUTCOME_COLUMNS = (  # Outcome's fields but `inbound`
    "record_id", "policy", "priority", "team", "opened_at", "first_response_at",
    "first_resolved_at", "closed_at", "paused_s", "response_met", "response_at",
    "resolution_met", "resolution_at", "suspect_pauses",
)  # fmt: skip
# their types on PostgreSQL (tables.SlaOutcome), for arrays of them
OUTCOME_TYPES = {
    **dict.fromkeys(OUTCOME_COLUMNS, "bigint"),
    **dict.fromkeys(("record_id", "paused_s", "suspect_pauses"), "integer"),
    **dict.fromkeys(("priority", "team"), "varchar"),
    **dict.fromkeys(("response_met", "resolution_met"), "boolean"),
}


class Outcome(NamedTuple):
    """An SLA outcome to keep (tables.SlaOutcome's columns, OUTCOME_COLUMNS) and `inbound`:
    the number of inbound contacts of a record that waited on its customer, None for the
    others. A tuple: a report after a change to the config may keep hundreds of thousands."""

    record_id: int
    policy: int
    priority: str | None
    team: str | None
    opened_at: int
    first_response_at: int | None
    first_resolved_at: int
    closed_at: int | None
    paused_s: int
    response_met: bool
    response_at: int
    resolution_met: bool
    resolution_at: int
    suspect_pauses: int
    inbound: int | None


def keep_outcomes(url: str, outcomes: Sequence[Outcome]) -> bool:
    """Keep these outcomes, replacing a record's earlier one; not that of a record whose
    inbound contacts are no longer those its outcome was worked out with. Only a cache,
    written aside (store/aside.py); False when the database did not take them (busy,
    read-only), and nothing is kept then."""
    if not outcomes:
        return True
    return write_aside(url, lambda connection: _keep(connection, outcomes))


def _keep(connection: Connection, outcomes: Sequence[Outcome]) -> None:
    if connection.dialect.name == "postgresql":  # contacts being added: wait for them
        connection.exec_driver_sql("LOCK TABLE contact IN SHARE MODE")
    names = ", ".join(OUTCOME_COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in OUTCOME_COLUMNS[1:])
    conflict = f"ON CONFLICT (record_id) DO UPDATE SET {updates}"
    count = "SELECT COUNT(*) FROM contact c WHERE c.record_id = {} AND c.direction = 'inbound'"
    waited = [(o.record_id, o.inbound) for o in outcomes if o.inbound is not None]
    if connection.dialect.name == "postgresql":  # one statement of arrays, not a row each
        columns = {name: [getattr(o, name) for o in outcomes] for name in OUTCOME_COLUMNS}
        arrays = ", ".join(f"CAST(:{n} AS {OUTCOME_TYPES[n]}[])" for n in OUTCOME_COLUMNS)
        insert = f"INSERT INTO sla_outcome ({names}) SELECT * FROM unnest({arrays}) "
        connection.execute(text(insert + conflict), columns)
        if waited:
            ids, inbound = (list(values) for values in zip(*waited, strict=True))
            connection.execute(
                text(
                    "DELETE FROM sla_outcome o USING unnest(CAST(:ids AS integer[]), "
                    "CAST(:inbound AS integer[])) AS w(record_id, inbound) WHERE "
                    "o.record_id = w.record_id AND w.inbound <> "
                    f"({count.format('w.record_id')})"
                ),
                {"ids": ids, "inbound": inbound},
            )
        return
    values = ", ".join(f":{name}" for name in OUTCOME_COLUMNS)
    upsert = text(f"INSERT INTO sla_outcome ({names}) VALUES ({values}) {conflict}")
    connection.execute(upsert, [{n: getattr(o, n) for n in OUTCOME_COLUMNS} for o in outcomes])
    if waited:
        stale = text(
            "DELETE FROM sla_outcome WHERE record_id = :record_id "
            f"AND :inbound <> ({count.format(':record_id')})"
        )
        connection.execute(stale, [{"record_id": i, "inbound": n} for i, n in waited])
