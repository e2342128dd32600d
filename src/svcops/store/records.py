"""Records, their events and contacts, as the services read and change them (one unit of work's
repository); the statements themselves are built once, in store/record_sql.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, insert, or_, select
from sqlmodel import Session

from svcops.domain.errors import Conflict, NotFound
from svcops.domain.keys import lookup_key
from svcops.domain.kinds import BY_PREFIX
from svcops.domain.lifecycle import Lifecycle
from svcops.store import record_sql as sql
from svcops.store.sla import Window, window_condition
from svcops.store.tables import Customer, StoredRecord


@dataclass(frozen=True)
class RecordRow:
    """A record with the keys of what it points at."""

    record: StoredRecord
    customer: str | None
    problem: str | None


@dataclass(frozen=True)
class RecordFilter:
    stages: Sequence[str] = ()
    priorities: Sequence[str] = ()
    assignee: str | None = None
    team: str | None = None
    open_stages: Sequence[str] | None = None  # --open: only these stages
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = 50
    window: Window | None = None  # only records whose clocks may fall due in a window


def _row(row: Sequence[Any]) -> RecordRow:
    """A stored record from a row of `sql.RECORDS` (its columns, then the two keys)."""
    values = dict(zip(sql.RECORD_COLUMNS, row, strict=False))
    return RecordRow(StoredRecord.model_construct(**values), row[-2], row[-1])


class Records:
    """Records, their events and contacts, in the caller's transaction: records come back as
    `StoredRecord`s (plain data) and go back with `update_record`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def connection(self) -> Connection:
        """The connection of the session's transaction, asked of the ORM once per session
        (the ORM's lookup costs more than some of the statements run on it)."""
        connection = self.session.info.get("connection")
        if connection is None or connection.closed or not connection.in_transaction():
            connection = self.session.info["connection"] = self.session.connection()
        return connection

    def next_key(self, prefix: str) -> tuple[str, int]:
        """The next human key for a prefix (INC-1, INC-2, ...), taken inside the transaction."""
        number = self.connection.execute(sql.NEXT_NUMBER, {"wanted": prefix}).scalar_one_or_none()
        if number is None:  # a prefix the first migration did not seed
            self.connection.execute(insert(sql.COUNTER), {"prefix": prefix, "last": 1})
            number = 1
        return f"{prefix}-{number}", int(number)

    def get_record(self, lifecycle: Lifecycle, key: str, *, lock: bool = False) -> RecordRow:
        """The record of this kind with this key, or NotFound (with a hint if it is another
        kind)."""
        wanted = lookup_key(key)
        statement = sql.BY_KEY_LOCKED if lock else sql.BY_KEY
        row = self.connection.execute(statement, {"key": wanted, "kind": lifecycle.kind}).first()
        if row is not None:
            return _row(row)
        other = BY_PREFIX.get(wanted.split("-", 1)[0])
        if other is not None and other.kind != lifecycle.kind:
            raise NotFound(
                f"{wanted} is not {lifecycle.a_noun} but {other.a_noun}",
                hint=f"try: svcops {other.kind} show {wanted}",
            )
        raise NotFound(
            f"no {lifecycle.noun} {key.strip()!r}",
            hint=f"{lifecycle.noun} keys look like {lifecycle.prefix}-12",
        )

    def get_any_record(self, key: str, *, lock: bool = False) -> RecordRow:
        """The record with this key, whatever its kind (the key's prefix says which)."""
        wanted = lookup_key(key)
        life = BY_PREFIX.get(wanted.split("-", 1)[0])
        if life is None:
            raise NotFound(
                f"no record {key.strip()!r}", hint="record keys look like INC-4, PRB-2, REQ-9"
            )
        return self.get_record(life, wanted, lock=lock)

    def insert_record(self, values: dict[str, Any]) -> StoredRecord:
        """Store a new record; returns it with its id."""
        full = sql.DEFAULTS | values
        result = self.connection.execute(sql.INSERT_RECORD, full)
        (record_id,) = result.inserted_primary_key or (None,)
        return StoredRecord.model_construct(**full, id=record_id)

    def update_record(self, record: StoredRecord, values: dict[str, Any]) -> None:
        """Write `values` to the record, in memory and stored, one version further on.

        The update holds only while the stored version is the one read: a record changed in
        between (which the locks taken when reading for a change should prevent) is a conflict.
        """
        changes = {**values, "version": record.version + 1}
        done = self.connection.execute(
            sql.UPDATE_RECORD, {**changes, "record_id": record.id, "old_version": record.version}
        )
        if done.rowcount != 1:
            raise Conflict(f"{record.key} changed under you; try again")
        for name, value in changes.items():
            setattr(record, name, value)

    def get_customer(self, key: str) -> Customer:
        wanted = lookup_key(key)
        statement = select(Customer).where(sql.CUSTOMER.c.key == wanted)
        customer = self.session.scalars(statement).first()
        if customer is None:
            raise NotFound(f"no customer {key.strip()!r}", hint="customer keys look like CUS-3")
        return customer

    def add_event(
        self, record: StoredRecord, action: str, *, at: datetime, recorded_at: datetime,
        actor: str, from_value: str | None = None, to_value: str | None = None,
        note: str | None = None,
    ) -> None:  # fmt: skip
        """Append one event to the audit trail (never read back or changed in the same
        command)."""
        self.connection.execute(
            sql.INSERT_EVENT,
            {"record_id": record.id, "at": at, "recorded_at": recorded_at, "actor": actor,
             "action": action, "from_value": from_value, "to_value": to_value, "note": note},
        )  # fmt: skip

    def add_contact(
        self, record: StoredRecord, channel: str, direction: str, at: datetime, *,
        agent: str | None = None, note: str | None = None,
    ) -> None:  # fmt: skip
        """Log one contact on a record."""
        self.connection.execute(
            sql.INSERT_CONTACT,
            {"record_id": record.id, "channel": channel, "direction": direction, "at": at,
             "agent": agent, "note": note},
        )  # fmt: skip

    def list_records(self, kind: str, flt: RecordFilter) -> tuple[list[RecordRow], int]:
        """Records of `kind` matching the filter, newest first, and how many matched in all."""
        c = sql.RECORD.c
        conditions: list[ColumnElement[bool]] = [c.kind == kind]
        if flt.stages:
            conditions.append(c.stage.in_(flt.stages))
        if flt.open_stages is not None:
            conditions.append(c.stage.in_(flt.open_stages))
        if flt.priorities:
            conditions.append(c.priority.in_(flt.priorities))
        if flt.assignee is not None:
            conditions.append(c.assignee == flt.assignee)
        if flt.team is not None:
            conditions.append(c.team == flt.team)
        if flt.since is not None:
            conditions.append(c.opened_at >= flt.since)
        if flt.until is not None:
            conditions.append(c.opened_at < flt.until)
        if flt.window is not None:
            conditions.append(window_condition(flt.window))
        if not flt.limit:  # every match (the count is the rows'), sorted here: an ORDER BY
            # would walk the opened_at index over the whole table to find a few open records
            rows = [_row(row) for row in self.connection.execute(sql.RECORDS.where(*conditions))]
            rows.sort(key=lambda row: (row.record.opened_at, row.record.id or 0), reverse=True)
            return rows, len(rows)
        statement = sql.RECORDS.where(*conditions).order_by(c.opened_at.desc(), c.id.desc())
        count = select(func.count()).select_from(sql.RECORD).where(*conditions)
        total = int(self.connection.execute(count).scalar_one())
        rows = [_row(row) for row in self.connection.execute(statement.limit(flt.limit))]
        return rows, total

    def records_of_customer(self, customer_id: int) -> list[RecordRow]:
        """A customer's records, oldest first."""
        statement = sql.RECORDS.where(sql.RECORD.c.customer_id == customer_id)
        return [_row(row) for row in self.connection.execute(statement.order_by(sql.RECORD.c.id))]

    def linked_incidents(self, problem_ids: Sequence[int]) -> dict[int, list[str]]:
        """Keys of the records linked to each record of `problem_ids`."""
        if not problem_ids:
            return {}
        c = sql.RECORD.c
        rows = self.connection.execute(
            select(c.problem_id, c.key).where(c.problem_id.in_(problem_ids)).order_by(c.number)
        )
        linked: dict[int, list[str]] = {}
        for problem_id, key in rows:
            linked.setdefault(problem_id, []).append(key)
        return linked

    def linked_records(self, problem: StoredRecord, *, lock: bool = False) -> list[StoredRecord]:
        """The records linked to `problem`, oldest first."""
        statement = sql.BY_PROBLEM_LOCKED if lock else sql.BY_PROBLEM
        rows = self.connection.execute(statement, {"problem": problem.id})
        return [_row(row).record for row in rows]

    def known_errors_matching(
        self, kind: str, stage: str, service: str | None, category: str | None
    ) -> list[StoredRecord]:
        """Records of `kind` in its known-error register (`stage`) whose service or category
        matches."""
        c = sql.RECORD.c
        matches = []
        if service:
            matches.append(c.service == service)
        if category:
            matches.append(c.category == category)
        if not matches:
            return []
        statement = sql.RECORDS.where(c.kind == kind, c.stage == stage, or_(*matches))
        return [_row(row).record for row in self.connection.execute(statement.order_by(c.number))]

    def events_of(self, record: StoredRecord) -> list[Row[Any]]:
        """The record's events, oldest first: (at, actor, action, from, to, note) rows."""
        return list(self.connection.execute(sql.EVENTS, {"record": record.id}))

    def contacts_of(self, records: Sequence[int]) -> list[Row[Any]]:
        """The records' contacts, oldest first: (record id, channel, direction, at, agent,
        note)."""
        if not records:
            return []
        return list(self.connection.execute(sql.CONTACTS, {"records": list(records)}))

    def insert_row(self, table: str, values: dict[str, Any]) -> int:
        """Store one row of `table` with Core; returns its generated id (0 when it has none)."""
        result = self.connection.execute(insert(sql.table(table)), values)
        key = result.inserted_primary_key
        return int(key[0]) if key and isinstance(key[0], int) else 0
