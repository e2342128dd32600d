"""The import of an export: each line checked into the row it stands for, then upserted by key
in the order the export wrote them (what a later type refers to is already in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from svcops.domain.fields import Field, Type, field_named, own_fields
from svcops.domain.kinds import LIFECYCLES
from svcops.domain.lifecycle import Lifecycle
from svcops.domain.timeparse import format_instant
from svcops.domain.vocabulary import CHANNELS, DIRECTIONS
from svcops.services.dump_lines import RECORD_FIELDS, TYPES, ImportSummary, Line
from svcops.store.dump import BATCH, DumpWriter

EVENT_FIELDS = ("record_id", "at", "recorded_at", "actor", "action", "from_value", "to_value",
                "note")  # fmt: skip
CONTACT_FIELDS = ("record_id", "channel", "direction", "at", "agent", "note")


class Loader:
    """Upserts objects in the order an export writes them, in batches."""

    def __init__(self, store: DumpWriter, summary: ImportSummary) -> None:
        self.store = store
        self.summary = summary
        self.pending: dict[str, list[Line]] = {t: [] for t in TYPES}
        self.customer_ids: dict[str, int] = {}
        self.record_ids: dict[str, int] = {}
        self.links: list[tuple[Line, str, str]] = []  # (line, record key, problem key)
        self.touched: set[int] = set()  # records that existed before: dedupe their history
        self.seen: dict[tuple[str, str], int] = {}
        self.feedback_keys: set[str] = set()

    def take(self, line: Line) -> None:
        kind = line.obj["type"]
        self.pending[kind].append(line)
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
        highest: dict[str, int] = {}
        for key in (*self.record_ids, *self.customer_ids, *self.feedback_keys):
            prefix, _, digits = key.partition("-")
            if digits.isdigit():
                highest[prefix] = max(highest.get(prefix, 0), int(digits))
        existing = self.store.counters()
        for prefix, last in highest.items():
            self._raise_counter(existing, prefix, last)

    def _raise_counter(self, existing: dict[str, int], prefix: str, last: int) -> dict[str, int]:
        """Raise the counter of `prefix` to `last`, never lower it; the summary's tally
        (added, updated or unchanged) of what that did."""
        if prefix not in existing:
            self.store.add_counter(prefix, last)
            return self.summary.added
        if last > existing[prefix]:
            self.store.set_counter(prefix, last)
            return self.summary.updated
        return self.summary.unchanged

    def _flush(self, kind: str) -> None:
        batch, self.pending[kind] = self.pending[kind], []
        if batch:
            getattr(self, f"_load_{kind}")(batch)

    def _load_counter(self, lines: list[Line]) -> None:
        existing = self.store.counters()
        for line in lines:
            prefix = line.text("prefix", required=True)
            last = line.whole("last", 0, 10**12, required=True)
            assert prefix is not None  # required: never null
            assert last is not None
            self._raise_counter(existing, prefix, last)["counter"] += 1

    def _upsert(self, kind: str, rows: list[dict[str, Any]], ids: dict[str, int]) -> None:
        added, updated = self.store.upsert(kind, rows)
        ids.update(added)
        self.summary.added[kind] += len(added)
        for key, row_id in updated.items():
            ids[key] = row_id
            self.summary.updated[kind] += 1
            if kind == "record":
                self.touched.add(row_id)

    def _load_customer(self, lines: list[Line]) -> None:
        rows = []
        for line in lines:
            key = str(line.key("key", ("CUS",)))
            self._once("customer", key, line)
            rows.append({
                "key": key, "name": line.text("name", required=True),
                "email": line.text("email"), "org": line.text("org"),
                "created_at": line.time("created_at", required=True),
            })  # fmt: skip
        self._upsert("customer", rows, self.customer_ids)

    def _id_of(self, kind: str, ids: dict[str, int], key: str, line: Line) -> int:
        """The id of the row with `key`: from this import, else from the database."""
        if key not in ids:
            found = self.store.id_of(kind, key)
            if found is None:
                raise line.fail(f"unknown {kind} {key!r}")
            ids[key] = found
            if kind == "record":
                self.touched.add(found)  # a record from before: its history is deduplicated
        return ids[key]

    def _customer_id(self, line: Line, key: str | None) -> int | None:
        return None if key is None else self._id_of("customer", self.customer_ids, key, line)

    def _load_record(self, lines: list[Line]) -> None:
        rows = []
        for line in lines:
            kind = line.text("kind", required=True, choices=tuple(LIFECYCLES))
            life = LIFECYCLES[str(kind)]
            key = str(line.key("key", (life.prefix,)))
            self._once("record", key, line)
            stages = tuple(stage.name for stage in life.stages)
            values: dict[str, Any] = {"key": key, "kind": kind, "problem_id": None}  # see _link
            for f in RECORD_COLUMNS:
                if f.name in values:
                    continue
                if f.name == "customer":
                    customer = line.key("customer", ("CUS",), required=False)
                    values["customer_id"] = self._customer_id(line, customer)
                elif f.name in ("stage", "held_from"):  # the kind's own stages
                    values[f.name] = line.text(f.name, required=f.required, choices=stages)
                elif f.type is not Type.KEY:
                    values[f.name] = _value(line, f)
            attributes = {f.name: _value(line, f) for f in own_fields(life.fields)}
            values["attributes"] = {k: v for k, v in attributes.items() if v is not None} or None
            if values["number"] != int(key.split("-")[1]):
                raise line.fail(f"number {values['number']} does not match key {key}")
            self._link_later(line, life, key)
            rows.append(values)
        self._upsert("record", rows, self.record_ids)

    def _link_later(self, line: Line, life: Lifecycle, key: str) -> None:
        """A record's link to the record it points at, made once every record is in."""
        if line.get("problem") is None:
            return
        if not life.links_to:
            linking = " and ".join(k.plural for k in LIFECYCLES.values() if k.links_to)
            raise line.fail(f"only {linking} link to problems, not {key}")
        target = str(line.key("problem", (LIFECYCLES[life.links_to].prefix,)))
        self.links.append((line, key, target))

    def _once(self, kind: str, key: str, line: Line) -> None:
        """A key may appear once per import and type: twice would silently overwrite."""
        first = self.seen.setdefault((kind, key), line.number)
        if first != line.number:
            raise line.fail(f"{kind} {key} appears again (first on line {first})")

    def _record_id(self, line: Line) -> int:
        key = str(line.key("record", tuple(lc.prefix for lc in LIFECYCLES.values())))
        return self._id_of("record", self.record_ids, key, line)

    def _load_history(
        self, kind: str, lines: list[Line], make: Callable[[Line, int], dict[str, Any]],
        fields: tuple[str, ...],
    ) -> None:  # fmt: skip
        rows = [make(line, self._record_id(line)) for line in lines]
        seen: set[tuple[Any, ...]] = set()
        touched = sorted({row["record_id"] for row in rows} & self.touched)
        if touched:
            seen = self.store.stored_history(kind, fields, touched)
        fresh = [row for row in rows if tuple(row[name] for name in fields) not in seen]
        self.store.insert(kind, fresh)
        self.summary.added[kind] += len(fresh)
        self.summary.unchanged[kind] += len(rows) - len(fresh)

    def _load_event(self, lines: list[Line]) -> None:
        def make(line: Line, record_id: int) -> dict[str, Any]:
            return {"record_id": record_id, "at": line.time("at", required=True),
                    "recorded_at": line.time("recorded_at") or line.time("at"),
                    "actor": line.text("actor", required=True),
                    "action": line.text("action", required=True), "from_value": line.text("from"),
                    "to_value": line.text("to"), "note": line.text("note")}  # fmt: skip

        self._load_history("event", lines, make, EVENT_FIELDS)

    def _load_contact(self, lines: list[Line]) -> None:
        def make(line: Line, record_id: int) -> dict[str, Any]:
            return {"record_id": record_id,
                    "channel": line.text("channel", required=True, choices=CHANNELS),
                    "direction": line.text("direction", required=True, choices=DIRECTIONS),
                    "at": line.time("at", required=True), "agent": line.text("agent"),
                    "note": line.text("note")}  # fmt: skip

        self._load_history("contact", lines, make, CONTACT_FIELDS)

    def _load_feedback(self, lines: list[Line]) -> None:
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
            rows.append({
                "key": key, "record_id": self._record_id(line),
                "csat": line.whole("csat", 1, 5), "ces": line.whole("ces", 1, 7),
                "comment": line.text("comment"),
                "received_at": line.time("received_at", required=True),
            })  # fmt: skip
        ids: dict[str, int] = {}
        self._upsert("feedback", rows, ids)
        fresh = [
            {"feedback_id": ids[key], "dimension": dimension, "score": score}
            for key, given in scores.items()
            for dimension, score in given.items()
        ]
        self.store.replace_scores(list(ids.values()), fresh)

    def _link(self) -> None:
        for line, key, problem in self.links:
            problem_id = self.record_ids.get(problem) or self.store.id_of("record", problem)
            if problem_id is None:
                raise line.fail(f"{key} links to unknown problem {problem!r}")
            self.store.link(key, problem_id)


RECORD_COLUMNS = tuple(field_named(name) for name in RECORD_FIELDS)


def _value(line: Line, f: Field) -> Any:
    """A record field of an export line, checked by its type in the catalogue."""
    if f.type is Type.TIME:
        value: Any = line.time(f.name, required=f.required)
        # a kind's own time is kept in attributes (JSON) as every export writes a time
        return value if f.column or value is None else format_instant(_utc(value))
    if f.type is Type.WHOLE:
        return line.whole(f.name, f.low, f.high, required=f.required, default=f.initial)
    if f.type is Type.FLAG:
        return bool(line.get(f.name)) if line.get(f.name) is not None else f.initial
    return line.text(f.name, required=f.required, choices=f.choices)


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
