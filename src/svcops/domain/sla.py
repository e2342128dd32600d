"""SLA clocks on business time (PRODUCT.md sections 3 and 7): which calendar and targets a
record runs on, and where its response and resolution clocks stand at an instant.

A target is an amount of its calendar's open time (svcops.domain.calendar). The response clock
runs from the opening to the first response; the resolution clock from the opening to the first
resolution, stopped while the record is on hold. A clock is met when its event comes at or
before the due time (the instant the clock reaches its target), breached at the due time
otherwise. The clocks follow the config in force: the record's current priority picks its
targets, its current team (or the priority) its calendar, and the holds are measured on that
calendar from the opening, so a priority raised mid-flight keeps the time spent on hold.

Records with no SLA: kinds not served to customers (problems), records with no priority,
and records closed without a resolution (cancelled): every clock is None. Instants are int
epoch seconds here, as the store keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from svcops.domain.calendar import ALWAYS_OPEN, TWENTY_FOUR_SEVEN, Calendar

MET, BREACHED, RUNNING, PAUSED = "met", "breached", "running", "paused"
STATUSES = (MET, BREACHED, RUNNING, PAUSED)


@dataclass(frozen=True)
class SlaTarget:
    """One priority's targets, in seconds of open time, and the calendar it may name."""

    response: int
    resolution: int
    calendar: str | None = None


# PRODUCT.md section 3: P1 15 min / 4 h, P2 1 h / 8 h, P3 4 h / 3 d, P4 1 d / 5 d
DEFAULT_TARGETS: dict[str, SlaTarget] = {
    "P1": SlaTarget(15 * 60, 4 * 3600),
    "P2": SlaTarget(3600, 8 * 3600),
    "P3": SlaTarget(4 * 3600, 3 * 86400),
    "P4": SlaTarget(86400, 5 * 86400),
}


@dataclass(frozen=True)
class SlaPolicy:
    """The SLA in force: targets per priority, the calendars, and which calendar applies (the
    priority's own, else the team's, else the default)."""

    targets: Mapping[str, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    calendars: Mapping[str, Calendar] = field(
        default_factory=lambda: {ALWAYS_OPEN: TWENTY_FOUR_SEVEN}
    )
    calendar: str = ALWAYS_OPEN
    teams: Mapping[str, str] = field(default_factory=dict)  # team (casefolded) -> calendar

    def calendar_for(self, priority: str | None, team: str | None) -> Calendar:
        target = self.targets.get(priority or "")
        name = (target and target.calendar) or (team and self.teams.get(team.casefold()))
        return self.calendars[name or self.calendar]

    def fingerprint(self) -> str:
        """Stable text of everything an outcome depends on, for caches: the targets, which
        calendar applies, and the calendars' definitions."""
        parts = [f"calendar={self.calendar}"]
        parts += [f"{p}={t.response},{t.resolution},{t.calendar or ''}"
                  for p, t in sorted(self.targets.items())]  # fmt: skip
        parts += [f"team {team}={name}" for team, name in sorted(self.teams.items())]
        parts += [f"[{name}] {c.fingerprint()}" for name, c in sorted(self.calendars.items())]
        return "\n".join(parts)

    def calendars_of(self, priority: str) -> list[Calendar]:
        """Every calendar a record of `priority` may run on, whatever its team."""
        target = self.targets[priority]
        if target.calendar:
            return [self.calendars[target.calendar]]
        names = {self.calendar, *self.teams.values()}
        return [self.calendars[name] for name in sorted(names)]


# Small value types (named tuples and a slotted class): reports make one per record.


class Hold(NamedTuple):
    """A stretch on hold: `end` None while it lasts."""

    start: int
    end: int | None = None
    reason: str | None = None


@dataclass(slots=True)
class Facts:
    """What a record's clocks depend on."""

    priority: str | None
    team: str | None
    opened_at: int
    first_response_at: int | None = None
    first_resolved_at: int | None = None
    closed_at: int | None = None  # set while the record is in a final stage
    holds: tuple[Hold, ...] = ()  # the holds before the first resolution, in order
    inbound: tuple[int, ...] = ()  # when the customer contacted the desk (for suspect pauses)


class Clock(NamedTuple):
    status: str | None = None  # met, breached, running, paused; None: no SLA
    due_at: int | None = None  # when the clock reaches its target (None while paused)
    decided_at: int | None = None  # when it was met or breached


class Clocks(NamedTuple):
    response: Clock = Clock()
    resolution: Clock = Clock()
    paused_s: int = 0  # open time on hold before the first resolution (or `at`)
    elapsed_s: int = 0  # open time from the opening to the first resolution (or `at`)
    calendar: str | None = None


NO_SLA = Clocks()


def clocks(policy: SlaPolicy, facts: Facts, at: int) -> Clocks:
    """The record's clocks as they stood at `at` (what happened later is not yet known)."""
    target = policy.targets.get(facts.priority or "")
    closed = facts.closed_at is not None and facts.closed_at <= at
    resolved = facts.first_resolved_at is not None and facts.first_resolved_at <= at
    if target is None or facts.opened_at > at or (closed and not resolved):
        return NO_SLA
    cal = policy.calendar_for(facts.priority, facts.team)
    opened = facts.opened_at
    due = cal.add(opened, target.response)
    responded = facts.first_response_at
    if responded is not None and responded <= at:
        met = responded <= due
        response = Clock(MET if met else BREACHED, due, responded if met else due)
    else:
        response = Clock(BREACHED, due, due) if at > due else Clock(RUNNING, due)
    end = facts.first_resolved_at if resolved else at
    assert end is not None
    return _resolution(cal, target.resolution, facts, end, resolved, response)


def _resolution(
    cal: Calendar, goal: int, facts: Facts, end: int, resolved: bool, response: Clock
) -> Clocks:
    """Walk the stretches the clock runs and those on hold, from the opening to `end`."""
    if not facts.holds:  # the common case, in two calls
        reached = cal.add(facts.opened_at, goal)
        spent = cal.open_between(facts.opened_at, end)
        if resolved:
            met = end <= reached
            resolution = Clock(MET if met else BREACHED, reached, end if met else reached)
        elif end > reached:
            resolution = Clock(BREACHED, reached, reached)
        else:
            resolution = Clock(RUNNING, reached)
        return Clocks(response, resolution, 0, spent, cal.name)
    counted = paused = 0
    cursor, held = facts.opened_at, False
    due: int | None = None
    for hold in facts.holds:
        if hold.start >= end:
            break
        run = cal.open_between(cursor, hold.start)
        if due is None and counted + run >= goal:
            due = cal.add(cursor, goal - counted)
        counted += run
        stop = end if hold.end is None or hold.end > end else hold.end
        paused += cal.open_between(hold.start, stop)
        cursor, held = stop, stop == end and not resolved
    if not held:
        run = cal.open_between(cursor, end)
        if due is None and counted + run >= goal:
            due = cal.add(cursor, goal - counted)
        counted += run
        if due is None:
            due = cal.add(end, goal - counted)
    if resolved:
        assert due is not None
        met = end <= due
        resolution = Clock(MET if met else BREACHED, due, end if met else due)
    elif due is None:  # on hold before the target was reached: the clock stands still
        resolution = Clock(PAUSED)
    elif end > due:
        resolution = Clock(BREACHED, due, due)
    else:
        resolution = Clock(PAUSED if held else RUNNING, due)
    return Clocks(response, resolution, paused, counted + paused, cal.name)


def settled(goal: int, opened: int, event: int | None, at: int) -> bool:
    """Whether a clock was met by an event that came, by `at`, within its goal's calendar
    time of the opening: so whatever the calendar and the holds, since open time never
    exceeds calendar time and the due time is never before `opened + goal`. Reports count
    such clocks without calendar arithmetic (store/sla.py ReportQuery says it in SQL);
    `clocks` gives them the same outcome: met, at the event."""
    return event is not None and event <= at and event - opened <= goal


def earliest_opening(cal: Calendar, instant: int, goal: int) -> int:
    """A lower bound on the opening of any record whose `goal` (without holds) is due at or
    after `instant` on `cal`: records opened before it were due before `instant`."""
    if cal.always_open:
        return instant - goal
    width = max(goal, 86400)
    while cal.add(instant - width, goal) >= instant:
        width *= 2
        if width > 400 * 366 * 86400:
            return instant - width
    low, high = instant - width, instant  # add(low) < instant <= add(high)
    while high - low > 1:
        middle = (low + high) // 2
        if cal.add(middle, goal) >= instant:
            high = middle
        else:
            low = middle
    return high


def holds_from_moves(
    moves: Iterable[tuple[int, str, str | None]],
    paused_stages: Sequence[str],
    reasons: Sequence[str],
    before: int | None,
) -> tuple[Hold, ...]:
    """The holds in a record's stage moves `(at, stage entered, note)`, in order, that began
    before its first resolution (`before`; None: not resolved). A hold's reason is the first
    part of its move's note, when that names a hold reason."""
    holds: list[Hold] = []
    current: Hold | None = None
    for at, stage, note in moves:
        if current is not None:
            holds.append(Hold(current.start, at, current.reason))
            current = None
        if stage in paused_stages and (before is None or at < before):
            head = (note or "").split(" — ")[0].strip()
            current = Hold(at, None, head if head in reasons else None)
    if current is not None:
        holds.append(current)
    return tuple(holds)
