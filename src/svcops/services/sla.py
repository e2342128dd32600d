"""The SLA clocks of records (svcops.domain.sla) as the services need them: on a record shown
or listed, for `list --at-risk` and `--breached`, and tallied per group for the reports.

The store hands over each record's times and, for records that were on hold, their stage
moves; the domain works the clocks out on the record's calendar, with the config in force.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from svcops.domain import sla
from svcops.domain.kinds import LIFECYCLES, customer_kinds
from svcops.domain.lifecycle import State
from svcops.store.report_scope import Scope
from svcops.store.sla import Window
from svcops.store.tables import StoredRecord
from svcops.store.work import UnitOfWork

CLOCK_FIELDS = ("response_due_at", "resolution_due_at", "sla_response", "sla_resolution")
SUSPECT_REASON = "awaiting_customer"  # a hold waiting on the customer, who did get in touch
CHUNK = 2000


def _epoch(value: datetime | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value.timestamp())


def _instant(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _paused_stages() -> tuple[list[str], list[str]]:
    stages = sorted({s for k in LIFECYCLES.values() for s in k.stages_in(State.PAUSED)})
    reasons = sorted({r for k in LIFECYCLES.values() for r in k.hold_reasons})
    return stages, reasons


def _getter(row: StoredRecord | dict[str, Any]) -> Callable[[str], Any]:
    """Values by name of a StoredRecord or of a report row (the same names)."""
    if isinstance(row, dict):
        return row.__getitem__
    return lambda name: getattr(row, name)


def _facts(
    row: StoredRecord | dict[str, Any], moves: dict[int, list[tuple[int, str, str | None]]]
) -> sla.Facts:
    """A record's facts, its holds from its stage `moves` (when it was on hold)."""
    get = _getter(row)
    resolved = _epoch(get("first_resolved_at"))
    holds: tuple[sla.Hold, ...] = ()
    record_id: int = get("id")
    if record_id in moves:
        stages, reasons = _paused_stages()
        holds = sla.holds_from_moves(moves[record_id], stages, reasons, resolved)
    return sla.Facts(
        get("priority"), get("team"), _epoch(get("opened_at")) or 0,
        _epoch(get("first_response_at")), resolved, _epoch(get("closed_at")), holds,
    )  # fmt: skip


def _was_held(row: StoredRecord | dict[str, Any]) -> bool:
    get = _getter(row)
    return bool(get("paused_s")) or get("held_since") is not None


def record_clocks(
    uow: UnitOfWork, policy: sla.SlaPolicy, records: Sequence[StoredRecord], now: datetime
) -> dict[int, sla.Clocks]:
    """The clocks of each record (by id) at `now`; records of kinds without an SLA have none."""
    served = {life.kind for life in customer_kinds()}
    mine = [r for r in records if r.kind in served and r.id is not None]
    moves = uow.sla.moves([r.id for r in mine if _was_held(r) and r.id is not None])
    at = int(now.timestamp())
    return {r.id: sla.clocks(policy, _facts(r, moves), at) for r in mine if r.id is not None}


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


def at_risk_window(policy: sla.SlaPolicy, now: datetime, within: int) -> Window:
    """The openings a record needs for a running clock to fall due in (now, now + within]."""
    start, end = int(now.timestamp()), int(now.timestamp()) + within
    response: dict[str, tuple[int, int]] = {}
    resolution: dict[str, tuple[int, int]] = {}
    for priority, target in policy.targets.items():
        calendars = policy.calendars_of(priority)
        for goals, goal in ((response, target.response), (resolution, target.resolution)):
            low = min(sla.earliest_opening(cal, start + 1, goal) for cal in calendars)
            goals[priority] = (low, min(start, end - goal))
    return Window(response, resolution)


def earliest_decided_opening(policy: sla.SlaPolicy, since: datetime) -> int:
    """No record opened before this (and never on hold) has a clock decided from `since`."""
    instant = int(since.timestamp())
    return min(
        sla.earliest_opening(cal, instant, goal)
        for priority, target in policy.targets.items()
        for cal in policy.calendars_of(priority)
        for goal in (target.response, target.resolution)
    )


@dataclass
class Tally:
    """One group's SLA counts in a period (PRODUCT.md section 7)."""

    response_decided: int = 0
    response_met: int = 0
    resolution_decided: int = 0
    resolution_met: int = 0
    breached_open: int = 0
    at_risk: int = 0
    paused_s: int = 0
    elapsed_s: int = 0
    suspect_pauses: int = 0

    def as_sums(self) -> dict[str, int]:
        return {f"sla_{f.name}": getattr(self, f.name) for f in fields(self)}


def tallies(
    uow: UnitOfWork,
    policy: sla.SlaPolicy,
    scope: Scope,
    *,
    open_counts: bool = False,
    at_risk_s: int = 3600,
) -> dict[tuple[Any, ...], Tally]:
    """Per group of `scope`: the clocks decided in its period (met or breached), the time on
    hold and suspect pauses of the resolutions decided, and (`open_counts`) the records not
    yet resolved at the period's end that have breached or are at risk then."""
    since, until = int(scope.since.timestamp()), int(scope.until.timestamp())
    at = min(until, int(scope.now.timestamp()))
    labels = [f"g_{name}" for name in scope.groups]
    result: dict[tuple[Any, ...], Tally] = defaultdict(Tally)
    opened_from = earliest_decided_opening(policy, scope.since)
    rows = uow.sla.report_rows(scope, opened_from, open_counts)
    for chunk in _chunks(rows):
        held = [row["id"] for row in chunk if _was_held(row)]
        moves = uow.sla.moves(held)
        facts = [(row, _facts(row, moves)) for row in chunk]
        waited = [row["id"] for row, f in facts if any(h.reason == SUSPECT_REASON for h in f.holds)]
        inbound = uow.sla.inbound(waited) if waited else {}
        for row, fact in facts:
            c = sla.clocks(policy, fact, at)
            if c.calendar is None:
                continue
            tally = result[tuple(row[label] for label in labels)]
            decided = c.response.decided_at
            if decided is not None and since <= decided < until:
                tally.response_decided += 1
                tally.response_met += c.response.status == sla.MET
            decided = c.resolution.decided_at
            if decided is not None and since <= decided < until:
                tally.resolution_decided += 1
                tally.resolution_met += c.resolution.status == sla.MET
                tally.paused_s += c.paused_s
                tally.elapsed_s += c.elapsed_s
                tally.suspect_pauses += _suspect(fact.holds, inbound.get(row["id"], ()), at)
            resolved = fact.first_resolved_at
            if open_counts and (resolved is None or resolved > at):
                tally.breached_open += is_breached(c)
                tally.at_risk += due_soon(c, at, at_risk_s) is not None
    return dict(result)


def _suspect(holds: Iterable[sla.Hold], inbound: Iterable[int], at: int) -> int:
    """Holds waiting on the customer during which the customer did contact the desk."""
    times = list(inbound)
    return sum(
        1
        for h in holds
        if h.reason == SUSPECT_REASON
        and any(h.start < t < (h.end if h.end is not None else at) for t in times)
    )


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
