"""The database side of a flat or log import: the write lock, the key counter, the inserts,
and the queries that tell which rows were imported before."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlmodel import Session, SQLModel

from svcops.domain.errors import Conflict
from svcops.store.bulk import bulk_insert_rows
from svcops.store.tables import Record

EVENT_COLUMNS = ("record_id", "at", "action", "from_value", "to_value")  # per event
CONTACT_COLUMNS = ("record_id", "channel", "direction", "at")

RECORD_COLUMNS = tuple(Record.__table__.c.keys())  # type: ignore[attr-defined]
ID, KEY, NUMBER = (RECORD_COLUMNS.index(name) for name in ("id", "key", "number"))
LOOKUP = 5_000  # values per IN (...) list: well inside every backend's parameter limit


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _records() -> Table:
    return _table("record")


def imported_before(connection: Connection, kind: str) -> bool:
    """Whether any record of `kind` came from an import that left its fingerprint."""
    records = _records()
    found = connection.execute(
        select(records.c.id)
        .where(records.c.kind == kind, records.c.source_hash.is_not(None))
        .limit(1)
    ).first()
    return found is not None


def records_by_key(
    connection: Connection, keys: Collection[str]
) -> dict[str, tuple[int, str | None]]:
    """The records among `keys` that exist: their id and the fingerprint each was imported from."""
    records = _records()
    found: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(keys):
        statement = select(records.c.key, records.c.id, records.c.source_hash).where(
            records.c.key.in_(chunk)
        )
        found.update((key, (id_, fp)) for key, id_, fp in connection.execute(statement))
    return found


def records_by_external_id(
    connection: Connection, kind: str, external_ids: Collection[str]
) -> dict[str, tuple[str, str | None]]:
    """The records of `kind` imported with one of `external_ids`: their key and fingerprint."""
    records = _records()
    found: dict[str, tuple[str, str | None]] = {}
    for chunk in _chunks(external_ids):
        statement = select(records.c.external_id, records.c.key, records.c.source_hash).where(
            records.c.kind == kind, records.c.external_id.in_(chunk)
        )
        found.update({external: (key, fp) for external, key, fp in connection.execute(statement)})
    return found


def known_fingerprints(
    connection: Connection, kind: str, fingerprints: Collection[str]
) -> set[str]:
    """Which of `fingerprints` records of `kind` without an external id were imported from."""
    records = _records()
    found: set[str] = set()
    for chunk in _chunks(fingerprints):
        statement = select(records.c.source_hash).where(
            records.c.kind == kind,
            records.c.external_id.is_(None),
            records.c.source_hash.in_(chunk),
        )
        found.update(connection.execute(statement).scalars())
    return found


def _chunks(values: Collection[str]) -> list[list[str]]:
    ordered = list(values)
    return [ordered[start : start + LOOKUP] for start in range(0, len(ordered), LOOKUP)]


@dataclass
class Unchanged:
    """What an import left as it was: rows an earlier import made records of."""

    records: int = 0
    events: int = 0
    contacts: int = 0
    anomalies: int = 0


@dataclass
class Rows:
    """One batch of rows to insert, as the columns store them."""

    records: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    contacts: list[tuple[Any, ...]]
    # per record: the key the input gave (the others were handed out past the counter), the
    # source's id and the row's fingerprint; what the writer matches earlier imports with
    identities: list[tuple[str | None, str | None, str | None]]
    anomalies: list[int]  # per record: its observed moves today's lifecycle would not allow


class Writer:
    """The database side of an import: the write lock, the key counter, the inserts.

    Keys and record ids are handed out by the row maker from where this writer found them,
    under the import's write lock, so a batch needs no lookups: its records, events and
    contacts are three executemany statements.
    """

    def __init__(
        self, session: Session, *, kind: str, prefix: str, recorded: dict[str, Any]
    ) -> None:
        self.connection = connection = session.connection()
        self.kind, self.prefix = kind, prefix
        self.recorded = recorded  # what every event shares, written into the statement once
        records = _table("record")
        if self.connection.dialect.name == "postgresql":
            # concurrent opens wait for the import (they would take numbers it hands out)
            self.connection.exec_driver_sql("LOCK TABLE record IN SHARE ROW EXCLUSIVE MODE")
        self.last_number = _last_number(connection, prefix)
        self.next_id = self.first_id = 1 + int(
            self.connection.execute(select(func.coalesce(func.max(records.c.id), 0))).scalar_one()
        )
        # into an empty table, records go in faster without its secondary indexes, which are
        # built once at the end (sorted, in one pass) inside the same transaction; events' and
        # contacts' indexes lead with the record id, handed out in order: they only grow at
        # their end
        self.deferred = (
            list(records.indexes)
            if self.next_id == 1 and self.connection.dialect.name == "sqlite" else []
        )  # fmt: skip
        for index in self.deferred:
            index.drop(self.connection)
        # rows an earlier import made records of are matched by their external id or their
        # fingerprint; in a table without imported records nothing can match, and nothing is
        # looked up (given keys are always checked)
        self.matching = imported_before(self.connection, kind)
        self.shifted = False  # rows were left out: the records after them are renumbered
        self.unchanged = Unchanged()
        if self.connection.dialect.name == "sqlite":  # pages as needed, up to 128 MiB
            self.connection.exec_driver_sql("PRAGMA cache_size = -131072")

    def write(self, rows: Rows) -> None:
        """Insert the batch's records; rows imported before from the same values are left as
        they are, and the records after them take the ids and numbers they would have had."""
        before = self._imported_before(rows)
        if before or self.shifted:
            rows = self._without(rows, before)
        else:  # the row maker's ids and numbers are right: follow them
            self.next_id += len(rows.records)
            self._take_numbers(rows.identities)
        bulk_insert_rows(self.connection, _table("record"), RECORD_COLUMNS, rows.records)
        bulk_insert_rows(
            self.connection, _table("event"), EVENT_COLUMNS, rows.events, self.recorded
        )
        bulk_insert_rows(self.connection, _table("contact"), CONTACT_COLUMNS, rows.contacts)

    def _imported_before(self, rows: Rows) -> set[int]:
        """The batch's rows (by position) that an earlier import made records of."""
        identities, before = rows.identities, set()
        given = {key: at for at, (key, _external, _fingerprint) in enumerate(identities) if key}
        for key, (record_id, fingerprint) in records_by_key(self.connection, given).items():
            if record_id >= self.first_id:  # made by this import, from a row without a key
                raise Conflict(
                    f"{key} was handed out by this import to an earlier row without a key",
                    hint="give every row a key or none, or put the rows with keys first",
                )
            if fingerprint is None or fingerprint != identities[given[key]][2]:
                raise Conflict(f"{key} already exists; import adds new records")
            before.add(given[key])
        if not self.matching:
            return before
        external = {e: at for at, (key, e, _f) in enumerate(identities) if e and not key}
        found = records_by_external_id(self.connection, self.kind, external)
        for external_id, (key, fingerprint) in found.items():
            if fingerprint != identities[external[external_id]][2]:
                raise Conflict(
                    f"external id {external_id!r} was imported before as {key}, from other "
                    "values; an import adds records and changes none",
                    hint=f"change {key} with svcops, or import the row under a new external id",
                )
            before.add(external[external_id])
        plain = {f: at for at, (key, e, f) in enumerate(identities) if f and not key and not e}
        before.update(plain[f] for f in known_fingerprints(self.connection, self.kind, plain))
        return before

    def _take_numbers(self, identities: list[tuple[str | None, str | None, str | None]]) -> None:
        """Move past the numbers of a batch's records as the row maker handed them out."""
        given = [int(key.split("-", 1)[1]) for key, _e, _f in identities if key]
        self.last_number = max(self.last_number, *given) if given else self.last_number
        self.last_number += sum(1 for key, _e, _f in identities if not key)

    def _without(self, rows: Rows, before: set[int]) -> Rows:
        """The batch without the rows imported before; the others renumbered to follow on."""
        self.shifted = True
        kept = [at for at in range(len(rows.records)) if at not in before]
        identities = [rows.identities[at] for at in kept]
        given = [int(key.split("-", 1)[1]) for key, _e, _f in identities if key]
        self.last_number = max(self.last_number, *given) if given else self.last_number
        ids: dict[int, int] = {}
        records = []
        for at, (key, _external, _fingerprint) in zip(kept, identities, strict=True):
            values = list(rows.records[at])
            ids[values[ID]] = values[ID] = self.next_id
            self.next_id += 1
            if not key:
                self.last_number += 1
                values[NUMBER] = self.last_number
                values[KEY] = f"{self.prefix}-{self.last_number}"
            records.append(tuple(values))
        events = [(ids[row[0]], *row[1:]) for row in rows.events if row[0] in ids]
        contacts = [(ids[row[0]], *row[1:]) for row in rows.contacts if row[0] in ids]
        self.unchanged.records += len(before)
        self.unchanged.events += len(rows.events) - len(events)
        self.unchanged.contacts += len(rows.contacts) - len(contacts)
        self.unchanged.anomalies += sum(rows.anomalies[at] for at in before)
        return Rows(records, events, contacts, identities, [rows.anomalies[at] for at in kept])

    def finish(self) -> Unchanged:
        """Build the deferred indexes, move the key counter (and id sequence) past it all;
        what was left as it was."""
        for index in self.deferred:
            index.create(self.connection)
        counters = _table("key_counter")
        self.connection.execute(
            update(counters).where(counters.c.prefix == self.prefix).values(last=self.last_number)
        )
        if self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('record', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM record))"
            )
        return self.unchanged


def _last_number(connection: Connection, prefix: str) -> int:
    """The key counter of `prefix`, locked for this transaction; made when a kind's first
    records come from an import."""
    counters = _table("key_counter")
    last = connection.execute(
        update(counters).where(counters.c.prefix == prefix)
        .values(last=counters.c.last).returning(counters.c.last)
    ).scalar_one_or_none()  # fmt: skip
    if last is None:
        connection.execute(insert(counters).values(prefix=prefix, last=0))
        return 0
    return int(last)
