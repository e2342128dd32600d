"""An in-memory unit of work, so that services are tested without a database (as
cosmicpython's FakeUnitOfWork): the same methods as the store's, over lists and dicts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from svcops.domain.errors import Conflict, NotFound
from svcops.domain.keys import lookup_key
from svcops.domain.kinds import BY_PREFIX, STAGE_EVENT_ACTIONS
from svcops.domain.lifecycle import Lifecycle
from svcops.store.record_sql import DEFAULTS
from svcops.store.records import RecordFilter, RecordRow
from svcops.store.tables import Customer, StoredRecord


@dataclass
class Event:
    record_id: int
    at: datetime
    actor: str
    action: str
    from_value: str | None
    to_value: str | None
    note: str | None


class FakeRecords:
    """Records, their events and contacts, and the key counters, in memory."""

    def __init__(self) -> None:
        self.rows: dict[int, StoredRecord] = {}
        self.events: list[Event] = []
        self.contacts: list[tuple[int, str, str, datetime, str | None, str | None]] = []
        self.customers: dict[int, Customer] = {}
        self.counters: dict[str, int] = {}

    def next_key(self, prefix: str) -> tuple[str, int]:
        self.counters[prefix] = number = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{number}", number

    def _row(self, record: StoredRecord) -> RecordRow:
        customer = self.customers.get(record.customer_id or 0)
        problem = self.rows.get(record.problem_id or 0)
        keys = (customer.key if customer else None, problem.key if problem else None)
        return RecordRow(record, *keys)

    def get_record(self, lifecycle: Lifecycle, key: str, *, lock: bool = False) -> RecordRow:
        wanted = lookup_key(key)
        for record in self.rows.values():
            if record.key == wanted and record.kind == lifecycle.kind:
                return self._row(record)
        raise NotFound(f"no {lifecycle.noun} {key.strip()!r}")

    def get_any_record(self, key: str, *, lock: bool = False) -> RecordRow:
        life = BY_PREFIX.get(lookup_key(key).split("-", 1)[0])
        if life is None:
            raise NotFound(f"no record {key.strip()!r}")
        return self.get_record(life, key, lock=lock)

    def insert_record(self, values: dict[str, Any]) -> StoredRecord:
        record_id = len(self.rows) + 1
        self.rows[record_id] = record = StoredRecord.model_construct(
            **(DEFAULTS | values), id=record_id
        )
        return record

    def update_record(self, record: StoredRecord, values: dict[str, Any]) -> None:
        stored = self.rows[record.id or 0]
        if stored.version != record.version:
            raise Conflict(f"{record.key} changed under you; try again")
        for target in {id(stored): stored, id(record): record}.values():
            for name, value in {**values, "version": record.version + 1}.items():
                setattr(target, name, value)

    def get_customer(self, key: str) -> Customer:
        for customer in self.customers.values():
            if customer.key == lookup_key(key):
                return customer
        raise NotFound(f"no customer {key.strip()!r}")

    def add_event(self, record: StoredRecord, action: str, *, at: datetime, recorded_at: datetime,
                  actor: str, from_value: str | None = None, to_value: str | None = None,
                  note: str | None = None) -> None:  # fmt: skip
        self.events.append(Event(record.id or 0, at, actor, action, from_value, to_value, note))

    def add_contact(self, record: StoredRecord, channel: str, direction: str, at: datetime, *,
                    agent: str | None = None, note: str | None = None) -> None:  # fmt: skip
        self.contacts.append((record.id or 0, channel, direction, at, agent, note))

    def list_records(self, kind: str, flt: RecordFilter) -> tuple[list[RecordRow], int]:
        found = [
            r for r in self.rows.values()
            if r.kind == kind
            and (not flt.stages or r.stage in flt.stages)
            and (flt.open_stages is None or r.stage in flt.open_stages)
            and (not flt.priorities or r.priority in flt.priorities)
            and (flt.assignee is None or r.assignee == flt.assignee)
            and (flt.team is None or r.team == flt.team)
        ]  # fmt: skip
        found.sort(key=lambda r: (r.opened_at, r.id), reverse=True)
        shown = found[: flt.limit] if flt.limit else found
        return [self._row(r) for r in shown], len(found)

    def linked_incidents(self, problem_ids: Sequence[int]) -> dict[int, list[str]]:
        linked: dict[int, list[str]] = {}
        for record in sorted(self.rows.values(), key=lambda r: r.number):
            if record.problem_id in problem_ids:
                linked.setdefault(record.problem_id, []).append(record.key)
        return linked

    def linked_records(self, problem: StoredRecord, *, lock: bool = False) -> list[StoredRecord]:
        return sorted((r for r in self.rows.values() if r.problem_id == problem.id),
                      key=lambda r: r.number)  # fmt: skip

    def known_errors_matching(
        self, kind: str, stage: str, service: str | None, category: str | None
    ) -> list[StoredRecord]:
        return [
            r for r in self.rows.values()
            if r.kind == kind and r.stage == stage
            and ((service and r.service == service) or (category and r.category == category))
        ]  # fmt: skip

    def events_of(self, record: StoredRecord) -> list[tuple[Any, ...]]:
        mine = [e for e in self.events if e.record_id == record.id]
        return [(e.at, e.actor, e.action, e.from_value, e.to_value, e.note)
                for e in sorted(mine, key=lambda e: e.at)]  # fmt: skip

    def contacts_of(self, records: Sequence[int]) -> list[tuple[Any, ...]]:
        return sorted((c for c in self.contacts if c[0] in records), key=lambda c: c[3])


class FakeSla:
    """The SLA clocks' inputs (store/sla.py), read from the fake records' events."""

    def __init__(self, records: FakeRecords) -> None:
        self.records = records

    def moves(self, record_ids: Sequence[int]) -> dict[int, list[tuple[int, str, str | None]]]:
        found: dict[int, list[tuple[int, str, str | None]]] = {}
        for e in sorted(self.records.events, key=lambda e: e.at):
            if e.record_id in record_ids and e.action in STAGE_EVENT_ACTIONS and e.to_value:
                found.setdefault(e.record_id, []).append(
                    (int(e.at.timestamp()), e.to_value, e.note)
                )
        return found


@dataclass
class FakeUnitOfWork:
    """What a service's transaction holds; `committed` counts the units that wrote."""

    records: FakeRecords = field(default_factory=FakeRecords)

    @property
    def sla(self) -> FakeSla:
        return FakeSla(self.records)

    committed: int = 0
    rolled_back: int = 0

    @contextmanager
    def begin(self, url: str, *, write: bool, snapshot: bool = False) -> Iterator[FakeUnitOfWork]:
        """A unit of work: the store's changes are kept only when it ends without an error."""
        store = self.records
        saved = ({k: r.model_copy() for k, r in store.rows.items()}, list(store.events),
                 list(store.contacts), dict(store.counters))  # fmt: skip
        try:
            yield self
        except BaseException:
            store.rows, store.events, store.contacts, store.counters = saved
            self.rolled_back += 1
            raise
        if write:
            self.committed += 1
