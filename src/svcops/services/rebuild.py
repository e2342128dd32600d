"""Records rebuilt from what another tool recorded: a case (where it came from, its fields, the
stage changes observed) becomes the rows of a record, its events and its first contact.

The changes are applied with the lifecycle's effects (first response, resolution, hold clock,
reopen, closing); a change today's lifecycle would not allow is kept as it happened and counted
as an anomaly. Nothing here touches a database, so it runs in the import's worker process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from svcops.config import Settings
from svcops.domain import lifecycle as lc
from svcops.domain.errors import InvalidInput
from svcops.domain.fields import IMPORTED, Type, field_named
from svcops.domain.lifecycle import Lifecycle, State
from svcops.domain.priority import check_priority, priority_for
from svcops.store.imports import RECORD_COLUMNS, Rows

BATCH = 5_000  # records a batch: what the worker sends and the writer inserts at a time


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
    attributes: dict[str, Any] | None = None  # the values of the kind's own fields


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


@dataclass
class _Made:
    """What the row maker ends with: its summary."""

    summary: HistorySummary


# imported fields `_rows` derives (the priority from the matrix) or sets on its own
_SET_APART = frozenset({"title", "priority", "impact", "urgency", "channel", "reopen_count"})


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
        # the rest of what imports read as it is: text, and choices (with their defaults)
        # for the kinds that have them
        rest = [field_named(name) for name in IMPORTED if name not in _SET_APART]
        self.text_columns = [f.name for f in rest if f.type is Type.TEXT]
        self.choice_columns = [
            (f.name, f.default, f.common or f.name in life.fields)
            for f in rest
            if f.type is Type.CHOICE
        ]

    def make(self, cases: Iterable[Case]) -> Iterator[Rows | _Made]:
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

    def _batch(self, cases: list[Case]) -> Rows:
        keys = self._keys(cases)
        rows = Rows([], [], [], [(c.key, c.external_id, c.fingerprint) for c in cases], [])
        logs = self.life.customer_facing
        for case, (key, number) in zip(cases, keys, strict=True):
            record_id = self.next_id
            self.next_id += 1
            seen = self.summary.anomalies
            row = self._rows(case, record_id, key, number, rows.events)
            rows.records.append(self.record_values(row))
            rows.anomalies.append(self.summary.anomalies - seen)
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
        row: dict[str, Any] = {
            "id": record_id, "key": key, "kind": life.kind, "number": number,
            "title": fields.get("title") or case.where, "priority": priority,
            "priority_overridden": priority != matrix, "impact": impact, "urgency": urgency,
            "channel": fields.get("channel") or self.settings.default_channel,
            "due_at": _epoch(fields.get("due_at")), "customer_id": None, "problem_id": None,
            "version": 1, "external_id": case.external_id, "source_hash": case.fingerprint,
            "attributes": _json(case.attributes), **history.values,
        }  # fmt: skip
        for name in self.text_columns:
            row[name] = fields.get(name)
        for name, default, own in self.choice_columns:
            row[name] = (fields.get(name) or default) if own else None
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


def _json(attributes: dict[str, Any] | None) -> str | None:
    """A kind's own fields as their JSON column stores them (rows go to the driver as they are)."""
    return None if attributes is None else json.dumps(attributes, ensure_ascii=False)
