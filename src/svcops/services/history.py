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
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from svcops.config import Settings
from svcops.domain import lifecycle as lc
from svcops.domain.errors import Conflict, InvalidInput
from svcops.domain.kinds import CHANNELS, DELIVERY_MODELS, lifecycle
from svcops.domain.lifecycle import Lifecycle, State
from svcops.domain.priority import check_level, check_priority, priority_for
from svcops.domain.timeparse import format_instant, parse_when
from svcops.services.base import FUTURE_SLACK, transaction
from svcops.services.transfer import json_objects, table
from svcops.store.bulk import bulk_insert, bulk_insert_rows
from svcops.store.tables import Contact, Event, KeyCounter, Record

BATCH = 5_000
csv.field_size_limit(16 * 1024 * 1024)  # long notes and descriptions are data, not errors
TEXT_FIELDS = ("title", "service", "category", "team", "assignee", "root_cause", "workaround")
FLAT_FIELDS = (
    "key", "title", "impact", "urgency", "priority", "service", "category", "channel",
    "assignee", "team", "model", "due_at", "root_cause", "workaround", "opened_at",
    "first_response_at", "stage", "resolved_at", "closed_at", "reopen_count",
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


@dataclass
class HistorySummary:
    records: int = 0
    events: int = 0
    contacts: int = 0
    skipped_values: dict[str, int] = field(default_factory=dict)
    skipped_rows: int = 0
    anomalies: int = 0
    anomaly_examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---- building records -------------------------------------------------------------------------


EVENT_COLUMNS = ("record_id", "at", "recorded_at", "actor", "action", "from_value", "to_value",
                 "note")  # fmt: skip
CONTACT_COLUMNS = ("record_id", "channel", "direction", "at")


class _Builder:
    """Turns cases into rows and writes them in batches.

    Keys and record ids are handed out here, under the import's write lock, so a batch needs
    no lookups: its records, events and contacts are three executemany statements.
    """

    def __init__(
        self, session: Session, settings: Settings, life: Lifecycle,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> None:  # fmt: skip
        self.progress = progress
        self.connection = session.connection()
        self.settings = settings
        self.life = life
        self.summary = HistorySummary()
        self.pending: list[Case] = []
        self.given_keys: set[str] = set()
        self.now = datetime.now(UTC)
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

    def add(self, case: Case) -> None:
        self.pending.append(case)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        cases, self.pending = self.pending, []
        if not cases:
            return
        keys = self._keys(cases)
        records: list[dict[str, Any]] = []
        events: list[tuple[Any, ...]] = []
        contacts: list[tuple[Any, ...]] = []
        for case, (key, number) in zip(cases, keys, strict=True):
            record_id = self.next_id
            self.next_id += 1
            row, history = self._rows(case, key, number)
            row["id"] = record_id
            records.append(row)
            events += [(record_id, *event) for event in history]
            logs = case.logs_contact and self.life.customer_facing
            if logs and row["channel"] and row["channel"] != "monitoring":
                contacts.append((record_id, row["channel"], "inbound", row["opened_at"]))
        given = [key for case, (key, _n) in zip(cases, keys, strict=True) if case.key]
        self._write(records, events, contacts, given)
        self.summary.records += len(records)
        self.summary.events += len(events)
        self.summary.contacts += len(contacts)
        if self.progress is not None:
            self.progress(self.summary.records, None)

    def _write(
        self, records: list[dict[str, Any]], events: list[tuple[Any, ...]],
        contacts: list[tuple[Any, ...]], given: list[str],
    ) -> None:  # fmt: skip
        if given:
            taken = self.connection.execute(
                select(table(Record).c.key).where(table(Record).c.key.in_(given))
            ).scalars().first()  # fmt: skip
            if taken:
                raise Conflict(f"{taken} already exists; import adds new records")
        bulk_insert(self.connection, table(Record), records)
        bulk_insert_rows(self.connection, table(Event), EVENT_COLUMNS, events)
        bulk_insert_rows(self.connection, table(Contact), CONTACT_COLUMNS, contacts)

    def finish(self) -> HistorySummary:
        """Write what is left, then move the key counter (and id sequence) past it all."""
        self.flush()
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
        return self.summary

    def _keys(self, cases: list[Case]) -> list[tuple[str, int]]:
        """Given keys are kept (and checked when written); the others take the next numbers,
        which never meet a given key."""
        prefix = self.life.prefix
        for case in cases:
            if case.key in self.given_keys:
                raise InvalidInput(f"{case.where}: key {case.key} appears more than once")
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
        self, case: Case, key: str, number: int
    ) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
        life = self.life
        progress = lc.start(life, case.opened_at)
        actor = self.settings.actor
        stamp = int(self.now.timestamp())

        def event(at: datetime, action: str, old: str | None, new: str) -> tuple[Any, ...]:
            return (int(at.timestamp()), stamp, actor, action, old, new, "imported")

        events = [event(case.opened_at, "open", None, progress.stage)]
        for at, target in sorted(case.changes, key=lambda change: change[0]):
            if target == progress.stage:
                continue
            if at < progress.stage_entered_at:
                raise InvalidInput(f"{case.where}: {target} at {at:%Y-%m-%dT%H:%M:%SZ} is "
                                   "before the record was opened")  # fmt: skip
            verbs = [
                verb
                for verb, t in life.moves_from(progress.stage)
                if (progress.held_from if t == lc.RETURN_TO_HELD else t) == target
            ]
            if not verbs:
                self.summary.anomalies += 1
                if len(self.summary.anomaly_examples) < 10:
                    self.summary.anomaly_examples.append(
                        f"{case.where}: {progress.stage} → {target} is not a move svcops allows"
                    )
            reason = (
                case.fields.get("hold_reason") if life.state_of(target) is State.PAUSED else None
            )
            old = progress.stage
            progress = lc.enter(life, progress, target, at, reason=reason)
            events.append(event(at, verbs[0] if verbs else "observed", old, target))
        fields = case.fields
        impact = check_level(fields.get("impact") or 3, "impact")
        urgency = check_level(fields.get("urgency") or 3, "urgency")
        matrix = priority_for(impact, urgency, self.settings.matrix)
        priority = check_priority(fields["priority"]) if fields.get("priority") else matrix
        row: dict[str, Any] = {
            "key": key, "kind": life.kind, "number": number,
            "title": fields.get("title") or case.where, "priority": priority,
            "priority_overridden": priority != matrix, "impact": impact, "urgency": urgency,
            "channel": fields.get("channel") or self.settings.default_channel,
            "model": fields.get("model") if "model" in life.fields else None,
            "due_at": _epoch(fields.get("due_at")), "customer_id": None, "problem_id": None,
            "version": 1,
        }  # fmt: skip
        for name in ("service", "category", "team", "assignee", "root_cause", "workaround"):
            row[name] = fields.get(name)
        if "model" in life.fields and not row["model"]:
            row["model"] = DELIVERY_MODELS[0]
        for name, value in lc.progress_values(progress).items():
            row[name] = _epoch(value) if isinstance(value, datetime) else value
        if not case.derive_first_response:
            row["first_response_at"] = _epoch(case.first_response_at)
        if fields.get("reopen_count") is not None:
            row["reopen_count"] = max(row["reopen_count"], int(fields["reopen_count"]))
        return row, events


def _epoch(value: Any) -> int | None:
    return None if value is None else int(value.timestamp())


# ---- flat records -------------------------------------------------------------------------------


def import_records(
    source: Iterable[str], *, kind: str, fmt: str,
    progress: Callable[[int, int | None], None] | None = None,
) -> HistorySummary:  # fmt: skip
    """Records from another tool, one per CSV row or NDJSON line, in one transaction."""
    life = lifecycle(kind)
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput(f"--format {fmt!r}: import reads csv or ndjson")
    with transaction(write=True) as (session, call):
        builder = _Builder(session, call.settings, life, progress)
        for where, row in _flat_rows(source, fmt):
            builder.add(_flat_case(life, call, where, row))
        return builder.finish()


def _flat_rows(source: Iterable[str], fmt: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if fmt == "ndjson":
        for number, row in json_objects(source, "record fields"):
            _check_columns(list(row), f"line {number}")
            yield f"line {number}", row
        return
    reader = csv.DictReader(source, strict=True)
    with _csv_errors(reader):
        columns = list(reader.fieldnames or [])
        _check_columns(columns, "line 1")
        for row in reader:
            if None in row:
                raise InvalidInput(f"line {reader.line_num}: more values than columns")
            if len(row) > len([v for v in row.values() if v is not None]):
                raise InvalidInput(f"line {reader.line_num}: fewer values than columns")
            yield f"line {reader.line_num}", {k: (v if v != "" else None) for k, v in row.items()}


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


def _flat_case(life: Lifecycle, call: Any, where: str, row: dict[str, Any]) -> Case:
    def when(name: str) -> datetime | None:
        value = row.get(name)
        if value is None:
            return None
        try:
            moment = parse_when(str(value), now=call.now, tz=call.zone)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}, column {name}: {exc.message}") from None
        if name != "due_at" and moment > call.now + FUTURE_SLACK:
            raise InvalidInput(f"{where}, column {name}: {format_instant(moment)} is in the future")
        return moment

    def text(name: str) -> str | None:
        value = row.get(name)
        return None if value is None else str(value).strip() or None

    fields: dict[str, Any] = {name: text(name) for name in TEXT_FIELDS}
    if not fields["title"]:
        raise InvalidInput(f"{where}, column title: empty")
    for name in ("impact", "urgency", "priority", "model", "channel", "reopen_count"):
        fields[name] = text(name)
    try:
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
        if reopens is not None and (not str(reopens).isdigit() or int(reopens) > 10**9):
            raise InvalidInput(
                f"reopen_count must be a whole number, not {fields['reopen_count']!r}"
            )
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None
    fields["due_at"] = when("due_at")
    opened = when("opened_at") or call.now
    key = text("key")
    if key is not None:
        prefix, _, number = key.upper().partition("-")
        if prefix != life.prefix or not number.isdigit() or int(number) < 1:
            raise InvalidInput(
                f"{where}, column key: {key!r} is not {life.a_noun} key ({life.prefix}-N)"
            )
        key = f"{prefix}-{int(number)}"  # INC-007 is INC-7
    stage_name = text("stage")
    try:
        stage = life.stage(stage_name).name if stage_name else None
    except InvalidInput as exc:
        raise InvalidInput(f"{where}, column stage: {exc.message}") from None
    responded, resolved, closed = when("first_response_at"), when("resolved_at"), when("closed_at")
    changes = _flat_changes(life, stage, responded, resolved, closed, opened, where)
    # the first response is the earliest recorded time the record moved or was answered;
    # a move the import had to assume (stage given without a time) is not one
    known = [moment for moment in (responded, resolved, closed) if moment is not None]
    responded = min(known) if known else None
    return Case(where, opened, fields, changes, key, derive_first_response=False,
                first_response_at=responded)  # fmt: skip


def _flat_changes(
    life: Lifecycle, stage: str | None, responded: datetime | None, resolved: datetime | None,
    closed: datetime | None, opened: datetime, where: str,
) -> list[tuple[datetime, str]]:  # fmt: skip
    """The stage changes a row's times and stage imply, in order; no time is made up."""
    target = stage or life.initial
    state = life.state_of(target)
    resolved_stage = next(s for s in life.main_path if life.state_of(s) is State.RESOLVED)
    if resolved is None and state is State.RESOLVED:
        raise InvalidInput(f"{where}: a record in stage {target} needs resolved_at")
    if closed is None and state is State.FINAL:
        raise InvalidInput(f"{where}: a record in stage {target} needs closed_at")
    if resolved is None and target == life.main_path[-1]:
        raise InvalidInput(f"{where}: a {target} record needs resolved_at (when it was resolved)")
    if closed is not None and state is not State.FINAL:
        raise InvalidInput(f"{where}: closed_at is set but the stage is {target}")
    steps: list[tuple[datetime, str]] = []
    reached = life.initial
    path = life.main_path

    def walk_to(stop: str, at: datetime) -> None:
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
                steps.append((at, step))
        elif stop != reached:
            steps.append((at, stop))
        reached = stop

    second = life.next_on_main_path(life.initial)
    early = resolved is None or (responded is not None and responded < resolved)
    moves_on = second is not None and life.state_of(second) is State.OPEN
    if responded is not None and target != life.initial and early and moves_on:
        walk_to(str(second), responded)  # the move out of the first stage
    if resolved is not None:
        if state is State.FINAL and target != path[-1]:  # resolved, then cancelled
            steps.append((resolved, resolved_stage))
            reached = resolved_stage
        else:
            walk_to(resolved_stage, resolved)
    last = max([opened] + [at for at, _s in steps] + ([closed] if closed else []))
    if target != reached:
        walk_to(target, closed or last)
    return steps


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

    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
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
    with _csv_errors(reader):
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
    cases: dict[str, list[tuple[datetime, int, str | None, dict[str, str]]]] = {}
    skipped: Counter[str] = Counter()
    skipped_rows = 0
    with transaction(write=True) as (session, call):
        for row in reader:
            line = reader.line_num
            case_id = (row.get(mapping.case) or "").strip()
            if not case_id:
                raise InvalidInput(f"line {line}, column {mapping.case}: empty case")
            at = _log_time(
                row.get(mapping.time), mapping, call, f"line {line}, column {mapping.time}"
            )
            value = (row.get(mapping.stage) or "").strip()
            stage = mapping.stages.get(value)
            if stage is None:
                if mapping.unmapped == "error":
                    raise InvalidInput(
                        f"line {line}, column {mapping.stage}: {value!r} has no svcops stage",
                        hint='add it to [stages] in the mapping, or set unmapped = "skip"',
                    )
                skipped[value] += 1
                skipped_rows += 1
            values = {
                name: (row.get(column) or "").strip() for name, column in mapping.fields.items()
            }
            cases.setdefault(case_id, []).append((at, line, stage, values))
        builder = _Builder(session, call.settings, life, progress)
        ordered = sorted(cases.items(), key=lambda item: min(r[0] for r in item[1]))
        for case_id, rows in ordered:
            rows.sort(key=lambda r: (r[0], r[1]))
            fields: dict[str, Any] = {"title": case_id, "hold_reason": mapping.hold_reason}
            for _at, _line, _stage, values in rows:
                fields.update({k: v for k, v in values.items() if v})
            _check_log_fields(fields, f"case {case_id}")
            changes = [(at, stage) for at, _line, stage, _values in rows if stage is not None]
            # a log shows no customer contacts unless it names the channel
            builder.add(Case(f"case {case_id}", rows[0][0], fields, changes,
                             logs_contact=bool(fields.get("channel"))))  # fmt: skip
        summary = builder.finish()
    summary.skipped_values = dict(skipped.most_common())
    summary.skipped_rows = skipped_rows
    return summary


def _check_log_fields(fields: dict[str, Any], where: str) -> None:
    try:
        for name in ("impact", "urgency"):
            if fields.get(name):
                fields[name] = check_level(fields[name], name)
        if fields.get("channel") and fields["channel"] not in CHANNELS:
            raise InvalidInput(f"unknown channel {fields['channel']!r}")
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _log_time(value: str | None, mapping: Mapping, call: Any, where: str) -> datetime:
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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=call.zone)
    return moment.astimezone(UTC).replace(microsecond=0)
