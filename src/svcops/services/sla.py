"""The SLA clocks of records (svcops.domain.sla) as the services need them: on a record shown
or listed, and for `list --at-risk` and `--breached`.

The store hands over each record's times and, for records that were on hold, their stage
moves; the domain works the clocks out on the record's calendar, with the config in force.
The reports' tallies are in services/sla_tallies.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from svcops.domain import sla
from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import LIFECYCLES, customer_kinds
from svcops.domain.lifecycle import State
from svcops.domain.timeparse import parse_duration
from svcops.store.sla import Window
from svcops.store.tables import StoredRecord
from svcops.store.work import UnitOfWork

SUSPECT_REASON = "awaiting_customer"  # a hold waiting on the customer, who did get in touch


def _epoch(value: datetime | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value.timestamp())


def _instant(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


@cache
def _paused_stages() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stages that put a record on hold, and the hold reasons, of every kind."""
    stages = sorted({s for k in LIFECYCLES.values() for s in k.stages_in(State.PAUSED)})
    reasons = sorted({r for k in LIFECYCLES.values() for r in k.hold_reasons})
    return tuple(stages), tuple(reasons)


def holds_of(
    record_id: int, resolved: int | None, moves: dict[int, list[tuple[int, str, str | None]]]
) -> tuple[sla.Hold, ...]:
    if record_id not in moves:
        return ()
    stages, reasons = _paused_stages()
    return sla.holds_from_moves(moves[record_id], stages, reasons, resolved)


def _record_facts(
    r: StoredRecord, moves: dict[int, list[tuple[int, str, str | None]]]
) -> sla.Facts:
    resolved = _epoch(r.first_resolved_at)
    return sla.Facts(
        r.priority, r.team, _epoch(r.opened_at) or 0, _epoch(r.first_response_at), resolved,
        _epoch(r.closed_at), holds_of(r.id or 0, resolved, moves),
    )  # fmt: skip


def record_clocks(
    uow: UnitOfWork, policy: sla.SlaPolicy, records: Sequence[StoredRecord], now: datetime
) -> dict[int, sla.Clocks]:
    """The clocks of each record (by id) at `now`; records of kinds without an SLA have none."""
    served = {life.kind for life in customer_kinds()}
    mine = [r for r in records if r.kind in served and r.id is not None]
    held = [r.id for r in mine if (r.paused_s or r.held_since is not None) and r.id is not None]
    moves = uow.sla.moves(held) if held else {}
    at = int(now.timestamp())
    return {r.id: sla.clocks(policy, _record_facts(r, moves), at) for r in mine if r.id}


def clock_fields(clocks: sla.Clocks | None) -> dict[str, Any]:
    """The four clock fields of a record as outputs show them (PRODUCT.md section 7)."""
    c = clocks or sla.NO_SLA
    return {
        "response_due_at": _instant(c.response.due_at) if c.response.status else None,
        "resolution_due_at": _instant(c.resolution.due_at) if c.resolution.status else None,
        "sla_response": c.response.status,
        "sla_resolution": c.resolution.status,
    }


def due_soon(clocks: sla.Clocks, now: int, within: int) -> int | None:
    """When the first running clock of a record falls due, if within `within` seconds of
    `now` (the record is at risk); None otherwise."""
    dues = [
        c.due_at
        for c in (clocks.response, clocks.resolution)
        if c.status == sla.RUNNING and c.due_at is not None and now < c.due_at <= now + within
    ]
    return min(dues) if dues else None


def is_breached(clocks: sla.Clocks) -> bool:
    return sla.BREACHED in (clocks.response.status, clocks.resolution.status)


def at_risk_seconds(text: str | None) -> int | None:
    """`--at-risk DURATION` in seconds (None when not given): more than 0."""
    if text is None:
        return None
    seconds = parse_duration(text)
    if seconds <= 0:
        raise InvalidInput(f"--at-risk {text!r}: give a duration longer than 0, such as 1h")
    return seconds


def _earliest(policy: sla.SlaPolicy, priority: str, instant: int, goal: int) -> int:
    """sla.earliest_opening over every calendar a record of `priority` may run on."""
    return min(sla.earliest_opening(c, instant, goal) for c in policy.calendars_of(priority))


def at_risk_window(policy: sla.SlaPolicy, now: datetime, within: int) -> Window:
    """The openings a record needs for a running clock to fall due in (now, now + within]."""
    start, end = int(now.timestamp()), int(now.timestamp()) + within
    response: dict[str, tuple[int, int]] = {}
    resolution: dict[str, tuple[int, int]] = {}
    for priority, target in policy.targets.items():
        for goals, goal in ((response, target.response), (resolution, target.resolution)):
            low = _earliest(policy, priority, start + 1, goal)
            goals[priority] = (low, min(start, end - goal))
    return Window(response, resolution)


def earliest_decided_openings(
    policy: sla.SlaPolicy, since: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    """Per priority, for the response and for the resolution: no record opened before it (and
    never on hold) has that clock decided from `since` on."""
    instant = int(since.timestamp())
    response = {p: _earliest(policy, p, instant, t.response) for p, t in policy.targets.items()}
    resolution = {p: _earliest(policy, p, instant, t.resolution) for p, t in policy.targets.items()}
    return response, resolution
