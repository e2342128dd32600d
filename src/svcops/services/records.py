"""Use cases on incidents, problems and service requests: one set for every kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from svcops.domain import lifecycle as lc
from svcops.domain.errors import InvalidInput, TransitionNotAllowed
from svcops.domain.fields import Type, open_options
from svcops.domain.kinds import LIFECYCLES, lifecycle
from svcops.domain.lifecycle import Lifecycle, Progress, State, check_after_opening
from svcops.domain.priority import check_level, check_priority, priority_for
from svcops.domain.timeparse import format_instant
from svcops.domain.vocabulary import CHANNELS, UNATTENDED_CHANNELS, choice
from svcops.services.base import (
    Call,
    clean_text,
    parse_count,
    record_event,
    required_text,
    transaction,
)
from svcops.services.views import (
    EventView,
    KnownErrorView,
    RecordDetail,
    RecordPage,
    RecordView,
    contact_views,
    event_view,
    record_view,
)
from svcops.store.records import RecordFilter, RecordRow
from svcops.store.tables import StoredRecord
from svcops.store.work import UnitOfWork

DEFAULT_LIMIT = 50


def _view(uow: UnitOfWork, life: Lifecycle, row: RecordRow) -> RecordView:
    record = row.record
    linked = None
    if life.linked_from:
        assert record.id is not None
        linked = uow.records.linked_incidents([record.id]).get(record.id, [])
    view = record_view(life, row, linked)
    target = lifecycle(life.links_to) if life.links_to else None
    if target is not None and target.known_error_stage:  # what its register says about it
        view = replace(view, known_errors=_known_errors(uow, target, record))
    return view


def _known_errors(
    uow: UnitOfWork, register: Lifecycle, record: StoredRecord
) -> tuple[KnownErrorView, ...]:
    found = []
    matching = uow.records.known_errors_matching(
        register.kind, register.known_error_stage, record.service, record.category
    )
    for problem in matching:
        on = "service" if record.service and problem.service == record.service else "category"
        found.append(
            KnownErrorView(
                problem.key, problem.title, f"{on} {getattr(record, on)}", problem.workaround
            )
        )
    return tuple(found)


def _reason(life: Lifecycle, reason: str | None) -> str | None:
    """Hold reasons are names (awaiting_vendor): accept them in any case."""
    if reason is not None and reason.lower() in life.hold_reasons:
        return reason.lower()
    return reason


def _note(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " — ".join(kept) if kept else None


def open_record(
    kind: str,
    title: str,
    *,
    impact: int | str | None = None,
    urgency: int | str | None = None,
    priority: str | None = None,
    service: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    customer: str | None = None,
    assignee: str | None = None,
    team: str | None = None,
    at: str | None = None,
    note: str | None = None,
    **own: str | None,
) -> RecordView:
    """Open a record at its lifecycle's first stage and log the customer's first contact.

    `own` sets the kind's own fields that have an `open` option, by the option's name
    (`model=`, `due=` for requests)."""
    life = lifecycle(kind)
    clean_title = required_text(title, "the title")
    impact_level = check_level(impact if impact is not None else 3, "impact")
    urgency_level = check_level(urgency if urgency is not None else 3, "urgency")
    with transaction(write=True) as (uow, call):
        opened_at = call.when(at)
        matrix_priority = priority_for(impact_level, urgency_level, call.settings.matrix)
        chosen = check_priority(priority) if priority else matrix_priority
        channel_name = choice(channel or call.settings.default_channel, CHANNELS, "channel")
        values, attributes = _own_values(life, own, call, opened_at)
        customer_row = uow.records.get_customer(customer) if customer else None
        key, number = uow.records.next_key(life.prefix)
        progress = lc.start(life, opened_at)
        record = uow.records.insert_record(
            {
                "key": key,
                "kind": life.kind,
                "number": number,
                "title": clean_title,
                "priority": chosen,
                "priority_overridden": chosen != matrix_priority,
                "impact": impact_level,
                "urgency": urgency_level,
                "service": clean_text(service, "--service"),
                "category": clean_text(category, "--category"),
                "channel": channel_name,
                "customer_id": customer_row.id if customer_row else None,
                "assignee": clean_text(assignee, "--assignee"),
                "team": clean_text(team, "--team"),
                **values,
                "attributes": attributes,
                **lc.progress_values(progress),
            },
        )
        record_event(
            uow,
            call,
            record,
            "open",
            opened_at,
            to_value=record.stage,
            note=clean_text(note, "--note"),
        )
        if record.priority_overridden:
            record_event(uow, call, record, "priority_override", opened_at,
                from_value=matrix_priority, to_value=chosen,
                note=f"matrix: impact {impact_level}, urgency {urgency_level} -> {matrix_priority}",
            )  # fmt: skip
        if channel_name not in UNATTENDED_CHANNELS and life.customer_facing:
            uow.records.add_contact(record, channel_name, "inbound", opened_at)
            record_event(
                uow, call, record, "contact", opened_at, to_value=f"inbound {channel_name}"
            )
        customer_key = customer_row.key if customer_row else None
        return _view(uow, life, RecordRow(record, customer_key, None))


def _own_values(
    life: Lifecycle, given: dict[str, str | None], call: Call, opened_at: datetime
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The kind's own fields `open` sets: (values of columns, values kept in attributes)."""
    options = open_options(life.fields)
    unknown = {name for name, value in given.items() if value is not None}
    unknown -= {f.param for f in options}
    if unknown:
        raise InvalidInput(f"{life.plural} have no --{sorted(unknown)[0].replace('_', '-')}")
    columns: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for f in options:
        text = clean_text(given.get(f.param), f.option_name) or f.default
        value: Any = None
        if f.type is Type.TIME:
            value = call.optional_when(text, f.option_name)
            if value is not None and f.after_opening and value < opened_at:
                what = f"{f.option_name} {format_instant(value)}"
                raise InvalidInput(f"{what} is before the {life.noun} opens")
        elif text is not None:
            value = f.read(text)
        if f.column:
            columns[f.name] = value
        elif value is not None:
            attributes[f.name] = format_instant(value) if f.type is Type.TIME else value
    return columns, attributes or None


def move_record(
    kind: str,
    key: str,
    verb: str,
    *,
    to: str | None = None,
    reason: str | None = None,
    root_cause: str | None = None,
    workaround: str | None = None,
    resolve_incidents: bool = False,
    at: str | None = None,
    note: str | None = None,
) -> RecordView:
    """Take a lifecycle move (advance, hold, resume, resolve, close, reopen, cancel).

    With `resolve_incidents` (problems), every open incident linked to the problem is resolved
    in the same transaction, each with its own event.
    """
    life = lifecycle(kind)
    if verb not in (*life.verbs, "advance"):
        raise InvalidInput(f"{life.plural} cannot {verb}")
    if resolve_incidents and not life.linked_from:
        raise InvalidInput(f"--resolve-incidents applies to {_linked_kinds()}, not {life.plural}")
    given = {
        "reason": _reason(life, clean_text(reason, "--reason")),
        "root_cause": clean_text(root_cause, "--root-cause"),
        "workaround": clean_text(workaround, "--workaround"),
    }
    text = clean_text(note, "--note")
    with transaction(write=True) as (uow, call):
        moment = call.when(at)
        row = uow.records.get_record(life, key, lock=True)
        apply_move(uow, call, life, row.record, verb, moment, to=to, given=given, note=text)
        if resolve_incidents:
            if life.state_of(row.record.stage) is not State.RESOLVED:
                raise InvalidInput("--resolve-incidents goes with a move that resolves the problem")
            _resolve_linked_incidents(uow, call, life, row.record, moment)
        return _view(uow, life, row)


def apply_move(
    uow: UnitOfWork,
    call: Call,
    life: Lifecycle,
    record: StoredRecord,
    verb: str,
    moment: datetime,
    *,
    to: str | None = None,
    given: dict[str, str | None] | None = None,
    note: str | None = None,
) -> None:
    """Move a loaded record through its lifecycle, store it and append the event."""
    given = given or {}
    before = Progress(**{name: getattr(record, name) for name in lc.PROGRESS_FIELDS})
    try:
        after, transition = lc.move(life, before, verb, moment, to=to, given=given)
    except TransitionNotAllowed as exc:
        raise TransitionNotAllowed(f"{record.key}: {exc.message}", hint=exc.hint) from None
    changes = lc.progress_values(after)
    for name in transition.requires:
        if name in ("root_cause", "workaround"):
            changes[name] = given[name]
    uow.records.update_record(record, changes)
    detail = given.get("reason") if "reason" in transition.requires else None
    if "root_cause" in transition.requires:
        detail = f"root cause: {given['root_cause']}; workaround: {given['workaround']}"
    record_event(uow, call, record, transition.verb, moment,
        from_value=before.stage, to_value=after.stage, note=_note(detail, note),
    )  # fmt: skip


def _linked_kinds() -> str:
    return " and ".join(life.plural for life in LIFECYCLES.values() if life.linked_from)


def _resolve_linked_incidents(
    uow: UnitOfWork, call: Call, life: Lifecycle, problem: StoredRecord, moment: datetime
) -> None:
    incident = lifecycle(life.linked_from)
    note = f"resolved with {life.noun} {problem.key}"
    for linked in uow.records.linked_records(problem, lock=True):
        state = incident.state_of(linked.stage)
        if state is State.PAUSED:
            apply_move(uow, call, incident, linked, "resume", moment, note=note)
        if state in (State.OPEN, State.PAUSED):
            apply_move(uow, call, incident, linked, "resolve", moment, note=note)


def link_incident(
    key: str, problem: str | None, *, at: str | None = None, note: str | None = None
) -> RecordView:
    """Link an incident to a problem; `problem` None unlinks it."""
    return link_record("incident", key, problem, at=at, note=note)


def link_record(
    kind: str, key: str, target_key: str | None, *, at: str | None = None, note: str | None = None
) -> RecordView:
    """Link a record to the record of the kind it points at (many to one, an incident to its
    problem); `target_key` None unlinks it."""
    incidents = lifecycle(kind)
    if not incidents.links_to:
        raise InvalidInput(f"{incidents.plural} link to nothing")
    problems = lifecycle(incidents.links_to)
    problem = target_key
    text = clean_text(note, "--note")
    with transaction(write=True) as (uow, call):
        moment = call.when(at)
        row = uow.records.get_record(incidents, key, lock=True)
        record, old = row.record, row.problem
        target = uow.records.get_record(problems, problem, lock=True).record if problem else None
        if target is not None and problems.state_of(target.stage) is State.FINAL:
            raise TransitionNotAllowed(
                f"{target.key} is {target.stage}; link {incidents.plural} to an open "
                f"{problems.noun}"
            )
        new = target.key if target is not None else None
        if new is None and old is None:
            raise InvalidInput(f"{record.key} is not linked to {problems.a_noun}")
        if old == new:
            return _view(uow, incidents, row)
        uow.records.update_record(record, {"problem_id": target.id if target else None})
        action = "link" if target is not None else "unlink"
        record_event(uow, call, record, action, moment, from_value=old, to_value=new, note=text)
        for key_of_problem in (old, new):
            if key_of_problem is not None:
                side = uow.records.get_record(problems, key_of_problem).record
                change = "link" if key_of_problem == new else "unlink"
                record_event(uow, call, side, change, moment, to_value=record.key, note=text)
        return _view(uow, incidents, replace(row, problem=new))


def assign_record(
    kind: str,
    key: str,
    assignee: str,
    *,
    team: str | None = None,
    at: str | None = None,
    note: str | None = None,
) -> RecordView:
    """Give a record to an agent (and optionally a team); each change is an event."""
    life = lifecycle(kind)
    agent = required_text(assignee, "--to")
    new_team = clean_text(team, "--team")
    with transaction(write=True) as (uow, call):
        moment = call.when(at)
        row = uow.records.get_record(life, key, lock=True)
        record = row.record
        if life.state_of(record.stage) is State.FINAL:
            raise TransitionNotAllowed(
                f"{record.key} is {record.stage}; a {record.stage} {life.noun} cannot be reassigned"
            )
        check_after_opening(moment, record.opened_at, record.key, "--at")
        text = clean_text(note, "--note")
        changes = {}
        for action, field, value in [("assign", "assignee", agent), ("team", "team", new_team)]:
            if value is not None and value != getattr(record, field):
                record_event(uow, call, record, action, moment,
                    from_value=getattr(record, field), to_value=value, note=text,
                )  # fmt: skip
                changes[field] = value
        if changes:
            uow.records.update_record(record, changes)
        return _view(uow, life, row)


def list_records(
    kind: str,
    *,
    stages: list[str] | None = None,
    priorities: list[str] | None = None,
    assignee: str | None = None,
    team: str | None = None,
    open_only: bool = False,
    known_errors: bool = False,
    breached: bool = False,
    since: str | None = None,
    until: str | None = None,
    limit: int | str | None = DEFAULT_LIMIT,
) -> RecordPage:
    """Records newest first; `limit` 0 or None means all."""
    life = lifecycle(kind)
    limit = parse_count(limit, "--limit")
    wanted_stages = [life.stage(s.strip().lower()).name for s in _split(stages)]
    if known_errors:
        if not life.known_error_stage:
            registers = [k.plural for k in LIFECYCLES.values() if k.known_error_stage]
            raise InvalidInput(
                f"{life.plural} have no known-error register; {' and '.join(registers)} do"
            )
        wanted_stages.append(life.known_error_stage)
    wanted_priorities = [check_priority(p) for p in _split(priorities)]
    with transaction(write=False) as (uow, call):
        start, end = call.period(since, until)
        flt = RecordFilter(
            stages=wanted_stages,
            priorities=wanted_priorities,
            assignee=assignee,
            team=team,
            open_stages=life.stages_in(State.OPEN, State.PAUSED) if open_only or breached else None,
            since=start,
            until=end,
            limit=limit or None,
            breached_by=call.now if breached else None,
            sla=call.settings.sla,
        )
        rows, total = uow.records.list_records(life.kind, flt)
        incidents: dict[int, list[str]] = {}
        if life.linked_from:
            incidents = uow.records.linked_incidents([r.record.id for r in rows if r.record.id])
        views = [record_view(life, row, incidents.get(row.record.id or 0, [])) for row in rows]
        return RecordPage(views, total)


def _split(values: list[str] | None) -> list[str]:
    """Repeated options and comma lists both work: --stage new --stage held, --stage new,held."""
    return [part for value in values or [] for part in value.split(",") if part.strip()]


def show_record(kind: str, key: str) -> RecordDetail:
    life = lifecycle(kind)
    with transaction(write=False) as (uow, _call):
        row = uow.records.get_record(life, key)
        record = row.record
        assert record.id is not None
        contacts = contact_views({record.id: record.key}, uow.records.contacts_of([record.id]))
        events = [event_view(e) for e in uow.records.events_of(record)]
        return RecordDetail(_view(uow, life, row), contacts, events)


def record_history(kind: str, key: str) -> tuple[str, list[EventView]]:
    life = lifecycle(kind)
    with transaction(write=False) as (uow, _call):
        record = uow.records.get_record(life, key).record
        return record.key, [event_view(e) for e in uow.records.events_of(record)]
