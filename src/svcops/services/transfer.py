"""Export and import: the whole database as NDJSON, one object per line with a `type`.

`export` writes customers, records, events, contacts, feedback and the key counters, keys
preserved, in a stable order; `import` loads such a dump into an empty or existing database in
one transaction: existing keys are updated, events and contacts already present are not
duplicated. Export, import, export gives the same lines, across backends too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlmodel import Session, SQLModel

from svcops.domain.documents import json_value
from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import CHANNELS, DELIVERY_MODELS, DIRECTIONS, LIFECYCLES
from svcops.domain.numbers import whole_number
from svcops.domain.priority import PRIORITIES
from svcops.domain.timeparse import check_range, format_instant
from svcops.services.base import transaction
from svcops.store import files
from svcops.store.tables import (
    Contact,
    Customer,
    Event,
    Feedback,
    FeedbackScore,
    KeyCounter,
    Record,
)

TYPES = ("counter", "customer", "record", "event", "contact", "feedback")
BATCH = 5_000


def table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


RECORD_FIELDS = (
    "key", "kind", "number", "title", "stage", "priority", "priority_overridden", "impact",
    "urgency", "service", "category", "channel", "customer", "assignee", "team", "problem",
    "root_cause", "workaround", "model", "due_at", "hold_reason", "held_from", "held_since",
    "paused_s", "opened_at", "stage_entered_at", "first_response_at", "resolved_at",
    "first_resolved_at", "closed_at", "reopen_count", "version", "external_id", "source_hash",
)  # fmt: skip
TIME_FIELDS = {
    "due_at", "held_since", "opened_at", "stage_entered_at", "first_response_at", "resolved_at",
    "first_resolved_at", "closed_at", "at", "recorded_at", "received_at", "created_at",
}  # fmt: skip


def _out(value: Any, name: str) -> Any:
    if isinstance(value, datetime):
        return format_instant(value)
    if name in TIME_FIELDS and value is not None:
        return format_instant(datetime.fromtimestamp(int(value), UTC))
    return value


# ---- export ---------------------------------------------------------------------------------


def export_lines() -> Iterator[str]:
    """The database as NDJSON lines, streamed (one read transaction)."""
    with transaction(write=False, snapshot=True) as (session, _call):
        for obj in _export_objects(session):
            yield json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def export_to(target: str, *, force: bool = False) -> None:
    """The export as a new file, private as the database is (records hold personal data);
    it appears whole or not at all (see store/files.py)."""
    from svcops.config import get_settings
    from svcops.store.engine import normalise_url, sqlite_path

    live = sqlite_path(normalise_url(get_settings().database_url))
    with files.new_file(target, force=force, protected=files.database_files(live)) as partial:
        try:
            with partial.open("w", encoding="utf-8") as stream:
                for line in export_lines():
                    stream.write(line + "\n")
        except OSError as exc:  # the disk is full, the file system went away
            raise files.cannot_write(target, exc) from None


def _stream(session: Session, statement: Any) -> Iterable[Any]:
    return session.connection().execution_options(yield_per=BATCH).execute(statement)


def _export_objects(session: Session) -> Iterator[dict[str, Any]]:
    counters, customers, records = table(KeyCounter), table(Customer), table(Record)
    for row in session.connection().execute(select(counters).order_by(counters.c.prefix)):
        yield {"type": "counter", "prefix": row.prefix, "last": row.last}
    customer_keys: dict[int, str] = {}
    for row in _stream(session, select(customers).order_by(customers.c.id)):
        customer_keys[row.id] = row.key
        yield {"type": "customer", "key": row.key, "name": row.name, "email": row.email,
               "org": row.org, "created_at": _out(row.created_at, "created_at")}  # fmt: skip
    record_keys = dict(session.connection().execute(select(records.c.id, records.c.key)).all())
    for row in _stream(session, select(records).order_by(records.c.id)):
        values = row._mapping
        obj: dict[str, Any] = {"type": "record"}
        for name in RECORD_FIELDS:
            if name == "customer":
                obj[name] = customer_keys.get(values["customer_id"])
            elif name == "problem":
                obj[name] = record_keys.get(values["problem_id"])
            else:
                obj[name] = _out(values[name], name)
        yield obj
    events, contacts = table(Event), table(Contact)
    for row in _stream(session, select(events).order_by(events.c.record_id, events.c.id)):
        yield {"type": "event", "record": record_keys[row.record_id],
               "at": _out(row.at, "at"), "recorded_at": _out(row.recorded_at, "recorded_at"),
               "actor": row.actor, "action": row.action, "from": row.from_value,
               "to": row.to_value, "note": row.note}  # fmt: skip
    for row in _stream(session, select(contacts).order_by(contacts.c.record_id, contacts.c.id)):
        yield {"type": "contact", "record": record_keys[row.record_id], "channel": row.channel,
               "direction": row.direction, "at": _out(row.at, "at"), "agent": row.agent,
               "note": row.note}  # fmt: skip
    feedback, scores = table(Feedback), table(FeedbackScore)
    by_response: dict[int, dict[str, int]] = {}
    for row in _stream(session, select(scores).order_by(scores.c.feedback_id, scores.c.dimension)):
        by_response.setdefault(row.feedback_id, {})[row.dimension] = row.score
    for row in _stream(session, select(feedback).order_by(feedback.c.id)):
        yield {"type": "feedback", "key": row.key, "record": record_keys[row.record_id],
               "csat": row.csat, "ces": row.ces, "scores": by_response.get(row.id, {}),
               "comment": row.comment,
               "received_at": _out(row.received_at, "received_at")}  # fmt: skip


# ---- import ---------------------------------------------------------------------------------


def _raw(value: Any) -> Any:
    """A stored value as the dump's rows carry it (times as epoch seconds)."""
    return int(value.timestamp()) if isinstance(value, datetime) else value


@dataclass
class ImportSummary:
    """What an import did, by type: how many objects were added and how many updated."""

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}


class _Line:
    """One input object, for errors that name where they are."""

    def __init__(self, number: int, obj: dict[str, Any]) -> None:
        self.number, self.obj = number, obj

    def fail(self, message: str) -> InvalidInput:
        return InvalidInput(f"line {self.number}: {message}")

    def get(self, name: str, *, required: bool = False) -> Any:
        value = self.obj.get(name)
        if required and (value is None or value == ""):
            raise self.fail(f"{self.obj.get('type')} needs {name!r}")
        return value

    def text(self, name: str, *, required: bool = False, choices: Sequence[str] = ()) -> str | None:
        """A string field (or null); with `choices`, one of them."""
        value = self.get(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{name} must be text, not {json.dumps(value)}")
        if "\x00" in value:
            raise self.fail(f"{name} contains a NUL character (PostgreSQL cannot store it)")
        if choices and value not in choices:
            raise self.fail(f"{name} {value!r} is not one of {', '.join(choices)}")
        return value

    def whole(
        self, name: str, low: int, high: int, *, required: bool = False, default: int | None = None
    ) -> int | None:
        """A whole-number field within [low, high] (or null, or `default`)."""
        value = self.get(name, required=required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(
                f"{name} must be a whole number from {low} to {high}, not {json.dumps(value)}"
            )
        return value

    def key(self, name: str, prefixes: Sequence[str], *, required: bool = True) -> str | None:
        """A key field (INC-4): upper-cased, of one of `prefixes`."""
        value = self.text(name, required=required)
        if value is None:
            return None
        prefix, _, digits = value.upper().partition("-")
        number = whole_number(digits)
        if prefix not in prefixes or number is None or number < 1:
            raise self.fail(f"{name} {value!r} is not a {' or '.join(prefixes)} key")
        return f"{prefix}-{number}"

    def time(self, name: str, *, required: bool = False) -> int | None:
        value = self.get(name, required=required)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"{name} {value!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise self.fail(f"{name} {value!r} has no time zone (exports use ...Z)")
        try:
            check_range(moment, str(value))
        except InvalidInput as exc:
            raise self.fail(f"{name}: {exc.message}") from None
        return int(moment.timestamp())


def json_objects(lines: Iterable[str], what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank NDJSON line; InvalidInput naming a bad line."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json_value(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"line {number}: malformed JSON: {exc.msg} at column {exc.colno}"
            ) from None
        if not isinstance(obj, dict):
            raise InvalidInput(f"line {number}: expected a JSON object of {what}")
        yield number, obj


def parse_lines(lines: Iterable[str]) -> Iterator[_Line]:
    for number, obj in json_objects(lines, "an export (svcops export)"):
        if obj.get("type") not in TYPES:
            raise InvalidInput(
                f"line {number}: unknown type {obj.get('type')!r}",
                hint="types: " + ", ".join(TYPES),
            )
        yield _Line(number, obj)


def import_dump(lines: Iterable[str]) -> ImportSummary:
    """Load an export into this database, in one transaction."""
    summary = ImportSummary()
    with transaction(write=True) as (session, _call):
        loader = _Loader(session, summary)
        for line in parse_lines(lines):
            loader.take(line)
        loader.finish()
    return summary


class _Loader:
    """Upserts objects in the order an export writes them, in batches of Core statements."""

    def __init__(self, session: Session, summary: ImportSummary) -> None:
        self.connection = session.connection()
        self.summary = summary
        self.pending: dict[str, list[tuple[_Line, dict[str, Any]]]] = {t: [] for t in TYPES}
        self.customer_ids: dict[str, int] = {}
        self.record_ids: dict[str, int] = {}
        self.links: list[tuple[_Line, str, str]] = []  # (line, record key, problem key)
        self.touched: set[int] = set()  # records that existed before: dedupe their history
        self.seen: dict[tuple[str, str], int] = {}
        self.feedback_keys: set[str] = set()

    def take(self, line: _Line) -> None:
        kind = line.obj["type"]
        self.pending[kind].append((line, line.obj))
        # keep the export's order: everything a later type refers to is written first
        order = TYPES.index(kind)
        for earlier in TYPES[:order]:
            if self.pending[earlier]:
                self._flush(earlier)
        if len(self.pending[kind]) >= BATCH:
            self._flush(kind)

    def finish(self) -> None:
        for kind in TYPES:
            self._flush(kind)
        self._link()
        self._counters_past_keys()

    def _counters_past_keys(self) -> None:
        """However the dump was made, new keys must not collide with the imported ones."""
        counters = table(KeyCounter)
        highest: dict[str, int] = {}
        for key in (*self.record_ids, *self.customer_ids, *self.feedback_keys):
            prefix, _, digits = key.partition("-")
            if digits.isdigit():
                highest[prefix] = max(highest.get(prefix, 0), int(digits))
        existing = dict(self.connection.execute(select(counters.c.prefix, counters.c.last)).all())
        for prefix, last in highest.items():
            if prefix not in existing:
                self.connection.execute(insert(counters).values(prefix=prefix, last=last))
            elif existing[prefix] < last:
                self.connection.execute(
                    update(counters).where(counters.c.prefix == prefix).values(last=last)
                )

    def _flush(self, kind: str) -> None:
        batch, self.pending[kind] = self.pending[kind], []
        if batch:
            getattr(self, f"_load_{kind}")([line for line, _obj in batch])

    # counters: never lower what is there
    def _load_counter(self, lines: list[_Line]) -> None:
        counters = table(KeyCounter)
        existing = dict(self.connection.execute(select(counters.c.prefix, counters.c.last)).all())
        for line in lines:
            prefix = line.text("prefix", required=True)
            last = line.whole("last", 0, 10**12, required=True)
            if prefix not in existing:
                self.connection.execute(insert(counters).values(prefix=prefix, last=last))
                self.summary.added["counter"] += 1
            elif last > existing[prefix]:
                self.connection.execute(
                    update(counters).where(counters.c.prefix == prefix).values(last=last)
                )
                self.summary.updated["counter"] += 1
            else:
                self.summary.unchanged["counter"] += 1

    def _upsert(self, kind: str, model: type[SQLModel], rows: list[tuple[_Line, dict[str, Any]]],
                ids: dict[str, int]) -> None:  # fmt: skip
        target = table(model)
        keys = [values["key"] for _line, values in rows]
        found = dict(
            self.connection.execute(
                select(target.c.key, target.c.id).where(target.c.key.in_(keys))
            ).all()
        )
        fresh = [values for _line, values in rows if values["key"] not in found]
        if fresh:
            self.connection.execute(insert(target), fresh)
            added = dict(
                self.connection.execute(
                    select(target.c.key, target.c.id).where(
                        target.c.key.in_([v["key"] for v in fresh])
                    )
                ).all()
            )
            ids.update(added)
            self.summary.added[kind] += len(fresh)
        for _line, values in rows:
            if values["key"] in found:
                key = values["key"]
                ids[key] = found[key]
                self.connection.execute(
                    update(target).where(target.c.id == found[key]).values(**values)
                )
                self.summary.updated[kind] += 1
                if kind == "record":
                    self.touched.add(found[key])

    def _load_customer(self, lines: list[_Line]) -> None:
        rows = []
        for line in lines:
            key = str(line.key("key", ("CUS",)))
            self._once("customer", key, line)
            rows.append((line, {
                "key": key, "name": line.text("name", required=True),
                "email": line.text("email"), "org": line.text("org"),
                "created_at": line.time("created_at", required=True),
            }))  # fmt: skip
        self._upsert("customer", Customer, rows, self.customer_ids)

    def _id_of(self, model: type[SQLModel], ids: dict[str, int], key: str, line: _Line) -> int:
        """The id of the row with `key`: from this import, else from the database."""
        if key not in ids:
            target = table(model)
            found = self.connection.execute(select(target.c.id).where(target.c.key == key)).scalar()
            if found is None:
                raise line.fail(f"unknown {target.name} {key!r}")
            ids[key] = found
            if model is Record:
                self.touched.add(found)  # a record from before: its history is deduplicated
        return ids[key]

    def _customer_id(self, line: _Line, key: str | None) -> int | None:
        return None if key is None else self._id_of(Customer, self.customer_ids, key, line)

    def _load_record(self, lines: list[_Line]) -> None:
        rows = []
        for line in lines:
            kind = line.text("kind", required=True, choices=tuple(LIFECYCLES))
            life = LIFECYCLES[str(kind)]
            key = str(line.key("key", (life.prefix,)))
            self._once("record", key, line)
            stages = tuple(stage.name for stage in life.stages)
            customer = line.key("customer", ("CUS",), required=False)
            values: dict[str, Any] = {
                "key": key,
                "kind": kind,
                "number": line.whole("number", 1, 10**12, required=True),
                "title": line.text("title", required=True),
                "stage": line.text("stage", required=True, choices=stages),
                "priority": line.text("priority", choices=PRIORITIES),
                "priority_overridden": bool(line.get("priority_overridden")),
                "impact": line.whole("impact", 1, 3),
                "urgency": line.whole("urgency", 1, 3),
                "channel": line.text("channel", choices=CHANNELS),
                "model": line.text("model", choices=DELIVERY_MODELS),
                "hold_reason": line.text("hold_reason"),
                "held_from": line.text("held_from", choices=stages),
                "paused_s": line.whole("paused_s", 0, 10**12, default=0),
                "reopen_count": line.whole("reopen_count", 0, 10**9, default=0),
                "version": line.whole("version", 1, 10**12, default=1),
                "customer_id": self._customer_id(line, customer),
                "problem_id": None,  # set once every record is in (see _link)
            }  # fmt: skip
            for name in ("service", "category", "assignee", "team", "root_cause", "workaround",
                         "external_id", "source_hash"):  # fmt: skip
                values[name] = line.text(name)
            for name in RECORD_FIELDS:
                if name in TIME_FIELDS:
                    values[name] = line.time(
                        name, required=name in ("opened_at", "stage_entered_at")
                    )
            if values["number"] != int(key.split("-")[1]):
                raise line.fail(f"number {values['number']} does not match key {key}")
            problem = line.key("problem", ("PRB",), required=False)
            if problem is not None:
                if kind != "incident":
                    raise line.fail(f"only incidents link to problems, not {key}")
                self.links.append((line, key, problem))
            rows.append((line, values))
        self._upsert("record", Record, rows, self.record_ids)

    def _once(self, kind: str, key: str, line: _Line) -> None:
        """A key may appear once per import and type: twice would silently overwrite."""
        first = self.seen.setdefault((kind, key), line.number)
        if first != line.number:
            raise line.fail(f"{kind} {key} appears again (first on line {first})")

    def _record_id(self, line: _Line) -> int:
        key = str(line.key("record", tuple(lc.prefix for lc in LIFECYCLES.values())))
        return self._id_of(Record, self.record_ids, key, line)

    def _load_history(self, kind: str, model: type[SQLModel], lines: list[_Line],
                      make: Any, fields: tuple[str, ...]) -> None:  # fmt: skip
        target = table(model)
        rows = [make(line, self._record_id(line)) for line in lines]
        seen: set[tuple[Any, ...]] = set()
        touched = sorted({row["record_id"] for row in rows} & self.touched)
        if touched:
            columns = [target.c[name] for name in fields]
            seen = {
                tuple(_raw(value) for value in existing)
                for existing in self.connection.execute(
                    select(*columns).where(target.c.record_id.in_(touched))
                )
            }
        fresh = [row for row in rows if tuple(row[name] for name in fields) not in seen]
        if fresh:
            self.connection.execute(insert(target), fresh)
        self.summary.added[kind] += len(fresh)
        self.summary.unchanged[kind] += len(rows) - len(fresh)

    def _load_event(self, lines: list[_Line]) -> None:
        def make(line: _Line, record_id: int) -> dict[str, Any]:
            return {"record_id": record_id, "at": line.time("at", required=True),
                    "recorded_at": line.time("recorded_at") or line.time("at"),
                    "actor": line.text("actor", required=True),
                    "action": line.text("action", required=True), "from_value": line.text("from"),
                    "to_value": line.text("to"), "note": line.text("note")}  # fmt: skip

        fields = ("record_id", "at", "recorded_at", "actor", "action", "from_value", "to_value",
                  "note")  # fmt: skip
        self._load_history("event", Event, lines, make, fields)

    def _load_contact(self, lines: list[_Line]) -> None:
        def make(line: _Line, record_id: int) -> dict[str, Any]:
            return {"record_id": record_id,
                    "channel": line.text("channel", required=True, choices=CHANNELS),
                    "direction": line.text("direction", required=True, choices=DIRECTIONS),
                    "at": line.time("at", required=True), "agent": line.text("agent"),
                    "note": line.text("note")}  # fmt: skip

        fields = ("record_id", "channel", "direction", "at", "agent", "note")
        self._load_history("contact", Contact, lines, make, fields)

    def _load_feedback(self, lines: list[_Line]) -> None:
        rows, scores = [], {}
        for line in lines:
            key = str(line.key("key", ("FB",)))
            self._once("feedback", key, line)
            given = line.get("scores") or {}
            valid = isinstance(given, dict) and all(
                isinstance(d, str) and isinstance(v, int) and not isinstance(v, bool)
                and 1 <= v <= 5 for d, v in given.items()
            )  # fmt: skip
            if not valid:
                raise line.fail("feedback scores must be an object of dimension: score (1-5)")
            scores[key] = given
            self.feedback_keys.add(key)
            rows.append((line, {
                "key": key, "record_id": self._record_id(line),
                "csat": line.whole("csat", 1, 5), "ces": line.whole("ces", 1, 7),
                "comment": line.text("comment"),
                "received_at": line.time("received_at", required=True),
            }))  # fmt: skip
        ids: dict[str, int] = {}
        self._upsert("feedback", Feedback, rows, ids)
        score_table = table(FeedbackScore)
        self.connection.execute(
            score_table.delete().where(score_table.c.feedback_id.in_(list(ids.values())))
        )
        fresh = [
            {"feedback_id": ids[key], "dimension": dimension, "score": score}
            for key, given in scores.items()
            for dimension, score in given.items()
        ]
        if fresh:
            self.connection.execute(insert(score_table), fresh)

    def _link(self) -> None:
        records = table(Record)
        for line, key, problem in self.links:
            problem_id = (
                self.record_ids.get(problem)
                or self.connection.execute(
                    select(records.c.id).where(records.c.key == problem)
                ).scalar()
            )
            if problem_id is None:
                raise line.fail(f"{key} links to unknown problem {problem!r}")
            self.connection.execute(
                update(records).where(records.c.key == key).values(problem_id=problem_id)
            )
