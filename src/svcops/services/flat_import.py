"""Records from another tool, one per CSV row or NDJSON line, with the record's field names;
a row's stage and times give its history."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.domain.fields import FLAT_NAMES, IMPORTED, Type, field_named, own_fields
from svcops.domain.fingerprint import Fingerprints
from svcops.domain.keys import canonical_key
from svcops.domain.kinds import lifecycle
from svcops.domain.lifecycle import Lifecycle, State
from svcops.domain.timeparse import format_instant, parse_when
from svcops.services.base import FUTURE_SLACK, Call, transaction
from svcops.services.dump_lines import json_objects
from svcops.services.importing import csv_errors, load_cases, no_nul
from svcops.services.rebuild import Case, HistorySummary


def import_records(
    source: Iterable[str], *, kind: str, fmt: str,
    progress: Callable[[int, int | None], None] | None = None,
) -> HistorySummary:  # fmt: skip
    """Records from another tool, one per CSV row or NDJSON line, in one transaction."""
    life = lifecycle(kind)
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput(f"--input-format {fmt!r}: import reads csv or ndjson")
    with transaction(write=True) as (uow, call):
        reader = _FlatReader(life, call)

        def cases(_summary: HistorySummary) -> Iterator[Case]:
            for where, row in _flat_rows(life, source, fmt):
                yield reader.case(where, row)

        return load_cases(uow, call, life, cases, progress)


def _flat_rows(
    life: Lifecycle, source: Iterable[str], fmt: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    if fmt == "ndjson":
        for number, row in json_objects(source, "record fields"):
            _check_columns(life, list(row), f"line {number}")
            yield f"line {number}", row
        return
    reader = csv.reader(source, strict=True)
    with csv_errors(reader):
        columns = next(reader, [])
        _check_columns(life, columns, "line 1")
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


def _check_columns(life: Lifecycle, columns: list[str], where: str) -> None:
    repeated = [c for c in columns if columns.count(c) > 1]
    if repeated:
        raise InvalidInput(f"{where}: column {repeated[0]!r} appears more than once")
    allowed = (*FLAT_NAMES, *(f.name for f in own_fields(life.fields)))
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise InvalidInput(
            f"{where}: unknown column {unknown[0]!r}", hint="columns: " + ", ".join(allowed)
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
        self.own = own_fields(life.fields)
        self.read = (*IMPORTED, *(f.name for f in self.own))
        self.checked = [
            name for name in self.read if field_named(name).type not in (Type.TEXT, Type.TIME)
        ]

    def when(self, row: dict[str, Any], name: str, where: str) -> datetime | None:
        value = row.get(name)
        if value is None:
            return None
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
        for name in self.read:
            value = row.get(name)
            fields[name] = None if value is None else str(value).strip() or None
        if not fields["title"]:
            raise InvalidInput(f"{where}, column title: empty")
        no_nul(fields, where)
        try:
            for name in self.checked:
                if fields[name] is not None:
                    fields[name] = field_named(name).read(fields[name])
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}") from None
        attributes = {}
        for f in self.own:  # kept as `open` keeps them: times in UTC, choices with defaults
            value = fields.pop(f.name)
            if f.type is Type.TIME:
                moment = self.when(row, f.name, where)
                value = None if moment is None else format_instant(moment)
            attributes[f.name] = value if value is not None else f.default
        attributes = {name: value for name, value in attributes.items() if value is not None}
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
                    fingerprint=self.fingerprints.of_row(life.kind, row),
                    attributes=attributes or None)  # fmt: skip


RESPONDED, RESOLVED, CLOSED, LAST = 0, 1, 2, 3  # where a planned move takes its time from


def _flat_key(life: Lifecycle, value: Any, where: str) -> str | None:
    key = None if value is None else str(value).strip() or None
    if key is None:
        return None
    canonical = canonical_key(key, (life.prefix,))  # INC-007 is INC-7
    if canonical is None:
        raise InvalidInput(
            f"{where}, column key: {key!r} is not {life.a_noun} key ({life.prefix}-N)"
        )
    return canonical


def _flat_plan(
    life: Lifecycle, stage: str | None, responded: bool, resolved: bool, closed: bool,
    early: bool, *, where: str,
) -> tuple[tuple[int, str], ...]:  # fmt: skip
    """The stage changes a row's stage and given times imply, in order, each with the time it
    takes (RESPONDED, RESOLVED, CLOSED, or LAST: the latest time so far); no time is made up."""
    target = stage or life.initial
    state = life.state_of(target)
    resolved_stage = next((s for s in life.main_path if life.state_of(s) is State.RESOLVED), "")
    if resolved and not resolved_stage:
        raise InvalidInput(f"{where}: {life.plural} are never resolved; resolved_at cannot be kept")
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
