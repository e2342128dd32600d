"""The SLA clocks tallied per group and period for the reports (`report sla`, and the SLA
figures of `report metrics`), in one pass over the records a report can count.

The store counts in SQL what needs no calendar arithmetic: the outcomes kept of earlier reports
(under the config in force, for records whose facts have not changed since) and the clocks met
within their target's calendar time; the domain works out the others, and their outcomes are
kept for the next report (remember_outcomes).
"""

from __future__ import annotations

import hashlib
import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

from svcops.domain import sla
from svcops.services.sla import (
    SUSPECT_REASON,
    due_soon,
    earliest_decided_openings,
    holds_of,
    is_breached,
)
from svcops.store.report_scope import Scope
from svcops.store.sla import FACT_COLUMNS, Outcome, keep_outcomes
from svcops.store.sla_report import SUMS, ReportQuery
from svcops.store.work import UnitOfWork

_log = logging.getLogger(__name__)
KEEP_AT_ONCE = 5000  # outcomes kept per write transaction


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

    @classmethod
    def from_sums(cls, sums: Mapping[str, float]) -> Tally:
        """The tally whose `as_sums` these are (missing ones: 0)."""
        return cls(**{f.name: int(sums.get(f"sla_{f.name}", 0)) for f in fields(cls)})


class Cancelled(NamedTuple):
    """A clock decided in a period (its index) of a record cancelled `at` a later time."""

    period: int
    key: tuple[Any, ...]
    at: int
    clock: str  # "response" or "resolution"
    met: bool


def tallies(
    uow: UnitOfWork,
    policy: sla.SlaPolicy,
    scopes: Sequence[Scope],
    *,
    open_counts: bool = False,
    at_risk_s: int = 3600,
    keep: list[Outcome] | None = None,
    segments: Sequence[tuple[int, int]] = (),
    cancels: list[Cancelled] | None = None,
    holds: bool | None = None,
    only_open: bool = False,
) -> list[dict[tuple[Any, ...], Tally]]:
    """Per consecutive period (`scopes`, the same kinds and groups) and group: the clocks
    decided in it (met or breached, counted in the period of that instant), the time on hold
    and suspect pauses of the records first resolved in it, and (`open_counts`) the records
    not yet resolved at its end that had breached or were at risk then. One pass over the
    records: each record's clocks are worked out once. `keep` collects the outcomes worked
    out here that can be kept (remember_outcomes). `segments`: the zone's offsets, when the
    periods are consecutive local days (or parts of them: store/report_days.py local_day).
    `cancels`: where the clocks decided of the records cancelled later go instead of the
    tallies (a report counts them in a period that ended before the cancellation: the caller
    judges that of the periods it adds these up into). `holds` (default: `open_counts`): the
    suspect pauses of every record on hold first resolved in the periods. `only_open`: only
    the records open at the end of the one period, for `open_counts` alone."""
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
    fingerprint = policy_fingerprint(policy)
    query = ReportQuery(whole, starts, ends, response_from, resolution_from, goals, fingerprint,
                        open_counts, open_counts if holds is None else holds, tuple(segments),
                        only_open)  # fmt: skip
    for chunk in uow.sla.report(query):
        own = []
        for row in chunk:  # the outcomes kept, and the clocks met in calendar time
            if only_open:  # no sums: the records open at the end, below
                if row[width + 3 + SUMS] is not None:
                    own.append((*row[:width], *row[width + 3 + SUMS :]))
                continue
            key = tuple(row[:width])
            response_at, decided_at, resolved_at = row[width : width + 3]
            responses, responded_met, resolutions, resolved_met, paused, elapsed, suspect = row[
                width + 3 : width + 3 + SUMS
            ]
            if response_at is not None:
                tally = results[response_at][key]
                tally.response_decided += responses
                tally.response_met += responded_met
            if decided_at is not None:
                tally = results[decided_at][key]
                tally.resolution_decided += resolutions
                tally.resolution_met += resolved_met
            if resolved_at is not None:
                tally = results[resolved_at][key]
                tally.paused_s += int(paused or 0)
                tally.elapsed_s += int(elapsed or 0)
                tally.suspect_pauses += int(suspect or 0)
            if row[width + 3 + SUMS] is not None:  # a record of its own, for the domain
                own.append((*row[:width], *row[width + 3 + SUMS :]))
        for key, record_id, paused_s, fact, kept in _chunk_facts(uow, own, width):
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
            responded = fact.first_response_at
            suspect = _suspect(fact.holds, fact.inbound, at) if fact.inbound else 0
            if not kept and not only_open:  # counted here, not from an outcome kept
                settled = resolved is not None and sla.settled(goal[0], opened, responded, now)
                for clock, done in (
                    ("response", settled),
                    ("resolution", sla.settled(goal[1], opened, resolved, now)),
                ):
                    clocked = getattr(c, clock)
                    met = clocked.status == sla.MET
                    if cancels is not None and cancelled is not None:  # the caller judges
                        index = period(clocked.decided_at)
                        if index is not None:
                            cancels.append(Cancelled(index, key, cancelled, clock, met))
                        continue
                    index = period(clocked.decided_at, cancelled)
                    if index is not None and not done:
                        tally = results[index][key]
                        setattr(tally, f"{clock}_decided", getattr(tally, f"{clock}_decided") + 1)
                        setattr(tally, f"{clock}_met", getattr(tally, f"{clock}_met") + met)
                index = period(resolved)
                if index is not None and suspect:
                    results[index][key].suspect_pauses += suspect
                if keep is not None and cancelled is None:
                    outcome = _outcome(record_id, fingerprint, fact, paused_s, c, suspect, at)
                    if outcome is not None:
                        keep.append(outcome)
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


def remember_outcomes(url: str, outcomes: Sequence[Outcome]) -> None:
    """Keep outcomes a report worked out, so that the next report counts them in SQL: in
    short transactions of their own (store/sla.py keep_outcomes), after the report's. Only a
    cache: when the database does not take them now (busy, read-only), they are worked out
    again next time."""
    outcomes = list({o.record_id: o for o in outcomes}.values())  # one per record
    for start in range(0, len(outcomes), KEEP_AT_ONCE):
        if not keep_outcomes(url, outcomes[start : start + KEEP_AT_ONCE]):
            _log.debug("SLA outcomes not kept: the database did not take them")
            return


# A change to the rules by which outcomes are worked out (here or in domain/sla.py) must
# change this, so that the outcomes kept by an earlier svcops are worked out again.
OUTCOME_RULES = 1


def policy_fingerprint(policy: sla.SlaPolicy) -> int:
    """The SLA config in force (and OUTCOME_RULES) as a signed 64-bit number."""
    text = f"rules {OUTCOME_RULES} suspect {SUSPECT_REASON}\n{policy.fingerprint()}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _outcome(
    record_id: int,
    fingerprint: int,
    fact: sla.Facts,
    paused_s: int,
    c: sla.Clocks,
    suspect: int,
    at: int,
) -> Outcome | None:
    """The outcome to keep of a record first resolved by `at` whose clocks are both decided
    (they cannot change while its facts stay as they are); None for the others."""
    response, resolution = c.response, c.resolution
    decided = (sla.MET, sla.BREACHED)
    resolved = fact.first_resolved_at
    if resolved is None or resolved > at or response.status not in decided:
        return None
    if resolution.status not in decided:
        return None
    assert response.decided_at is not None  # decided: met or breached at an instant
    assert resolution.decided_at is not None
    waited = any(h.reason == SUSPECT_REASON for h in fact.holds)
    return Outcome(
        record_id, fingerprint, fact.priority, fact.team, fact.opened_at,
        fact.first_response_at, resolved, fact.closed_at, paused_s,
        response.status == sla.MET, response.decided_at, resolution.status == sla.MET,
        resolution.decided_at, suspect, len(fact.inbound) if waited else None,
    )  # fmt: skip


class _Row(NamedTuple):
    key: tuple[Any, ...]  # the group's values
    record_id: int
    paused_s: int
    fact: sla.Facts
    kept: bool  # a valid outcome is kept for the record (counted in SQL)


def _chunk_facts(uow: UnitOfWork, chunk: Sequence[Sequence[Any]], width: int) -> list[_Row]:
    """Each report row (its groups, then store.sla.FACT_COLUMNS, then whether an outcome is
    kept) with its facts: the holds of the records that were on hold, and the inbound
    contacts of those that waited on the customer, read in one statement for the chunk."""
    held = [row[width] for row in chunk if row[width + 7] or row[width + 8] is not None]
    moves = uow.sla.moves(held) if held else {}
    found = []
    facts = sla.Facts
    for row in chunk:
        record_id, priority, team, opened, responded, resolved, closed, paused = row[
            width : width + 8
        ]
        holds = holds_of(record_id, resolved, moves) if record_id in moves else ()
        fact = facts(priority, team, opened, responded, resolved, closed, holds)
        key = tuple(row[:width]) if width else ()
        found.append(_Row(key, record_id, paused, fact, bool(row[width + len(FACT_COLUMNS)])))
    waited = [r.record_id for r in found if any(h.reason == SUSPECT_REASON for h in r.fact.holds)]
    if waited:
        inbound = uow.sla.inbound(waited)
        for r in found:
            r.fact.inbound = tuple(inbound.get(r.record_id, ()))
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
