"""The SLA clocks of records (svcops.domain.sla) as the services need them: on a record shown
or listed, for `list --at-risk` and `--breached`, and tallied per group for the reports.

The store hands over each record's times and, for records that were on hold, their stage
moves; the domain works the clocks out on the record's calendar, with the config in force.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from svcops.domain import sla
from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import LIFECYCLES, customer_kinds
from svcops.domain.lifecycle import State
from svcops.domain.timeparse import parse_duration
from svcops.store.report_scope import Scope
from svcops.store.sla import ReportQuery, Window
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


def _holds(
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
        _epoch(r.closed_at), _holds(r.id or 0, resolved, moves),
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
    scopes: Sequence[Scope],
    *,
    open_counts: bool = False,
    at_risk_s: int = 3600,
) -> list[dict[tuple[Any, ...], Tally]]:
    """Per consecutive period (`scopes`, the same kinds and groups) and group: the clocks
    decided in it (met or breached, counted in the period of that instant), the time on hold
    and suspect pauses of the records first resolved in it, and (`open_counts`) the records
    not yet resolved at its end that had breached or were at risk then. One pass over the
    records: each record's clocks are worked out once."""
    starts = [int(s.since.timestamp()) for s in scopes]
    ends = [int(s.until.timestamp()) for s in scopes]
    now = int(scopes[0].now.timestamp())
    at = min(ends[-1], now)
    width = len(scopes[0].groups)
    results: list[dict[tuple[Any, ...], Tally]] = [defaultdict(Tally) for _ in scopes]

    def period(instant: int | None, known_before: int | None = None) -> int | None:
        """The period `instant` falls in, if it had passed by the report's end (and, for a
        record later cancelled, if that period ended before it was)."""
        if instant is None or not starts[0] <= instant < ends[-1] or instant > at:
            return None
        index = bisect_right(starts, instant) - 1
        if known_before is not None and min(ends[index], now) >= known_before:
            return None
        return index if instant < ends[index] else None

    whole = replace(scopes[0], until=scopes[-1].until)
    response_from, resolution_from = earliest_decided_openings(policy, whole.since)
    goals = {p: (t.response, t.resolution) for p, t in policy.targets.items()}
    query = ReportQuery(whole, starts, response_from, resolution_from, goals, open_counts,
                        holds_resolved=open_counts)  # fmt: skip
    for row in uow.sla.settled_sums(query):  # the clocks met within calendar time
        key = tuple(row[:width])
        response_at, resolution_at, responses, resolutions, paused, elapsed = row[width:]
        if response_at is not None:
            tally = results[response_at][key]
            tally.response_decided += responses
            tally.response_met += responses
        if resolution_at is not None:
            tally = results[resolution_at][key]
            tally.resolution_decided += resolutions
            tally.resolution_met += resolutions
            tally.paused_s += int(paused or 0)
            tally.elapsed_s += int(elapsed or 0)
    for chunk in uow.sla.report_rows(query):  # the others, on their calendars
        for key, fact in _chunk_facts(uow, chunk, width):
            c = sla.clocks(policy, fact, at)
            cancelled = None
            if c.calendar is None:  # no SLA; but one that was cancelled had one until then
                cancelled = fact.closed_at
                if cancelled is None or fact.first_resolved_at is not None:
                    continue
                c = sla.clocks(policy, fact, cancelled - 1)
                if c.calendar is None:
                    continue
            goal = goals[fact.priority or ""]
            opened, resolved = fact.opened_at, fact.first_resolved_at
            index = period(c.response.decided_at, cancelled)
            responded = fact.first_response_at
            settled = resolved is not None and sla.settled(goal[0], opened, responded, now)
            if index is not None and not settled:
                tally = results[index][key]
                tally.response_decided += 1
                tally.response_met += c.response.status == sla.MET
            index = period(c.resolution.decided_at, cancelled)
            if index is not None and not sla.settled(goal[1], opened, resolved, now):
                tally = results[index][key]
                tally.resolution_decided += 1
                tally.resolution_met += c.resolution.status == sla.MET
            index = period(resolved)
            if index is not None and fact.inbound:
                tally = results[index][key]
                tally.suspect_pauses += _suspect(fact.holds, fact.inbound, at)
            if open_counts:
                for index, end in enumerate(ends):
                    moment = min(end, now)
                    if (
                        opened < moment
                        and (resolved is None or resolved > moment)
                        and (cancelled is None or cancelled > moment)
                    ):
                        then = c if moment == at else sla.clocks(policy, fact, moment)
                        tally = results[index][key]
                        tally.breached_open += is_breached(then)
                        tally.at_risk += due_soon(then, moment, at_risk_s) is not None
    return [dict(result) for result in results]


def _chunk_facts(
    uow: UnitOfWork, chunk: Sequence[Sequence[Any]], width: int
) -> list[tuple[tuple[Any, ...], sla.Facts]]:
    """(group values, facts) of each report row (its groups, then store.sla.FACT_COLUMNS);
    the holds of the records that were on hold, and the inbound contacts of those that waited
    on the customer, read in one statement for the chunk."""
    held = [row[width] for row in chunk if row[width + 7] or row[width + 8] is not None]
    moves = uow.sla.moves(held) if held else {}
    found = []
    facts = sla.Facts
    for row in chunk:
        record_id, priority, team, opened, responded, resolved, closed = row[width : width + 7]
        holds = _holds(record_id, resolved, moves) if record_id in moves else ()
        key = tuple(row[:width]) if width else ()
        found.append((key, facts(priority, team, opened, responded, resolved, closed, holds)))
    waited = [
        row[width]
        for row, (_key, fact) in zip(chunk, found, strict=True)
        if any(h.reason == SUSPECT_REASON for h in fact.holds)
    ]
    if waited:
        inbound = uow.sla.inbound(waited)
        for row, (_key, fact) in zip(chunk, found, strict=True):
            fact.inbound = tuple(inbound.get(row[width], ()))
    return found


def _suspect(holds: Iterable[sla.Hold], inbound: Iterable[int], at: int) -> int:
    """Holds waiting on the customer during which the customer did contact the desk."""
    times = list(inbound)
    return sum(
        1
        for h in holds
        if h.reason == SUSPECT_REASON
        and any(h.start < t < (h.end if h.end is not None else at) for t in times)
    )
