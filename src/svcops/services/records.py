"""Use cases on incidents, problems and service requests: one set for every kind."""

from __future__ import annotations

from datetime import datetime

from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import LIFECYCLES, customer_kinds, lifecycle
from svcops.domain.lifecycle import State
from svcops.domain.priority import check_priority
from svcops.domain.sla import Clocks
from svcops.services.base import (
    parse_count,
    transaction,
)
from svcops.services.sla import (
    at_risk_seconds,
    at_risk_window,
    due_soon,
    is_breached,
    record_clocks,
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
from svcops.store.records import RecordFilter, RecordRow

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
    at_risk: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | str | None = DEFAULT_LIMIT,
) -> RecordPage:
    """Records newest first; `limit` 0 or None means all. With `at_risk` (a duration), only
    open records whose running SLA clock falls due within it, soonest first; with `breached`,
    only open ones whose SLA has breached."""
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
    within = at_risk_seconds(at_risk)
    if (breached or within is not None) and not life.customer_facing:
        served = " and ".join(k.plural for k in customer_kinds())
        option = "--breached" if breached else "--at-risk"
        raise InvalidInput(f"{option}: {life.plural} have no SLA; {served} do")
    wanted_priorities = [check_priority(p) for p in _split(priorities)]
    clocked = breached or within is not None
    open_stages = None
    if within is not None:  # a paused clock does not fall due
        open_stages = life.stages_in(State.OPEN)
    elif open_only or breached:
        open_stages = life.stages_in(State.OPEN, State.PAUSED)
    with transaction(write=False) as (uow, call):
        start, end = call.period(since, until)
        policy = call.settings.sla
        flt = RecordFilter(
            stages=wanted_stages,
            priorities=wanted_priorities,
            assignee=assignee,
            team=team,
            open_stages=open_stages,
            since=start,
            until=end,
            limit=None if clocked else limit or None,
            window=at_risk_window(policy, call.now, within) if within is not None else None,
        )
        rows, total = uow.records.list_records(life.kind, flt)
        clocks = record_clocks(uow, policy, [r.record for r in rows], call.now)
        if clocked:
            rows, total = _clocked(rows, clocks, call.now, within, limit)
        incidents: dict[int, list[str]] = {}
        if life.linked_from:
            incidents = uow.records.linked_incidents([r.record.id for r in rows if r.record.id])
        views = [
            record_view(
                life, row, incidents.get(row.record.id or 0, []), clocks.get(row.record.id or 0)
            )
            for row in rows
        ]
        return RecordPage(views, total)


def _clocked(
    rows: list[RecordRow], clocks: dict[int, Clocks], now: datetime, within: int | None,
    limit: int | None,
) -> tuple[list[RecordRow], int]:  # fmt: skip
    """The rows at risk within `within` (soonest due first), else those breached (newest
    first, as listed), and how many there are before the limit."""
    at = int(now.timestamp())
    if within is not None:
        due = {r.record.id: due_soon(clocks[r.record.id or 0], at, within) for r in rows}
        kept = sorted((r for r in rows if due[r.record.id] is not None),
                      key=lambda r: (due[r.record.id], r.record.id))  # fmt: skip
    else:
        kept = [r for r in rows if is_breached(clocks[r.record.id or 0])]
    return (kept[:limit] if limit else kept), len(kept)


def _split(values: list[str] | None) -> list[str]:
    """Repeated options and comma lists both work: --stage new --stage held, --stage new,held."""
    return [part for value in values or [] for part in value.split(",") if part.strip()]


def show_record(kind: str, key: str) -> RecordDetail:
    life = lifecycle(kind)
    with transaction(write=False) as (uow, call):
        row = uow.records.get_record(life, key)
        record = row.record
        assert record.id is not None
        contacts = contact_views({record.id: record.key}, uow.records.contacts_of([record.id]))
        events = [event_view(e) for e in uow.records.events_of(record)]
        return RecordDetail(view_of(uow, call, life, row), contacts, events)


def record_history(kind: str, key: str) -> tuple[str, list[EventView]]:
    life = lifecycle(kind)
    with transaction(write=False) as (uow, _call):
        record = uow.records.get_record(life, key).record
        return record.key, [event_view(e) for e in uow.records.events_of(record)]
