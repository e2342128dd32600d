"""Use cases on incidents, problems and service requests: one set for every kind."""

from __future__ import annotations

from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import LIFECYCLES, lifecycle
from svcops.domain.lifecycle import State
from svcops.domain.priority import check_priority
from svcops.services.base import (
    parse_count,
    transaction,
)
from svcops.services.views import (
    EventView,
    RecordDetail,
    RecordPage,
    contact_views,
    event_view,
    record_view,
    view_of,
)
from svcops.store.records import RecordFilter

DEFAULT_LIMIT = 50


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
        return RecordDetail(view_of(uow, life, row), contacts, events)


def record_history(kind: str, key: str) -> tuple[str, list[EventView]]:
    life = lifecycle(kind)
    with transaction(write=False) as (uow, _call):
        record = uow.records.get_record(life, key).record
        return record.key, [event_view(e) for e in uow.records.events_of(record)]
