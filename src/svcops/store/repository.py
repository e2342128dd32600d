"""Queries and writes on records, events and contacts. Services call these inside a unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, or_, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from svcops.domain.errors import NotFound
from svcops.domain.kinds import BY_PREFIX
from svcops.domain.lifecycle import Lifecycle
from svcops.store.tables import Contact, Customer, Event, KeyCounter, Record


def next_key(session: Session, prefix: str) -> tuple[str, int]:
    """The next human key for a prefix (INC-1, INC-2, ...), taken inside the transaction."""
    # Core, not ORM: no session synchronisation to pay for
    counters = KeyCounter.metadata.tables["key_counter"]
    statement = (
        update(counters)
        .where(counters.c.prefix == prefix)
        .values(last=counters.c.last + 1)
        .returning(counters.c.last)
    )
    number = session.connection().execute(statement).scalar_one_or_none()
    if number is None:  # a prefix the first migration did not seed
        session.add(KeyCounter(prefix=prefix, last=1))
        session.flush()
        number = 1
    return f"{prefix}-{number}", int(number)


def normalise_key(key: str) -> str:
    return key.strip().upper()


def get_record(session: Session, lifecycle: Lifecycle, key: str, *, lock: bool = False) -> Record:
    """The record of this kind with this key, or NotFound (with a hint if it is another kind)."""
    wanted = normalise_key(key)
    statement = select(Record).where(Record.key == wanted, Record.kind == lifecycle.kind)
    if lock:
        statement = statement.with_for_update()
    record = session.exec(statement).first()
    if record is not None:
        return record
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


def get_customer(session: Session, key: str) -> Customer:
    wanted = normalise_key(key)
    customer = session.exec(select(Customer).where(Customer.key == wanted)).first()
    if customer is None:
        raise NotFound(f"no customer {key.strip()!r}", hint="customer keys look like CUS-3")
    return customer


def add_event(
    session: Session,
    record: Record,
    action: str,
    *,
    at: datetime,
    recorded_at: datetime,
    actor: str,
    from_value: str | None = None,
    to_value: str | None = None,
    note: str | None = None,
) -> None:
    assert record.id is not None
    # appended with Core: an event is never read back or changed in the same command, and an
    # ORM object per event costs more than the insert (batch runs thousands of these)
    session.connection().execute(
        insert(Event.metadata.tables["event"]),
        {"record_id": record.id, "at": at, "recorded_at": recorded_at, "actor": actor,
         "action": action, "from_value": from_value, "to_value": to_value, "note": note},
    )  # fmt: skip


def add_contact(
    session: Session,
    record: Record,
    channel: str,
    direction: str,
    at: datetime,
    *,
    agent: str | None = None,
    note: str | None = None,
) -> None:
    """Log one contact on a record (with Core, like events)."""
    assert record.id is not None
    session.connection().execute(
        insert(Contact.metadata.tables["contact"]),
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


@dataclass(frozen=True)
class RecordRow:
    """A record with the keys of what it points at."""

    record: Record
    customer: str | None
    problem: str | None


def list_records(session: Session, kind: str, flt: RecordFilter) -> tuple[list[RecordRow], int]:
    """Records of `kind` matching the filter, newest first, and how many matched in all."""
    conditions: list[ColumnElement[bool]] = [col(Record.kind) == kind]
    if flt.stages:
        conditions.append(col(Record.stage).in_(flt.stages))
    if flt.open_stages is not None:
        conditions.append(col(Record.stage).in_(flt.open_stages))
    if flt.priorities:
        conditions.append(col(Record.priority).in_(flt.priorities))
    if flt.assignee is not None:
        conditions.append(col(Record.assignee) == flt.assignee)
    if flt.team is not None:
        conditions.append(col(Record.team) == flt.team)
    if flt.since is not None:
        conditions.append(col(Record.opened_at) >= flt.since)
    if flt.until is not None:
        conditions.append(col(Record.opened_at) < flt.until)
    if flt.breached_by is not None and flt.sla is not None:
        from svcops.store.reports import SlaSql

        clocks = SlaSql(list(flt.sla), alias="record")
        breached = text(clocks.breached).bindparams(**SlaSql.params(flt.sla, flt.breached_by))
        conditions.append(breached)  # type: ignore[arg-type]
    total = session.exec(select(func.count()).select_from(Record).where(*conditions)).one()
    problem = aliased(Record)
    statement = (
        select(Record, Customer.key, problem.key)
        .outerjoin(Customer, col(Customer.id) == Record.customer_id)
        .outerjoin(problem, col(problem.id) == Record.problem_id)
        .where(*conditions)
        .order_by(col(Record.opened_at).desc(), col(Record.id).desc())
    )
    if flt.limit:
        statement = statement.limit(flt.limit)
    rows = [RecordRow(r, c, p) for r, c, p in session.exec(statement).all()]
    return rows, int(total)


def keys_of(session: Session, record: Record) -> RecordRow:
    """The record with its customer's and problem's keys."""
    customer = problem = None
    if record.customer_id is not None:
        customer = session.exec(
            select(Customer.key).where(Customer.id == record.customer_id)
        ).first()
    if record.problem_id is not None:
        problem = session.exec(select(Record.key).where(Record.id == record.problem_id)).first()
    return RecordRow(record, customer, problem)


def linked_incidents(session: Session, problem_ids: Sequence[int]) -> dict[int, list[str]]:
    """Keys of the incidents linked to each problem."""
    if not problem_ids:
        return {}
    rows = session.exec(
        select(Record.problem_id, Record.key)
        .where(col(Record.problem_id).in_(problem_ids))
        .order_by(col(Record.number))
    ).all()
    linked: dict[int, list[str]] = {}
    for problem_id, key in rows:
        assert problem_id is not None
        linked.setdefault(problem_id, []).append(key)
    return linked


def linked_records(session: Session, problem: Record, *, lock: bool = False) -> list[Record]:
    """The incidents linked to a problem, oldest first."""
    statement = (
        select(Record).where(col(Record.problem_id) == problem.id).order_by(col(Record.number))
    )
    if lock:
        statement = statement.with_for_update()
    return list(session.exec(statement).all())


def known_errors_matching(
    session: Session, service: str | None, category: str | None
) -> list[Record]:
    """Problems in the known-error register whose service or category matches."""
    matches = []
    if service:
        matches.append(col(Record.service) == service)
    if category:
        matches.append(col(Record.category) == category)
    if not matches:
        return []
    statement = (
        select(Record)
        .where(col(Record.kind) == "problem", col(Record.stage) == "known_error", or_(*matches))
        .order_by(col(Record.number))
    )
    return list(session.exec(statement).all())


def get_any_record(session: Session, key: str, *, lock: bool = False) -> Record:
    """The record with this key, whatever its kind (the key's prefix says which)."""
    wanted = normalise_key(key)
    life = BY_PREFIX.get(wanted.split("-", 1)[0])
    if life is None:
        raise NotFound(
            f"no record {key.strip()!r}", hint="record keys look like INC-4, PRB-2, REQ-9"
        )
    return get_record(session, life, wanted, lock=lock)


def events_of(session: Session, record: Record) -> list[Event]:
    return list(
        session.exec(
            select(Event).where(Event.record_id == record.id).order_by(col(Event.at), col(Event.id))
        ).all()
    )


def contacts_of(session: Session, record: Record) -> list[Contact]:
    return list(
        session.exec(
            select(Contact)
            .where(Contact.record_id == record.id)
            .order_by(col(Contact.at), col(Contact.id))
        ).all()
    )
