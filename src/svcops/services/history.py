"""Bring history in: records from another tool (one row per record) and event logs (one row per
stage change), rebuilt with their stage history so that reports work on them.

Both paths end in the same place: a record opened at some instant, then a list of observed
stage changes. The changes are applied with the lifecycle's effects (first response,
resolution, hold clock, reopen, closing); a change today's lifecycle would not allow is kept
as it happened and counted as an anomaly. Rows go in with Core executemany in one transaction.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from svcops.config import Settings
from svcops.domain import lifecycle as lc
from svcops.domain.errors import Conflict, InvalidInput
from svcops.domain.fingerprint import Fingerprints
from svcops.domain.kinds import CHANNELS, DELIVERY_MODELS, lifecycle
from svcops.domain.lifecycle import Lifecycle, State
from svcops.domain.numbers import whole_number
from svcops.domain.priority import check_level, check_priority, priority_for
from svcops.domain.timeparse import EARLIEST, LATEST, format_instant, parse_when, utc_instant
from svcops.services.base import FUTURE_SLACK, Call, transaction
from svcops.services.transfer import json_objects, table
from svcops.services.worker import in_worker, paused_gc
from svcops.store.bulk import bulk_insert_rows
from svcops.store.imports import (
    fingerprints_by_key,
    imported_before,
    known_fingerprints,
    records_by_external_id,
)
from svcops.store.tables import Contact, Event, KeyCounter, Record

BATCH = 5_000
csv.field_size_limit(16 * 1024 * 1024)  # long notes and descriptions are data, not errors
TEXT_FIELDS = ("title", "service", "category", "team", "assignee", "root_cause", "workaround")
FLAT_FIELDS = (
    "key", "title", "impact", "urgency", "priority", "service", "category", "channel",
    "assignee", "team", "model", "due_at", "root_cause", "workaround", "opened_at",
    "first_response_at", "stage", "resolved_at", "closed_at", "reopen_count", "external_id",
)  # fmt: skip


@dataclass
class Case:
    """One record to build: where it came from, its fields and its observed history."""

    where: str  # "line 12" or "case Case3608", for messages
    opened_at: datetime
    fields: dict[str, Any]
    changes: list[tuple[datetime, str]] = field(default_factory=list)
    key: str | None = None
    # a flat row says when the customer first heard back, or nothing: then no first response
    # is claimed for moves the import had to assume; a log's history shows it (derive=True)
    derive_first_response: bool = True
    first_response_at: datetime | None = None
    logs_contact: bool = True  # the first inbound contact, as `open` logs it
    external_id: str | None = None  # the source's own id for it (a log's case id)
    fingerprint: str | None = None  # of the source row or case: the same rows, the same value


@dataclass
class HistorySummary:
    records: int = 0
    unchanged: int = 0  # rows already imported before, from the same values: left as they are
    events: int = 0
    contacts: int = 0
    skipped_values: dict[str, int] = field(default_factory=dict)
    skipped_rows: int = 0
    anomalies: int = 0
    anomaly_examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---- building records -------------------------------------------------------------------------


EVENT_COLUMNS = ("record_id", "at", "action", "from_value", "to_value")  # per event
NOTE = "imported"  # every imported event's note
CONTACT_COLUMNS = ("record_id", "channel", "direction", "at")
RECORD_COLUMNS = tuple(table(Record).c.keys())
ID, KEY, NUMBER = (RECORD_COLUMNS.index(name) for name in ("id", "key", "number"))


@dataclass
class _Rows:
    """One batch of rows to insert, as the columns store them."""

    records: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    contacts: list[tuple[Any, ...]]
    # per record: the key the input gave (the others were handed out past the counter), the
    # source's id and the row's fingerprint; what the writer matches earlier imports with
    identities: list[tuple[str | None, str | None, str | None]]


@dataclass
class _Made:
    """What the row maker ends with: its summary."""

    summary: HistorySummary


class _Writer:
    """The database side of an import: the write lock, the key counter, the inserts.

    Keys and record ids are handed out by the row maker from where this writer found them,
    under the import's write lock, so a batch needs no lookups: its records, events and
    contacts are three executemany statements.
    """

    def __init__(self, session: Session, call: Call, life: Lifecycle) -> None:
        self.connection = session.connection()
        self.life = life
        # what every event of the import shares goes into the statement once
        self.recorded = {"recorded_at": int(call.now.timestamp()), "actor": call.settings.actor,
                         "note": NOTE}  # fmt: skip
        records, counters = table(Record), table(KeyCounter)
        if self.connection.dialect.name == "postgresql":
            # concurrent opens wait for the import (they would take numbers it hands out)
            self.connection.exec_driver_sql("LOCK TABLE record IN SHARE ROW EXCLUSIVE MODE")
        self.last_number = int(
            self.connection.execute(
                update(counters).where(counters.c.prefix == life.prefix)
                .values(last=counters.c.last).returning(counters.c.last)
            ).scalar_one()
        )  # fmt: skip
        self.next_id = 1 + int(
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
        self.matching = imported_before(self.connection, life.kind)
        self.shifted = False  # rows were left out: the records after them are renumbered
        self.unchanged = HistorySummary()
        if self.connection.dialect.name == "sqlite":  # pages as needed, up to 128 MiB
            self.connection.exec_driver_sql("PRAGMA cache_size = -131072")

    def write(self, rows: _Rows) -> None:
        """Insert the batch's records; rows imported before from the same values are left as
        they are, and the records after them take the ids and numbers they would have had."""
        before = self._imported_before(rows)
        if before or self.shifted:
            rows = self._without(rows, before)
        else:  # the row maker's ids and numbers are right: follow them
            self.next_id += len(rows.records)
            self._take_numbers(rows.identities)
        bulk_insert_rows(self.connection, table(Record), RECORD_COLUMNS, rows.records)
        bulk_insert_rows(self.connection, table(Event), EVENT_COLUMNS, rows.events, self.recorded)
        bulk_insert_rows(self.connection, table(Contact), CONTACT_COLUMNS, rows.contacts)

    def _imported_before(self, rows: _Rows) -> set[int]:
        """The batch's rows (by position) that an earlier import made records of."""
        identities, before = rows.identities, set()
        given = {key: at for at, (key, _external, _fingerprint) in enumerate(identities) if key}
        for key, fingerprint in fingerprints_by_key(self.connection, given).items():
            if fingerprint is None or fingerprint != identities[given[key]][2]:
                raise Conflict(f"{key} already exists; import adds new records")
            before.add(given[key])
        if not self.matching:
            return before
        external = {e: at for at, (key, e, _f) in enumerate(identities) if e and not key}
        found = records_by_external_id(self.connection, self.life.kind, external)
        for external_id, (key, fingerprint) in found.items():
            if fingerprint != identities[external[external_id]][2]:
                raise Conflict(
                    f"external id {external_id!r} was imported before as {key}, from other "
                    "values; an import adds records and changes none",
                    hint=f"change {key} with svcops, or import the row under a new external id",
                )
            before.add(external[external_id])
        plain = {f: at for at, (key, e, f) in enumerate(identities) if f and not key and not e}
        before.update(plain[f] for f in known_fingerprints(self.connection, self.life.kind, plain))
        return before

    def _take_numbers(self, identities: list[tuple[str | None, str | None, str | None]]) -> None:
        """Move past the numbers of a batch's records as the row maker handed them out."""
        given = [int(key.split("-", 1)[1]) for key, _e, _f in identities if key]
        self.last_number = max(self.last_number, *given) if given else self.last_number
        self.last_number += sum(1 for key, _e, _f in identities if not key)

    def _without(self, rows: _Rows, before: set[int]) -> _Rows:
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
                values[KEY] = f"{self.life.prefix}-{self.last_number}"
            records.append(tuple(values))
        events = [(ids[row[0]], *row[1:]) for row in rows.events if row[0] in ids]
        contacts = [(ids[row[0]], *row[1:]) for row in rows.contacts if row[0] in ids]
        self.unchanged.records += len(before)
        self.unchanged.events += len(rows.events) - len(events)
        self.unchanged.contacts += len(rows.contacts) - len(contacts)
        return _Rows(records, events, contacts, identities)

    def finish(self, summary: HistorySummary) -> None:
        """Build the deferred indexes, move the key counter (and id sequence) past it all, and
        say in `summary` what was left as it was."""
        for index in self.deferred:
            index.create(self.connection)
        counters = table(KeyCounter)
        self.connection.execute(
            update(counters).where(counters.c.prefix == self.life.prefix)
            .values(last=self.last_number)
        )  # fmt: skip
        if self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('record', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM record))"
            )
        summary.unchanged = self.unchanged.records
        summary.records -= self.unchanged.records
        summary.events -= self.unchanged.events
        summary.contacts -= self.unchanged.contacts


class _RowMaker:
    """Turns cases into batches of rows; touches no database, so it can run in a worker."""

    def __init__(self, settings: Settings, life: Lifecycle, next_id: int, last_number: int) -> None:
        self.settings = settings
        self.life = life
        self.next_id, self.last_number = next_id, last_number
        self.summary = HistorySummary()
        self.given_keys: set[str] = set()
        self.external_ids: set[str] = set()
        self.paused = set(life.stages_in(State.PAUSED))
        self.templates: dict[tuple[str, ...], _History] = {}
        self.record_values = itemgetter(*RECORD_COLUMNS)

    def make(self, cases: Iterable[Case]) -> Iterator[_Rows | _Made]:
        """Batches of rows for `cases`, then what was made."""
        pending: list[Case] = []
        for case in cases:
            pending.append(case)
            if len(pending) >= BATCH:
                yield self._batch(pending)
                pending = []
        if pending:
            yield self._batch(pending)
        yield _Made(self.summary)

    def _batch(self, cases: list[Case]) -> _Rows:
        keys = self._keys(cases)
        rows = _Rows([], [], [], [(c.key, c.external_id, c.fingerprint) for c in cases])
        logs = self.life.customer_facing
        for case, (key, number) in zip(cases, keys, strict=True):
            record_id = self.next_id
            self.next_id += 1
            row = self._rows(case, record_id, key, number, rows.events)
            rows.records.append(self.record_values(row))
            if logs and case.logs_contact and row["channel"] and row["channel"] != "monitoring":
                rows.contacts.append((record_id, row["channel"], "inbound", row["opened_at"]))
        self.summary.records += len(rows.records)
        self.summary.events += len(rows.events)
        self.summary.contacts += len(rows.contacts)
        return rows

    def _keys(self, cases: list[Case]) -> list[tuple[str, int]]:
        """Given keys are kept (and checked when written); the others take the next numbers,
        which never meet a given key."""
        prefix = self.life.prefix
        for case in cases:
            if case.key in self.given_keys:
                raise InvalidInput(f"{case.where}: key {case.key} appears more than once")
            if case.external_id is not None:
                if case.external_id in self.external_ids:
                    raise InvalidInput(
                        f"{case.where}: external id {case.external_id!r} appears more than once"
                    )
                self.external_ids.add(case.external_id)
            if case.key:
                self.given_keys.add(case.key)
                self.last_number = max(self.last_number, int(case.key.split("-", 1)[1]))
        out = []
        for case in cases:
            if case.key:
                out.append((case.key, int(case.key.split("-", 1)[1])))
            else:
                self.last_number += 1
                out.append((f"{prefix}-{self.last_number}", self.last_number))
        return out

    def _rows(
        self, case: Case, record_id: int, key: str, number: int, events: list[tuple[Any, ...]]
    ) -> dict[str, Any]:
        """The record's column values; its events are appended to `events`.

        A case's fields were checked when it was read; its history is the template for its
        sequence of stages, filled with its own times.
        """
        life, fields = self.life, case.fields
        changes = case.changes
        if len(changes) > 1:
            changes.sort(key=_first)  # stable: moves at the same instant keep their order
        times = (case.opened_at, *[at for at, _target in changes])
        stages = tuple(target for _at, target in changes)
        reason = fields.get("hold_reason")
        history = self.templates.get(stages) or self._template(stages, times, reason)
        if history.first_move and times[history.first_move] < case.opened_at:
            target = stages[history.first_move - 1]
            moment = times[history.first_move]
            raise InvalidInput(f"{case.where}: {target} at {moment:%Y-%m-%dT%H:%M:%SZ} is "
                               "before the record was opened")  # fmt: skip
        epochs = [int(moment.timestamp()) for moment in times]
        events += [(record_id, epochs[slot], action, old, new)
                   for slot, action, old, new in history.events]  # fmt: skip
        if history.anomalies:
            self.summary.anomalies += len(history.anomalies)
            examples = self.summary.anomaly_examples
            examples += [f"{case.where}: {a}" for a in history.anomalies[: 10 - len(examples)]]
        impact, urgency = fields.get("impact") or 3, fields.get("urgency") or 3
        matrix = priority_for(impact, urgency, self.settings.matrix)
        priority = check_priority(fields["priority"]) if fields.get("priority") else matrix
        model = (fields.get("model") or DELIVERY_MODELS[0]) if "model" in life.fields else None
        row: dict[str, Any] = {
            "id": record_id, "key": key, "kind": life.kind, "number": number,
            "title": fields.get("title") or case.where, "priority": priority,
            "priority_overridden": priority != matrix, "impact": impact, "urgency": urgency,
            "channel": fields.get("channel") or self.settings.default_channel, "model": model,
            "due_at": _epoch(fields.get("due_at")), "customer_id": None, "problem_id": None,
            "version": 1, "external_id": case.external_id, "source_hash": case.fingerprint,
            **history.values,
        }  # fmt: skip
        for name in ("service", "category", "team", "assignee", "root_cause", "workaround"):
            row[name] = fields.get(name)
        for name, slot in history.times:
            row[name] = epochs[slot]
        if not case.derive_first_response:
            row["first_response_at"] = _epoch(case.first_response_at)
        if fields.get("reopen_count") is not None:
            row["reopen_count"] = max(row["reopen_count"], int(fields["reopen_count"]))
        return row

    def _template(
        self, stages: tuple[str, ...], times: tuple[datetime, ...], reason: str | None
    ) -> _History:
        """The history of a record opened at times[0] that entered stages[i] at times[i + 1]:
        the lifecycle's effects, applied by `lifecycle.enter` one observed change at a time.

        Without a hold the outcome depends on the stages alone (each time lands in fields and
        events unchanged, in the same places), so it is worked out once, on probe times, and
        kept for every record with the same stages. A hold counts time on hold (arithmetic on
        the times): such a history is worked out for each record on its own times.
        """
        cached = not self.paused.intersection(stages) and len(self.templates) < 10_000
        if cached:
            origin = datetime(2000, 1, 1, tzinfo=UTC)
            times = tuple(origin + timedelta(hours=slot) for slot in range(len(times)))
        life = self.life
        progress = lc.start(life, times[0])
        events: list[tuple[int, str, str | None, str]] = [(0, "open", None, progress.stage)]
        anomalies, first_move = [], 0
        for slot, target in enumerate(stages, start=1):
            old = progress.stage
            if target == old:
                continue
            first_move = first_move or slot
            verb = next(
                (verb for verb, t in life.moves_from(old)
                 if (progress.held_from if t == lc.RETURN_TO_HELD else t) == target),
                None,
            )  # fmt: skip
            if verb is None:
                anomalies.append(f"{old} → {target} is not a move svcops allows")
            held = reason if target in self.paused else None
            progress = lc.enter(life, progress, target, times[slot], reason=held)
            events.append((slot, verb or "observed", old, target))
        slot_of = {moment: slot for slot, moment in enumerate(times)}
        values = vars(progress)
        history = _History(
            events=tuple(events), anomalies=tuple(anomalies), first_move=first_move,
            values={k: v for k, v in values.items() if k not in lc.PROGRESS_TIMES or v is None},
            times=tuple((name, slot_of[values[name]]) for name in lc.PROGRESS_TIMES
                        if values[name] is not None),
        )  # fmt: skip
        if cached:
            self.templates[stages] = history
        return history


@dataclass(frozen=True)
class _History:
    """A record's history as slots: slot 0 is when it was opened, slot i when it entered the
    i-th observed stage. Filled with a case's own times, it gives the case's rows."""

    events: tuple[tuple[int, str, str | None, str], ...]  # (slot, action, from, to)
    times: tuple[tuple[str, int], ...]  # (progress time field, slot)
    values: dict[str, Any]  # the other progress fields (stage, reopen count...), unset times
    anomalies: tuple[str, ...]  # observed moves today's lifecycle would not allow
    first_move: int  # the slot of the first change of stage (0: none); not before slot 0


def _first(change: tuple[datetime, str]) -> datetime:
    return change[0]


def _epoch(value: Any) -> int | None:
    return None if value is None else int(value.timestamp())


def _load(
    session: Session, call: Call, life: Lifecycle,
    cases: Callable[[HistorySummary], Iterable[Case]],
    progress: Callable[[int, int | None], None] | None,
) -> HistorySummary:  # fmt: skip
    """Write the cases `cases(summary)` yields as records, in the caller's transaction.

    Reading and building rows (Python) run in a worker process while this one writes
    (the database), so an import keeps two cores busy; see services/worker.py.
    """
    writer = _Writer(session, call, life)
    maker = _RowMaker(call.settings, life, writer.next_id, writer.last_number)

    def produce() -> Iterator[_Rows | _Made]:
        return maker.make(cases(maker.summary))

    made, done = None, 0
    with paused_gc(), closing(in_worker(produce)) as items:
        for item in items:
            if isinstance(item, _Made):
                made = item
                continue
            writer.write(item)
            done += len(item.records)
            if progress is not None:
                progress(done, None)
    assert made is not None
    writer.finish(made.summary)
    return made.summary


# ---- flat records -------------------------------------------------------------------------------


def import_records(
    source: Iterable[str], *, kind: str, fmt: str,
    progress: Callable[[int, int | None], None] | None = None,
) -> HistorySummary:  # fmt: skip
    """Records from another tool, one per CSV row or NDJSON line, in one transaction."""
    life = lifecycle(kind)
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput(f"--input-format {fmt!r}: import reads csv or ndjson")
    with transaction(write=True) as (session, call):
        reader = _FlatReader(life, call)

        def cases(_summary: HistorySummary) -> Iterator[Case]:
            for where, row in _flat_rows(source, fmt):
                yield reader.case(where, row)

        return _load(session, call, life, cases, progress)


def _flat_rows(source: Iterable[str], fmt: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if fmt == "ndjson":
        for number, row in json_objects(source, "record fields"):
            _check_columns(list(row), f"line {number}")
            yield f"line {number}", row
        return
    reader = csv.reader(source, strict=True)
    with _csv_errors(reader):
        columns = next(reader, [])
        _check_columns(columns, "line 1")
        width = len(columns)
        for values in reader:
            if len(values) != width:
                if not values:  # a blank line
                    continue
                more = "more" if len(values) > width else "fewer"
                raise InvalidInput(f"line {reader.line_num}: {more} values than columns")
            yield (
                f"line {reader.line_num}",
                dict(zip(columns, [v or None for v in values], strict=True)),
            )


@contextmanager
def _csv_errors(reader: Any) -> Iterator[None]:
    """A CSV the csv module cannot read (an unclosed quote...) is bad input at its line."""
    try:
        yield
    except csv.Error as exc:
        raise InvalidInput(f"after line {reader.line_num}: {exc} (an unclosed quote?)") from None


def _check_columns(columns: list[str], where: str) -> None:
    repeated = [c for c in columns if columns.count(c) > 1]
    if repeated:
        raise InvalidInput(f"{where}: column {repeated[0]!r} appears more than once")
    unknown = [c for c in columns if c not in FLAT_FIELDS]
    if unknown:
        raise InvalidInput(
            f"{where}: unknown column {unknown[0]!r}",
            hint="columns: " + ", ".join(FLAT_FIELDS),
        )
    if "title" not in columns:
        raise InvalidInput(f"{where}: a title column is needed")


class _FlatReader:
    """Reads flat rows into cases for one kind of record.

    A row's history follows from its stage and which of its times are given; the few shapes
    that occur are worked out once (`_flat_plan`) and the row's own times filled in.
    """

    def __init__(self, life: Lifecycle, call: Call) -> None:
        self.life = life
        self.now, self.zone = call.now, call.zone
        self.latest = call.now + FUTURE_SLACK
        self.plans: dict[tuple[Any, ...], tuple[tuple[int, str], ...]] = {}
        self.fingerprints = Fingerprints()

    def when(self, row: dict[str, Any], name: str, where: str) -> datetime | None:
        value = row.get(name)
        if value is None:
            return None
        try:  # exports' own form (2026-11-02T14:05:00Z) is already what parse_when returns
            moment: datetime | None = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            moment = None
        # anything else goes through parse_when, which also refuses a time out of its range
        if (
            moment is None
            or moment.tzinfo is not UTC
            or moment.microsecond
            or not (EARLIEST <= moment <= LATEST)
        ):
            try:
                moment = parse_when(str(value), now=self.now, tz=self.zone)
            except InvalidInput as exc:
                raise InvalidInput(f"{where}, column {name}: {exc.message}") from None
        if moment > self.latest and name != "due_at":
            raise InvalidInput(f"{where}, column {name}: {format_instant(moment)} is in the future")
        return moment

    def case(self, where: str, row: dict[str, Any]) -> Case:
        life = self.life
        fields: dict[str, Any] = {}
        for name in READ_FIELDS:
            value = row.get(name)
            fields[name] = None if value is None else str(value).strip() or None
        if not fields["title"]:
            raise InvalidInput(f"{where}, column title: empty")
        _no_nul(fields, where)
        try:
            _check_fields(fields)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}") from None
        fields["due_at"] = self.when(row, "due_at", where)
        opened = self.when(row, "opened_at", where) or self.now
        key = _flat_key(life, row.get("key"), where)
        stage_name = row.get("stage")
        stage_name = None if stage_name is None else str(stage_name).strip() or None
        try:
            stage = life.stage(stage_name).name if stage_name else None
        except InvalidInput as exc:
            raise InvalidInput(f"{where}, column stage: {exc.message}") from None
        times = [self.when(row, name, where) for name in ("first_response_at", "resolved_at",
                                                          "closed_at")]  # fmt: skip
        responded, resolved, closed = times
        early = resolved is None or (responded is not None and responded < resolved)
        shape = (stage, responded is not None, resolved is not None, closed is not None, early)
        plan = self.plans.get(shape)
        if plan is None:
            plan = self.plans[shape] = _flat_plan(life, *shape, where=where)
        changes, last = [], opened
        for slot, target in plan:
            at = last if slot == LAST else times[slot]
            assert at is not None
            changes.append((at, target))
            last = max(last, at)
        # the first response is the earliest recorded time the record moved or was answered;
        # a move the import had to assume (stage given without a time) is not one
        known = [moment for moment in times if moment is not None]
        external_id = row.get("external_id")
        external_id = None if external_id is None else str(external_id).strip() or None
        if external_id is not None and ("\x00" in external_id or len(external_id) > 200):
            raise InvalidInput(
                f"{where}, column external_id: not an id (NUL, or over 200 characters)"
            )
        return Case(where, opened, fields, changes, key, derive_first_response=False,
                    first_response_at=min(known) if known else None, external_id=external_id,
                    fingerprint=self.fingerprints.of([life.kind, row]))  # fmt: skip


CHECKED_FIELDS = ("impact", "urgency", "priority", "model", "channel", "reopen_count")
READ_FIELDS = TEXT_FIELDS + CHECKED_FIELDS
RESPONDED, RESOLVED, CLOSED, LAST = 0, 1, 2, 3  # where a planned move takes its time from


def _check_fields(fields: dict[str, Any]) -> None:
    for name in ("impact", "urgency"):
        if fields[name] is not None:
            fields[name] = check_level(fields[name], name)
    if fields["priority"]:
        check_priority(fields["priority"])
    if fields["channel"] and fields["channel"] not in CHANNELS:
        raise InvalidInput(f"unknown channel {fields['channel']!r}")
    if fields["model"] and fields["model"] not in DELIVERY_MODELS:
        raise InvalidInput(f"unknown model {fields['model']!r}")
    reopens = fields["reopen_count"]
    count = None if reopens is None else whole_number(reopens)
    if reopens is not None and (count is None or count > 10**9):
        raise InvalidInput(f"reopen_count must be a whole number, not {reopens!r}")


def _flat_key(life: Lifecycle, value: Any, where: str) -> str | None:
    key = None if value is None else str(value).strip() or None
    if key is None:
        return None
    prefix, _, digits = key.upper().partition("-")
    number = whole_number(digits)
    if prefix != life.prefix or number is None or number < 1:
        raise InvalidInput(
            f"{where}, column key: {key!r} is not {life.a_noun} key ({life.prefix}-N)"
        )
    return f"{prefix}-{number}"  # INC-007 is INC-7


def _flat_plan(
    life: Lifecycle, stage: str | None, responded: bool, resolved: bool, closed: bool,
    early: bool, *, where: str,
) -> tuple[tuple[int, str], ...]:  # fmt: skip
    """The stage changes a row's stage and given times imply, in order, each with the time it
    takes (RESPONDED, RESOLVED, CLOSED, or LAST: the latest time so far); no time is made up."""
    target = stage or life.initial
    state = life.state_of(target)
    resolved_stage = next(s for s in life.main_path if life.state_of(s) is State.RESOLVED)
    if not resolved and state is State.RESOLVED:
        raise InvalidInput(f"{where}: a record in stage {target} needs resolved_at")
    if not closed and state is State.FINAL:
        raise InvalidInput(f"{where}: a record in stage {target} needs closed_at")
    if not resolved and target == life.main_path[-1]:
        raise InvalidInput(f"{where}: a {target} record needs resolved_at (when it was resolved)")
    if closed and state is not State.FINAL:
        raise InvalidInput(f"{where}: closed_at is set but the stage is {target}")
    steps: list[tuple[int, str]] = []
    reached = life.initial
    path = life.main_path

    def walk_to(stop: str, slot: int) -> None:
        """Along the main path to `stop` (a row only says where the record got to)."""
        nonlocal reached
        direct = any(t == stop for _verb, t in life.moves_from(reached))
        if (
            not direct
            and reached in path
            and stop in path
            and path.index(stop) > path.index(reached)
        ):
            for step in path[path.index(reached) + 1 : path.index(stop) + 1]:
                steps.append((slot, step))
        elif stop != reached:
            steps.append((slot, stop))
        reached = stop

    second = life.next_on_main_path(life.initial)
    moves_on = second is not None and life.state_of(second) is State.OPEN
    if responded and target != life.initial and early and moves_on:
        walk_to(str(second), RESPONDED)  # the move out of the first stage
    if resolved:
        if state is State.FINAL and target != path[-1]:  # resolved, then cancelled
            steps.append((RESOLVED, resolved_stage))
            reached = resolved_stage
        else:
            walk_to(resolved_stage, RESOLVED)
    if target != reached:
        walk_to(target, CLOSED if closed else LAST)
    return tuple(steps)


# ---- event logs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    kind: str
    case: str
    time: str
    stage: str
    stages: dict[str, str]
    fields: dict[str, str]
    unmapped: str
    time_format: str | None
    dayfirst: bool
    hold_reason: str | None
    delimiter: str


def read_mapping(path: str) -> Mapping:
    import tomllib

    from svcops.domain.documents import toml_document

    try:
        raw = toml_document(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read mapping {path}: {exc}") from None
    known = {"kind", "case", "time", "stage", "stages", "fields", "unmapped", "time_format",
             "dayfirst", "hold_reason", "delimiter"}  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(f"mapping {path}: unknown setting {unknown[0]!r}",
                           hint="settings: " + ", ".join(sorted(known)))  # fmt: skip
    for name in ("kind", "case", "time", "stage", "stages"):
        if name not in raw:
            raise InvalidInput(f"mapping {path}: {name!r} is missing")
    if not isinstance(raw["kind"], str):
        raise InvalidInput(f"mapping {path}: kind must be str, not {raw['kind']!r}")
    life = lifecycle(raw["kind"])
    stages = {str(k): str(v) for k, v in dict(raw["stages"]).items()}
    for value, stage in stages.items():
        try:
            life.stage(stage)
        except InvalidInput as exc:
            raise InvalidInput(f"mapping {path}: [stages] {value!r}: {exc.message}") from None

    def need(name: str, kind: type, value: Any) -> None:
        if not isinstance(value, kind):
            raise InvalidInput(f"mapping {path}: {name} must be {kind.__name__}, not {value!r}")

    for name in ("kind", "case", "time", "stage"):
        need(name, str, raw[name])
    need("stages", dict, raw["stages"])
    need("fields", dict, raw.get("fields", {}))
    for table_name in ("stages", "fields"):
        for key, value in dict(raw.get(table_name, {})).items():
            need(f"[{table_name}] {key}", str, value)
    need("dayfirst", bool, raw.get("dayfirst", False))
    need("delimiter", str, raw.get("delimiter", ","))
    if len(str(raw.get("delimiter", ","))) != 1:
        raise InvalidInput(f"mapping {path}: delimiter must be one character")
    if raw.get("time_format") is not None:
        need("time_format", str, raw["time_format"])
    if raw.get("hold_reason") is not None and raw["hold_reason"] not in life.hold_reasons:
        reasons = ", ".join(life.hold_reasons) or "nothing (this kind has no holds)"
        raise InvalidInput(
            f"mapping {path}: hold_reason {raw['hold_reason']!r} is not one of {reasons}"
        )
    fields = {str(k): str(v) for k, v in dict(raw.get("fields", {})).items()}
    allowed = (*TEXT_FIELDS, "impact", "urgency", "channel")
    for name in fields:
        if name not in allowed:
            raise InvalidInput(f"mapping {path}: [fields] {name!r} is not a field svcops imports",
                               hint="fields: " + ", ".join(allowed))  # fmt: skip
    unmapped = str(raw.get("unmapped", "error"))
    if unmapped not in ("skip", "error"):
        raise InvalidInput(f'mapping {path}: unmapped must be "skip" or "error"')
    return Mapping(
        kind=life.kind, case=str(raw["case"]), time=str(raw["time"]), stage=str(raw["stage"]),
        stages=stages, fields=fields, unmapped=unmapped,
        time_format=raw.get("time_format"), dayfirst=bool(raw.get("dayfirst", False)),
        hold_reason=raw.get("hold_reason"), delimiter=str(raw.get("delimiter", ",")),
    )  # fmt: skip


def import_log(
    source: Iterable[str], mapping: Mapping,
    progress: Callable[[int, int | None], None] | None = None,
) -> HistorySummary:  # fmt: skip
    """An event log, one row per state change of a case, rebuilt into records."""
    reader = csv.DictReader(source, delimiter=mapping.delimiter, strict=True)
    with _csv_errors(reader):  # the header; the rows are read where the records are built
        return _import_log_rows(reader, mapping, progress)


def _import_log_rows(
    reader: Any, mapping: Mapping, progress: Callable[[int, int | None], None] | None
) -> HistorySummary:
    life = lifecycle(mapping.kind)
    columns = [c.lstrip("\ufeff") for c in reader.fieldnames or []]
    reader.fieldnames = columns
    for needed in (mapping.case, mapping.time, mapping.stage, *mapping.fields.values()):
        if needed not in columns:
            raise InvalidInput(f"line 1: the log has no column {needed!r} (mapping names it)")
    with transaction(write=True) as (session, call):

        def cases(summary: HistorySummary) -> Iterator[Case]:
            fingerprints, rules = Fingerprints(), asdict(mapping)  # a case: its rows, as mapped
            with _csv_errors(reader):
                grouped = _group_log(reader, mapping, call, summary)
            ordered = sorted(grouped.items(), key=lambda item: min(r[0] for r in item[1]))
            for case_id, rows in ordered:
                rows.sort(key=lambda r: (r[0], r[1]))
                fields: dict[str, Any] = {"title": case_id, "hold_reason": mapping.hold_reason}
                for _at, _line, _stage, values in rows:
                    fields.update({k: v for k, v in values.items() if v})
                _check_log_fields(fields, f"case {case_id}")
                changes = [(at, stage) for at, _line, stage, _values in rows if stage is not None]
                seen = [(format_instant(at), stage, values) for at, _line, stage, values in rows]
                # a log shows no customer contacts unless it names the channel
                yield Case(f"case {case_id}", rows[0][0], fields, changes,
                           logs_contact=bool(fields.get("channel")), external_id=case_id,
                           fingerprint=fingerprints.of([rules, case_id, seen]))  # fmt: skip

        return _load(session, call, life, cases, progress)


LogRow = tuple[datetime, int, str | None, dict[str, str]]  # time, line, stage, field values


def _group_log(
    reader: Any, mapping: Mapping, call: Call, summary: HistorySummary
) -> dict[str, list[LogRow]]:
    """The log's rows by case; values without a stage are counted in `summary` (or refused)."""
    cases: dict[str, list[LogRow]] = {}
    skipped: Counter[str] = Counter()
    for row in reader:
        line = reader.line_num
        case_id = (row.get(mapping.case) or "").strip()
        if not case_id:
            raise InvalidInput(f"line {line}, column {mapping.case}: empty case")
        at = _log_time(row.get(mapping.time), mapping, call, f"line {line}, column {mapping.time}")
        value = (row.get(mapping.stage) or "").strip()
        stage = mapping.stages.get(value)
        if stage is None:
            if mapping.unmapped == "error":
                raise InvalidInput(
                    f"line {line}, column {mapping.stage}: {value!r} has no svcops stage",
                    hint='add it to [stages] in the mapping, or set unmapped = "skip"',
                )
            skipped[value] += 1
        values = {name: (row.get(column) or "").strip() for name, column in mapping.fields.items()}
        _no_nul({mapping.case: case_id, **values}, f"line {line}")
        cases.setdefault(case_id, []).append((at, line, stage, values))
    summary.skipped_values = dict(skipped.most_common())
    summary.skipped_rows = sum(skipped.values())
    return cases


def _no_nul(fields: dict[str, Any], where: str) -> None:
    """Text with a NUL character is refused, as everywhere (PostgreSQL cannot store it)."""
    for name, value in fields.items():
        if type(value) is str and "\x00" in value:
            raise InvalidInput(f"{where}, {name}: contains a NUL character")


def _check_log_fields(fields: dict[str, Any], where: str) -> None:
    try:
        for name in ("impact", "urgency"):
            if fields.get(name):
                fields[name] = check_level(fields[name], name)
        if fields.get("channel") and fields["channel"] not in CHANNELS:
            raise InvalidInput(f"unknown channel {fields['channel']!r}")
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _log_time(value: str | None, mapping: Mapping, call: Call, where: str) -> datetime:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{where}: empty time")
    try:
        if mapping.time_format:
            moment = datetime.strptime(text, mapping.time_format)
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                from dateutil import parser as dateparser

                moment = dateparser.parse(text, dayfirst=mapping.dayfirst)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"{where}: cannot read time {text!r} ({exc})") from None
    try:
        instant = utc_instant(moment, call.zone, text)
    except InvalidInput as exc:  # year 1, year 9999
        raise InvalidInput(f"{where}: {exc.message}") from None
    if instant > call.now + FUTURE_SLACK:  # as in a flat import: history has happened
        raise InvalidInput(f"{where}: {format_instant(instant)} is in the future")
    return instant
