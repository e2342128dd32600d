"""The Core statements on records, events and contacts, built once at import with bound
parameters: a command reads or changes one record in a few statements, and batch runs thousands
of commands, so building each statement anew is not paid for (see store/records.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlmodel import SQLModel

from svcops.store.tables import StoredRecord


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


RECORD, EVENT, CONTACT = table("record"), table("event"), table("contact")
CUSTOMER, COUNTER = table("customer"), table("key_counter")
RECORD_COLUMNS = tuple(RECORD.c.keys())
PROBLEM = RECORD.alias("problem")
# a new record's fields that the service leaves unnamed (all columns named: one statement)
DEFAULTS: dict[str, Any] = {
    name: None if field.is_required() else field.default
    for name, field in StoredRecord.model_fields.items()
    if name != "id"
}

# every record comes with the keys of its customer and its problem (one statement, not three)
RECORDS = select(
    RECORD,
    select(CUSTOMER.c.key).where(CUSTOMER.c.id == RECORD.c.customer_id).scalar_subquery(),
    select(PROBLEM.c.key).where(PROBLEM.c.id == RECORD.c.problem_id).scalar_subquery(),
)
BY_KEY = RECORDS.where(RECORD.c.key == bindparam("key"), RECORD.c.kind == bindparam("kind"))
BY_KEY_LOCKED = BY_KEY.with_for_update(of=RECORD)  # FOR UPDATE OF record on PostgreSQL
BY_PROBLEM = RECORDS.where(RECORD.c.problem_id == bindparam("problem")).order_by(RECORD.c.number)
BY_PROBLEM_LOCKED = BY_PROBLEM.with_for_update(of=RECORD)
INSERT_RECORD = insert(RECORD)
# the SET clause is whatever columns the call passes; the version guards against lost updates
UPDATE_RECORD = update(RECORD).where(
    RECORD.c.id == bindparam("record_id"), RECORD.c.version == bindparam("old_version")
)
INSERT_EVENT = insert(EVENT)
INSERT_CONTACT = insert(CONTACT)
EVENT_VALUES = (EVENT.c.at, EVENT.c.actor, EVENT.c.action, EVENT.c.from_value,
                 EVENT.c.to_value, EVENT.c.note)  # fmt: skip
EVENTS = (
    select(*EVENT_VALUES)
    .where(EVENT.c.record_id == bindparam("record"))
    .order_by(EVENT.c.at, EVENT.c.id)
)
CONTACT_VALUES = (CONTACT.c.channel, CONTACT.c.direction, CONTACT.c.at, CONTACT.c.agent,
                   CONTACT.c.note)  # fmt: skip
CONTACTS = (
    select(CONTACT.c.record_id, *CONTACT_VALUES)
    .where(CONTACT.c.record_id.in_(bindparam("records", expanding=True)))
    .order_by(CONTACT.c.at, CONTACT.c.id)
)
NEXT_NUMBER = (
    update(COUNTER)
    .where(COUNTER.c.prefix == bindparam("wanted"))
    .values(last=COUNTER.c.last + 1)
    .returning(COUNTER.c.last)
)
