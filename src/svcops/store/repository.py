"""Queries and writes on records, events and contacts. Services call these inside a unit of work.

Records, events and contacts go through Core statements built once, at import, with bound
parameters: a command reads or changes one record in a few statements, and batch runs thousands
of commands, so neither the ORM's identity map nor building each statement anew is paid for.
Records come back as `StoredRecord`s (plain data) and go back with `update_record`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlmodel import Session, SQLModel

from svcops.domain.errors import Conflict, NotFound
from svcops.domain.kinds import BY_PREFIX
from svcops.domain.lifecycle import Lifecycle
from svcops.store.tables import Customer, StoredRecord


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


RECORD, EVENT, CONTACT = _table("record"), _table("event"), _table("contact")
CUSTOMER, COUNTER = _table("customer"), _table("key_counter")
RECORD_COLUMNS = tuple(RECORD.c.keys())
_PROBLEM = RECORD.alias("problem")
# a new record's fields that the service leaves unnamed (all columns named: one statement)
_DEFAULTS: dict[str, Any] = {
    name: None if field.is_required() else field.default
    for name, field in StoredRecord.model_fields.items()
    if name != "id"
}

# every record comes with the keys of its customer and its problem (one statement, not three)
_RECORDS = select(
    RECORD,
    select(CUSTOMER.c.key).where(CUSTOMER.c.id == RECORD.c.customer_id).scalar_subquery(),
    select(_PROBLEM.c.key).where(_PROBLEM.c.id == RECORD.c.problem_id).scalar_subquery(),
)
_BY_KEY = _RECORDS.where(RECORD.c.key == bindparam("key"), RECORD.c.kind == bindparam("kind"))
_BY_KEY_LOCKED = _BY_KEY.with_for_update(of=RECORD)  # FOR UPDATE OF record on PostgreSQL
_BY_PROBLEM = _RECORDS.where(RECORD.c.problem_id == bindparam("problem")).order_by(RECORD.c.number)
_BY_PROBLEM_LOCKED = _BY_PROBLEM.with_for_update(of=RECORD)
_INSERT_RECORD = insert(RECORD)
# the SET clause is whatever columns the call passes; the version guards against lost updates
_UPDATE_RECORD = update(RECORD).where(
    RECORD.c.id == bindparam("record_id"), RECORD.c.version == bindparam("old_version")
)
_INSERT_EVENT = insert(EVENT)
_INSERT_CONTACT = insert(CONTACT)
_EVENT_VALUES = (EVENT.c.at, EVENT.c.actor, EVENT.c.action, EVENT.c.from_value,
                 EVENT.c.to_value, EVENT.c.note)  # fmt: skip
_EVENTS = (
    select(*_EVENT_VALUES)
    .where(EVENT.c.record_id == bindparam("record"))
    .order_by(EVENT.c.at, EVENT.c.id)
)
_CONTACT_VALUES = (CONTACT.c.channel, CONTACT.c.direction, CONTACT.c.at, CONTACT.c.agent,
                   CONTACT.c.note)  # fmt: skip
_CONTACTS = (
    select(CONTACT.c.record_id, *_CONTACT_VALUES)
    .where(CONTACT.c.record_id.in_(bindparam("records", expanding=True)))
    .order_by(CONTACT.c.at, CONTACT.c.id)
)
_NEXT_NUMBER = (
    update(COUNTER)
    .where(COUNTER.c.prefix == bindparam("wanted"))
    .values(last=COUNTER.c.last + 1)
    .returning(COUNTER.c.last)
)


def _connection(session: Session) -> Connection:
    """The connection of the session's transaction, asked of the ORM once per session (the
    ORM's lookup costs more than some of the statements run on it)."""
    connection = session.info.get("connection")
    if connection is None or connection.closed or not connection.in_transaction():
        connection = session.info["connection"] = session.connection()
    return connection


def next_key(session: Session, prefix: str) -> tuple[str, int]:
    """The next human key for a prefix (INC-1, INC-2, ...), taken inside the transaction."""
    connection = _connection(session)
    number = connection.execute(_NEXT_NUMBER, {"wanted": prefix}).scalar_one_or_none()
    if number is None:  # a prefix the first migration did not seed
        connection.execute(insert(COUNTER), {"prefix": prefix, "last": 1})
        number = 1
    return f"{prefix}-{number}", int(number)


def normalise_key(key: str) -> str:
    return key.strip().upper()


@dataclass(frozen=True)
class RecordRow:
    """A record with the keys of what it points at."""

    record: StoredRecord
    customer: str | None
    problem: str | None


def _row(row: Sequence[Any]) -> RecordRow:
    """A stored record from a row of `_RECORDS` (its columns, then the two keys)."""
    values = dict(zip(RECORD_COLUMNS, row, strict=False))
    return RecordRow(StoredRecord.model_construct(**values), row[-2], row[-1])


def get_record(
    session: Session, lifecycle: Lifecycle, key: str, *, lock: bool = False
) -> RecordRow:
    """The record of this kind with this key, or NotFound (with a hint if it is another kind)."""
    wanted = normalise_key(key)
    statement = _BY_KEY_LOCKED if lock else _BY_KEY
    found = _connection(session).execute(statement, {"key": wanted, "kind": lifecycle.kind})
    row = found.first()
    if row is not None:
        return _row(row)
    prefix = wanted.split("-", 1)[0]
    other = BY_PREFIX.get(prefix)
    if other is not None and other.kind != lifecycle.kind:
        raise NotFound(
            f"{wanted} is not {lifecycle.a_noun} but {other.a_noun}",
            hint=f"try: svcops {other.kind} show {wanted}",
        )
    raise NotFound(
        f"no {lifecycle.noun} {key.strip()!r}",
        hint=f"{lifecycle.noun} keys look like {lifecycle.prefix}-12",
    )


def insert_record(session: Session, values: dict[str, Any]) -> StoredRecord:
    """Store a new record; returns it with its id."""
    full = _DEFAULTS | values
    result = _connection(session).execute(_INSERT_RECORD, full)
    (record_id,) = result.inserted_primary_key or (None,)
    return StoredRecord.model_construct(**full, id=record_id)


def insert_row(session: Session, table: str, values: dict[str, Any]) -> int:
    """Store one row of `table` with Core; returns its generated id (0 when it has none)."""
    result = _connection(session).execute(insert(_table(table)), values)
    key = result.inserted_primary_key
    return int(key[0]) if key and isinstance(key[0], int) else 0


def update_record(session: Session, record: StoredRecord, values: dict[str, Any]) -> None:
    """Write `values` to the record, in memory and stored, one version further on.

    The update holds only while the stored version is the one read: a record changed in
    between (which the locks taken when reading for a change should prevent) is a conflict.
    """
    changes = {**values, "version": record.version + 1}
    done = _connection(session).execute(
        _UPDATE_RECORD, {**changes, "record_id": record.id, "old_version": record.version}
    )
    if done.rowcount != 1:
        raise Conflict(f"{record.key} changed under you; try again")
    for name, value in changes.items():
        setattr(record, name, value)


def get_customer(session: Session, key: str) -> Customer:
    wanted = normalise_key(key)
    customer = session.scalars(select(Customer).where(CUSTOMER.c.key == wanted)).first()
    if customer is None:
        raise NotFound(f"no customer {key.strip()!r}", hint="customer keys look like CUS-3")
    return customer


def add_event(
    session: Session,
    record: StoredRecord,
    action: str,
    *,
    at: datetime,
    recorded_at: datetime,
    actor: str,
    from_value: str | None = None,
    to_value: str | None = None,
    note: str | None = None,
) -> None:
    """Append one event to the audit trail (never read back or changed in the same command)."""
    _connection(session).execute(
        _INSERT_EVENT,
        {"record_id": record.id, "at": at, "recorded_at": recorded_at, "actor": actor,
         "action": action, "from_value": from_value, "to_value": to_value, "note": note},
    )  # fmt: skip


def add_contact(
    session: Session,
    record: StoredRecord,
    channel: str,
    direction: str,
    at: datetime,
    *,
    agent: str | None = None,
    note: str | None = None,
) -> None:
    """Log one contact on a record."""
    _connection(session).execute(
        _INSERT_CONTACT,
        {"record_id": record.id, "channel": channel, "direction": direction, "at": at,
         "agent": agent, "note": note},
    )  # fmt: skip


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
    breached_by: datetime | None = None  # only records whose SLA had breached by this time
    sla: dict[str, tuple[int, int]] | None = None


def list_records(session: Session, kind: str, flt: RecordFilter) -> tuple[list[RecordRow], int]:
    """Records of `kind` matching the filter, newest first, and how many matched in all."""
    c = RECORD.c
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
    if flt.breached_by is not None and flt.sla is not None:
        from svcops.store.reports import SlaSql

        clocks = SlaSql(list(flt.sla), alias="record")
        breached = text(clocks.breached).bindparams(**SlaSql.params(flt.sla, flt.breached_by))
        conditions.append(breached)  # type: ignore[arg-type]
    connection = _connection(session)
    total = connection.execute(select(func.count()).select_from(RECORD).where(*conditions))
    statement = _RECORDS.where(*conditions).order_by(c.opened_at.desc(), c.id.desc())
    if flt.limit:
        statement = statement.limit(flt.limit)
    rows = [_row(row) for row in connection.execute(statement)]
    return rows, int(total.scalar_one())


def records_of_customer(session: Session, customer_id: int) -> list[RecordRow]:
    """A customer's records, oldest first."""
    statement = _RECORDS.where(RECORD.c.customer_id == customer_id).order_by(RECORD.c.id)
    return [_row(row) for row in _connection(session).execute(statement)]


def linked_incidents(session: Session, problem_ids: Sequence[int]) -> dict[int, list[str]]:
    """Keys of the incidents linked to each problem."""
    if not problem_ids:
        return {}
    rows = _connection(session).execute(
        select(RECORD.c.problem_id, RECORD.c.key)
        .where(RECORD.c.problem_id.in_(problem_ids))
        .order_by(RECORD.c.number)
    )
    linked: dict[int, list[str]] = {}
    for problem_id, key in rows:
        linked.setdefault(problem_id, []).append(key)
    return linked


def linked_records(
    session: Session, problem: StoredRecord, *, lock: bool = False
) -> list[StoredRecord]:
    """The incidents linked to a problem, oldest first."""
    statement = _BY_PROBLEM_LOCKED if lock else _BY_PROBLEM
    rows = _connection(session).execute(statement, {"problem": problem.id})
    return [_row(row).record for row in rows]


def known_errors_matching(
    session: Session, kind: str, stage: str, service: str | None, category: str | None
) -> list[StoredRecord]:
    """Records of `kind` in its known-error register (`stage`) whose service or category
    matches."""
    matches = []
    if service:
        matches.append(RECORD.c.service == service)
    if category:
        matches.append(RECORD.c.category == category)
    if not matches:
        return []
    statement = _RECORDS.where(
        RECORD.c.kind == kind, RECORD.c.stage == stage, or_(*matches)
    ).order_by(RECORD.c.number)
    return [_row(row).record for row in _connection(session).execute(statement)]


def get_any_record(session: Session, key: str, *, lock: bool = False) -> RecordRow:
    """The record with this key, whatever its kind (the key's prefix says which)."""
    wanted = normalise_key(key)
    life = BY_PREFIX.get(wanted.split("-", 1)[0])
    if life is None:
        raise NotFound(
            f"no record {key.strip()!r}", hint="record keys look like INC-4, PRB-2, REQ-9"
        )
    return get_record(session, life, wanted, lock=lock)


def events_of(session: Session, record: StoredRecord) -> list[Row[Any]]:
    """The record's events, oldest first: (at, actor, action, from, to, note) rows."""
    return list(_connection(session).execute(_EVENTS, {"record": record.id}))


def contacts_of(session: Session, records: Sequence[int]) -> list[Row[Any]]:
    """The records' contacts, oldest first: (record id, channel, direction, at, agent, note)."""
    if not records:
        return []
    return list(_connection(session).execute(_CONTACTS, {"records": list(records)}))
