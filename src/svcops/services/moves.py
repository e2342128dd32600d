"""Changing a record: lifecycle moves (with the linked records a problem's resolution takes
along), links to the record it points at, and assignment."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from svcops.domain import lifecycle as lc
from svcops.domain.errors import InvalidInput, TransitionNotAllowed
from svcops.domain.kinds import LIFECYCLES, lifecycle
from svcops.domain.lifecycle import Lifecycle, Progress, State, check_after_opening
from svcops.services.base import (
    Call,
    clean_text,
    record_event,
    required_text,
    transaction,
)
from svcops.services.views import (
    RecordView,
    view_of,
)
from svcops.store.tables import StoredRecord
from svcops.store.work import UnitOfWork


def _reason(life: Lifecycle, reason: str | None) -> str | None:
    """Hold reasons are names (awaiting_vendor): accept them in any case."""
    if reason is not None and reason.lower() in life.hold_reasons:
        return reason.lower()
    return reason


def _note(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " — ".join(kept) if kept else None


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
        return view_of(uow, call, life, row)


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
            return view_of(uow, call, incidents, row)
        uow.records.update_record(record, {"problem_id": target.id if target else None})
        action = "link" if target is not None else "unlink"
        record_event(uow, call, record, action, moment, from_value=old, to_value=new, note=text)
        for key_of_problem in (old, new):
            if key_of_problem is not None:
                side = uow.records.get_record(problems, key_of_problem).record
                change = "link" if key_of_problem == new else "unlink"
                record_event(uow, call, side, change, moment, to_value=record.key, note=text)
        return view_of(uow, call, incidents, replace(row, problem=new))


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
        return view_of(uow, call, life, row)
