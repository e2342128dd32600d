"""SLA clocks on business time (PRODUCT.md sections 3 and 7): svcops.domain.sla, pure domain.

Instants are int epoch seconds. The hand-worked cases use the week of Monday 2026-11-23 in
Berlin (CET, UTC+1; summer time ended 2026-10-25) on a mon-fri 09:00-17:00 calendar, and the
built-in 24x7 calendar.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcops.domain.calendar import TWENTY_FOUR_SEVEN, Calendar, parse_calendar
from svcops.domain.sla import (
    BREACHED,
    DEFAULT_TARGETS,
    MET,
    NO_SLA,
    PAUSED,
    RUNNING,
    Clock,
    Clocks,
    Facts,
    Hold,
    SlaPolicy,
    SlaTarget,
    clocks,
    earliest_opening,
    holds_from_moves,
    settled,
)
from svcops.domain.vocabulary import HOLD_REASONS

BERLIN_TZ = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BERLIN = parse_calendar(
    "berlin", {"time_zone": "Europe/Berlin", "hours": dict.fromkeys(WEEKDAYS, "09:00-17:00")}
)
TOKYO = parse_calendar(
    "tokyo", {"time_zone": "Asia/Tokyo", "hours": dict.fromkeys(WEEKDAYS, "09:00-18:00")}
)
# split days, a weekend shift and holidays, for the properties
SPLIT = parse_calendar(
    "split",
    {
        "time_zone": "America/New_York",
        "hours": {**dict.fromkeys(WEEKDAYS, "08:00-12:00,13:00-17:30"), "sat": "10:00-14:00"},
        "holidays": ["2026-07-03", "2026-11-26", "2026-12-25", "2027-01-01"],
    },
)
CALENDARS = {"24x7": TWENTY_FOUR_SEVEN, "berlin": BERLIN, "tokyo": TOKYO, "split": SPLIT}

H, M = 3600, 60
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)


def berlin(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> int:
    """An instant given as Berlin wall-clock time in 2026 (November unless told)."""
    return int(datetime(2026, month, day, hour, minute, second, tzinfo=BERLIN_TZ).timestamp())


def policy(
    calendar: str = "berlin",
    targets: dict[str, SlaTarget] | None = None,
    teams: dict[str, str] | None = None,
) -> SlaPolicy:
    """Every calendar above, `calendar` the default; the default targets unless given."""
    return SlaPolicy(targets or dict(DEFAULT_TARGETS), CALENDARS, calendar, teams or {})


MON_0900 = berlin(23, 9)
MON_1630 = berlin(23, 16, 30)
TUE_0930 = berlin(24, 9, 30)  # MON_1630 + 1 h of open time: 30 min on Monday, 30 on Tuesday


# --- the response clock, hand-worked (P2: 1 h response, 8 h resolution) -------------------


def test_response_met_exactly_at_the_due_instant() -> None:
    facts = Facts("P2", None, MON_1630, first_response_at=TUE_0930)
    response = clocks(policy(), facts, berlin(25, 12)).response
    assert response == Clock(MET, TUE_0930, TUE_0930)


def test_response_one_second_late_is_breached_at_the_due_instant() -> None:
    facts = Facts("P2", None, MON_1630, first_response_at=TUE_0930 + 1)
    response = clocks(policy(), facts, berlin(25, 12)).response
    assert response == Clock(BREACHED, TUE_0930, TUE_0930)


def test_response_running_before_due() -> None:
    facts = Facts("P2", None, MON_1630)
    assert clocks(policy(), facts, berlin(23, 16, 45)).response == Clock(RUNNING, TUE_0930)
    # overnight, closed time: still running, the same due
    assert clocks(policy(), facts, berlin(24, 3)).response == Clock(RUNNING, TUE_0930)
    # at the due instant itself the target is reached, not passed
    assert clocks(policy(), facts, TUE_0930).response == Clock(RUNNING, TUE_0930)


def test_response_breached_when_at_passes_due_without_a_response() -> None:
    facts = Facts("P2", None, MON_1630)
    assert clocks(policy(), facts, TUE_0930 + 1).response == Clock(BREACHED, TUE_0930, TUE_0930)
    assert clocks(policy(), facts, berlin(30, 12)).response == Clock(BREACHED, TUE_0930, TUE_0930)


def test_a_response_after_at_is_not_yet_known() -> None:
    facts = Facts("P2", None, MON_1630, first_response_at=berlin(23, 16, 50))
    assert clocks(policy(), facts, berlin(23, 16, 40)).response == Clock(RUNNING, TUE_0930)
    assert clocks(policy(), facts, berlin(23, 16, 50)).response == Clock(
        MET, TUE_0930, berlin(23, 16, 50)
    )
    # known later to be late, but as of a time before the due it is still running
    late = Facts("P2", None, MON_1630, first_response_at=berlin(24, 11))
    assert clocks(policy(), late, berlin(24, 9)).response == Clock(RUNNING, TUE_0930)
    assert clocks(policy(), late, berlin(24, 10)).response == Clock(BREACHED, TUE_0930, TUE_0930)


def test_response_due_across_the_end_of_summer_time() -> None:
    # Fri 2026-10-23 16:00 CEST (14:00 UTC) + 2 h open: 1 h on Friday, then Monday 2026-10-26
    # 09:00-10:00 CET (09:00 UTC): 67 h of wall time, not the 66 h of Berlin wall clocks
    opened = berlin(23, 16, month=10)
    facts = Facts("P1", None, opened)
    target = {"P1": SlaTarget(2 * H, 4 * H)}
    due = clocks(policy(targets=target), facts, opened).response.due_at
    assert due == berlin(26, 10, month=10)
    assert due - opened == 67 * H


# --- the resolution clock and holds, hand-worked ---------------------------------------------

MON_HOLD = Hold(berlin(23, 11), berlin(23, 15))  # 4 h of open time on hold


def test_resolution_paused_while_held_and_its_due_unknown() -> None:
    facts = Facts("P2", None, MON_0900, first_response_at=berlin(23, 9, 30), holds=(MON_HOLD,))
    got = clocks(policy(), facts, berlin(23, 14))
    assert got.resolution == Clock(PAUSED, None, None)
    assert got.paused_s == 3 * H  # 11:00-14:00
    assert got.elapsed_s == 5 * H  # 09:00-14:00: 2 h running and 3 h held
    assert got.calendar == "berlin"


def test_resolution_due_moves_by_the_held_open_time_after_resume() -> None:
    # without the hold 8 h from Mon 09:00 is Mon 17:00; 2 h ran before the hold, the 6 h left
    # from 15:00 are Mon 15:00-17:00 and Tue 09:00-13:00
    tue_1300 = berlin(24, 13)
    facts = Facts("P2", None, MON_0900, holds=(MON_HOLD,))
    got = clocks(policy(), facts, berlin(23, 16))
    assert got.resolution == Clock(RUNNING, tue_1300)
    assert (got.paused_s, got.elapsed_s) == (4 * H, 7 * H)
    assert clocks(policy(), Facts("P2", None, MON_0900), berlin(23, 16)).resolution == Clock(
        RUNNING, berlin(23, 17)
    )
    resolved = Facts("P2", None, MON_0900, first_resolved_at=berlin(24, 12), holds=(MON_HOLD,))
    got = clocks(policy(), resolved, berlin(25, 12))
    assert got.resolution == Clock(MET, tue_1300, berlin(24, 12))
    assert got.paused_s == 4 * H
    assert got.elapsed_s == 11 * H  # 8 h on Monday, 09:00-12:00 on Tuesday
    late = Facts("P2", None, MON_0900, first_resolved_at=tue_1300 + 1, holds=(MON_HOLD,))
    assert clocks(policy(), late, berlin(25, 12)).resolution == Clock(BREACHED, tue_1300, tue_1300)
    unresolved = clocks(policy(), Facts("P2", None, MON_0900, holds=(MON_HOLD,)), tue_1300 + 1)
    assert unresolved == Clocks(
        Clock(BREACHED, berlin(23, 10), berlin(23, 10)),
        Clock(BREACHED, tue_1300, tue_1300),
        paused_s=4 * H,
        elapsed_s=12 * H + 1,  # 8 h on Monday, Tue 09:00-13:00:01
        calendar="berlin",
    )


def test_a_hold_over_closed_time_counts_only_its_open_time() -> None:
    # held Mon 16:00 to Tue 10:00: 1 h on Monday and 1 h on Tuesday; 7 h ran before it, the
    # last hour runs Tue 10:00-11:00
    facts = Facts("P2", None, MON_0900, holds=(Hold(berlin(23, 16), berlin(24, 10)),))
    got = clocks(policy(), facts, berlin(24, 10, 30))
    assert got.resolution == Clock(RUNNING, berlin(24, 11))
    assert (got.paused_s, got.elapsed_s) == (2 * H, 9 * H + 30 * M)  # Mon 8 h, Tue 1.5 h


def test_resolution_paused_and_resumed_on_24x7() -> None:
    opened = berlin(23, 9)
    facts = Facts("P1", "network", opened, holds=(Hold(opened + H, opened + 3 * H),))
    held = clocks(policy("24x7"), facts, opened + 2 * H)
    assert held.resolution == Clock(PAUSED)
    assert (held.paused_s, held.elapsed_s, held.calendar) == (H, 2 * H, "24x7")
    after = clocks(policy("24x7"), facts, opened + 5 * H)
    assert after.resolution == Clock(RUNNING, opened + 6 * H)  # 4 h target + 2 h held
    assert (after.paused_s, after.elapsed_s) == (2 * H, 5 * H)


def test_a_hold_that_starts_after_the_target_passed_is_breached_not_paused() -> None:
    # due Mon 17:00; the hold starts Tue 10:00 and still runs at Tue 12:00
    facts = Facts("P2", None, MON_0900, holds=(Hold(berlin(24, 10)),))
    got = clocks(policy(), facts, berlin(24, 12))
    assert got.resolution == Clock(BREACHED, berlin(23, 17), berlin(23, 17))
    assert (got.paused_s, got.elapsed_s) == (2 * H, 11 * H)
    # a hold that starts at the very instant the target is reached is too late as well
    exact = Facts("P2", None, MON_0900, holds=(Hold(berlin(23, 17)),))
    assert clocks(policy(), exact, berlin(24, 12)).resolution == Clock(
        BREACHED, berlin(23, 17), berlin(23, 17)
    )


def test_holds_after_the_first_resolution_are_ignored() -> None:
    later = (Hold(berlin(23, 16), berlin(24, 10)), Hold(berlin(24, 11)))
    facts = Facts("P2", None, MON_0900, first_resolved_at=berlin(23, 15), holds=later)
    got = clocks(policy(), facts, berlin(25, 12))
    assert got.resolution == Clock(MET, berlin(23, 17), berlin(23, 15))
    assert (got.paused_s, got.elapsed_s) == (0, 6 * H)
    assert got == clocks(
        policy(), Facts("P2", None, MON_0900, first_resolved_at=berlin(23, 15)), berlin(25, 12)
    )


def test_a_hold_that_lasts_past_the_resolution_counts_up_to_it() -> None:
    # 5 h ran 09:00-14:00, held 14:00 to the resolution at 15:00; the 3 h left from 15:00
    # would have been due Tue 10:00
    facts = Facts(
        "P2", None, MON_0900, first_resolved_at=berlin(23, 15), holds=(Hold(berlin(23, 14)),)
    )
    got = clocks(policy(), facts, berlin(25, 12))
    assert got.resolution == Clock(MET, berlin(24, 10), berlin(23, 15))
    assert (got.paused_s, got.elapsed_s) == (H, 6 * H)


def test_closed_without_a_resolution_has_no_sla() -> None:
    facts = Facts(
        "P2", None, MON_0900, first_response_at=berlin(23, 9, 10), closed_at=berlin(23, 12)
    )
    assert clocks(policy(), facts, berlin(23, 12)) == NO_SLA
    assert clocks(policy(), facts, berlin(30, 12)) == NO_SLA
    assert NO_SLA.response == NO_SLA.resolution == Clock(None, None, None)
    # before it was closed it ran as any other record
    before = clocks(policy(), facts, berlin(23, 11))
    assert before.response == Clock(MET, berlin(23, 10), berlin(23, 9, 10))
    assert before.resolution == Clock(RUNNING, berlin(23, 17))
    # closed after a resolution: the clocks stay
    done = Facts("P2", None, MON_0900, first_resolved_at=berlin(23, 11), closed_at=berlin(23, 12))
    assert clocks(policy(), done, berlin(24, 12)).resolution == Clock(
        MET, berlin(23, 17), berlin(23, 11)
    )


@pytest.mark.parametrize("priority", [None, "", "P9", "p1", "high"])
def test_no_priority_or_an_unknown_one_has_no_sla(priority: str | None) -> None:
    facts = Facts(priority, "network", MON_0900, first_response_at=berlin(23, 9, 10))
    assert clocks(policy(), facts, berlin(24, 12)) == NO_SLA


def test_before_the_opening_there_is_no_clock() -> None:
    assert clocks(policy(), Facts("P2", None, MON_0900), MON_0900 - 1) == NO_SLA
    assert clocks(policy(), Facts("P2", None, MON_0900), MON_0900).response == Clock(
        RUNNING, berlin(23, 10)
    )


# --- which calendar ------------------------------------------------------------------------


def choosing_policy() -> SlaPolicy:
    targets = {
        "P1": SlaTarget(15 * M, 4 * H, "24x7"),
        "P2": SlaTarget(H, 8 * H),
        "P3": SlaTarget(4 * H, 24 * H),
    }
    teams = {"apac": "tokyo", "strasse": "tokyo", "emea": "berlin"}  # casefolded, as read
    return policy("berlin", targets=targets, teams=teams)


@pytest.mark.parametrize(
    ("priority", "team", "expected"),
    [
        ("P1", "apac", "24x7"),  # the priority's calendar beats the team's
        ("P1", None, "24x7"),  # and the default
        ("P2", "apac", "tokyo"),  # the team's beats the default
        ("P2", "APAC", "tokyo"),  # team names match case-insensitively
        ("P2", "Apac", "tokyo"),
        ("P2", "Straße", "tokyo"),  # casefolded, not merely lowered: ß is ss
        ("P2", "STRASSE", "tokyo"),
        ("P3", "emea", "berlin"),
        ("P2", "network", "berlin"),  # a team with no calendar of its own: the default
        ("P2", None, "berlin"),
        ("P2", "", "berlin"),
        (None, "apac", "tokyo"),
    ],
)
def test_calendar_chosen(priority: str | None, team: str | None, expected: str) -> None:
    assert choosing_policy().calendar_for(priority, team).name == expected


def test_clocks_run_on_the_calendar_chosen() -> None:
    # Mon 16:30 Berlin is Tue 00:30 in Tokyo: Tokyo opens at 09:00 JST (Tue 01:00 Berlin), so
    # the 1 h response of P2 is due Tue 10:00 JST = Tue 02:00 Berlin
    apac = clocks(choosing_policy(), Facts("P2", "APAC", MON_1630), MON_1630)
    assert (apac.calendar, apac.response.due_at) == ("tokyo", berlin(24, 2))
    network = clocks(choosing_policy(), Facts("P2", "network", MON_1630), MON_1630)
    assert (network.calendar, network.response.due_at) == ("berlin", TUE_0930)
    urgent = clocks(choosing_policy(), Facts("P1", "apac", MON_1630), MON_1630)
    assert (urgent.calendar, urgent.response.due_at) == ("24x7", MON_1630 + 15 * M)
    assert urgent.resolution.due_at == MON_1630 + 4 * H


def test_calendars_of_a_priority() -> None:
    chosen = choosing_policy()
    assert chosen.calendars_of("P1") == [TWENTY_FOUR_SEVEN]
    assert {cal.name for cal in chosen.calendars_of("P2")} == {"berlin", "tokyo"}


def test_the_default_policy_is_24x7_with_the_default_targets() -> None:
    default = SlaPolicy()
    assert default.calendar_for("P3", "anyone") is TWENTY_FOUR_SEVEN
    assert {p: (t.response, t.resolution) for p, t in default.targets.items()} == {
        "P1": (15 * M, 4 * H),
        "P2": (H, 8 * H),
        "P3": (4 * H, 3 * 86400),
        "P4": (86400, 5 * 86400),
    }
    got = clocks(default, Facts("P4", None, MON_0900), MON_0900)
    assert (got.response.due_at, got.resolution.due_at) == (MON_0900 + 86400, MON_0900 + 5 * 86400)


# --- properties ---------------------------------------------------------------------------

START = berlin(1, 0, month=1)  # 2026-01-01
calendars_st = st.sampled_from(list(CALENDARS.values()))
instants = st.integers(START, START + 2 * 365 * 86400)
goals = st.integers(1, 6 * 86400)


@st.composite
def hold_lists(draw: st.DrawFn, opened: int) -> tuple[Hold, ...]:
    """Holds in order, not overlapping (one may touch the next); the last may still run."""
    holds: list[Hold] = []
    cursor = opened
    for _ in range(draw(st.integers(0, 5))):
        start = cursor + draw(st.integers(0, 3 * 86400))
        end = start + draw(st.integers(0, 3 * 86400))
        holds.append(Hold(start, end))
        cursor = end
    if holds and draw(st.booleans()):
        holds[-1] = Hold(holds[-1].start, None)
    return tuple(holds)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Calendar, SlaTarget, Facts, int]:
    cal = draw(calendars_st)
    target = SlaTarget(draw(goals), draw(goals))
    opened = draw(instants)
    holds = draw(hold_lists(opened))
    responded = draw(st.none() | st.integers(opened, opened + 8 * 86400))
    resolved = draw(st.none() | st.integers(opened, opened + 12 * 86400))
    at = draw(st.integers(opened, opened + 14 * 86400))
    return cal, target, Facts("P2", "t", opened, responded, resolved, None, holds), at


def one_target(cal: Calendar, target: SlaTarget) -> SlaPolicy:
    return SlaPolicy({"P2": target}, {cal.name: cal}, cal.name)


def reference_resolution_due(cal: Calendar, goal: int, facts: Facts, at: int) -> int | None:
    """Step through the stretches the clock runs (from the opening, between the holds as far
    as they are known at `at`, after the last), accumulating open time until it reaches
    `goal`; None when a hold still running at the end stops it before that."""
    resolved = facts.first_resolved_at is not None and facts.first_resolved_at <= at
    end = facts.first_resolved_at if resolved else at
    assert end is not None
    remaining, run_from = goal, facts.opened_at
    for hold in facts.holds:
        if hold.start >= end:  # not begun by the end: the clock runs on
            break
        stretch = cal.open_between(run_from, hold.start)
        if stretch >= remaining:
            return cal.add(run_from, remaining)
        remaining -= stretch
        if hold.end is None or hold.end >= end:  # held at the end
            if resolved:  # resolved on hold: the rest would run from the resolution
                return cal.add(end, remaining)
            return None
        run_from = hold.end
    return cal.add(run_from, remaining)


def running_open(cal: Calendar, facts: Facts, until: int) -> int:
    """Open time on the clock (not on hold) from the opening to `until`, holds never ending."""
    total, run_from = 0, facts.opened_at
    for hold in facts.holds:
        if hold.start >= until:
            break
        total += cal.open_between(run_from, hold.start)
        run_from = until if hold.end is None else min(hold.end, until)
    return total + cal.open_between(run_from, until)


@PROPERTY_SETTINGS
@given(cal=calendars_st, target=st.builds(SlaTarget, goals, goals), opened=instants)
def test_a_due_is_the_opening_plus_the_target_in_open_time(
    cal: Calendar, target: SlaTarget, opened: int
) -> None:
    always = clocks(one_target(TWENTY_FOUR_SEVEN, target), Facts("P2", None, opened), opened)
    assert always.response.due_at == opened + target.response
    assert always.resolution.due_at == opened + target.resolution
    got = clocks(one_target(cal, target), Facts("P2", None, opened), opened)
    assert got.response.due_at == cal.add(opened, target.response)
    assert got.resolution.due_at == cal.add(opened, target.resolution)
    assert cal.open_between(opened, got.response.due_at) == target.response
    assert cal.open_between(opened, got.response.due_at - 1) == target.response - 1


@PROPERTY_SETTINGS
@given(case=cases())
def test_met_exactly_when_the_event_is_at_or_before_due(
    case: tuple[Calendar, SlaTarget, Facts, int],
) -> None:
    cal, target, facts, at = case
    got = clocks(one_target(cal, target), facts, at)
    response, resolution = got.response, got.resolution
    assert response.due_at is not None
    if facts.first_response_at is not None and facts.first_response_at <= at:
        assert response.status in (MET, BREACHED)
        assert (response.status == MET) == (facts.first_response_at <= response.due_at)
    else:
        assert response.status == (BREACHED if at > response.due_at else RUNNING)
    if facts.first_resolved_at is not None and facts.first_resolved_at <= at:
        assert resolution.due_at is not None
        assert resolution.status in (MET, BREACHED)
        assert (resolution.status == MET) == (facts.first_resolved_at <= resolution.due_at)
    elif resolution.status != PAUSED:
        assert resolution.due_at is not None
        assert resolution.status == (BREACHED if at > resolution.due_at else RUNNING)
    for clock in (response, resolution):
        if clock.status == BREACHED:
            assert clock.decided_at == clock.due_at
        if clock.decided_at is not None:
            assert clock.decided_at <= at
            assert clock.status in (MET, BREACHED)
        else:
            assert clock.status in (RUNNING, PAUSED)


@PROPERTY_SETTINGS
@given(case=cases())
def test_resolution_due_steps_through_the_running_stretches(
    case: tuple[Calendar, SlaTarget, Facts, int],
) -> None:
    cal, target, facts, at = case
    got = clocks(one_target(cal, target), facts, at)
    expected = reference_resolution_due(cal, target.resolution, facts, at)
    assert got.resolution.due_at == expected
    assert (got.resolution.status == PAUSED) == (expected is None)
    resolved = facts.first_resolved_at is not None and facts.first_resolved_at <= at
    end = facts.first_resolved_at if resolved else at
    assert end is not None
    # the open time from the opening to the end is split between running and held
    assert got.elapsed_s == cal.open_between(facts.opened_at, end)
    assert got.elapsed_s - got.paused_s == running_open(cal, facts, end)
    if expected is not None and expected <= end:
        # the due is the first instant at which the running open time reaches the target
        assert running_open(cal, facts, expected) == target.resolution
        assert running_open(cal, facts, expected - 1) < target.resolution


@PROPERTY_SETTINGS
@given(case=cases(), more_response=st.integers(0, 86400), more_resolution=st.integers(0, 86400))
def test_a_smaller_target_never_moves_a_due_later(
    case: tuple[Calendar, SlaTarget, Facts, int], more_response: int, more_resolution: int
) -> None:
    cal, target, facts, at = case
    lower = SlaTarget(target.response + more_response, target.resolution + more_resolution)
    both = SlaPolicy({"P1": target, "P2": lower}, {cal.name: cal}, cal.name)
    high = clocks(both, Facts("P1", *_rest(facts)), at)
    low = clocks(both, facts, at)
    assert high.response.due_at is not None and low.response.due_at is not None
    assert high.response.due_at <= low.response.due_at
    if low.resolution.due_at is not None:
        assert high.resolution.due_at is not None
        assert high.resolution.due_at <= low.resolution.due_at


def _rest(facts: Facts) -> tuple[object, ...]:
    return (
        facts.team,
        facts.opened_at,
        facts.first_response_at,
        facts.first_resolved_at,
        facts.closed_at,
        facts.holds,
    )


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_adding_a_hold_never_moves_the_resolution_due_earlier(
    case: tuple[Calendar, SlaTarget, Facts, int], data: st.DataObject
) -> None:
    cal, target, facts, at = case
    if not facts.holds:
        return
    drop = data.draw(st.integers(0, len(facts.holds) - 1))
    fewer = facts.holds[:drop] + facts.holds[drop + 1 :]
    with_hold = clocks(one_target(cal, target), facts, at).resolution
    without = clocks(one_target(cal, target), Facts(*_first(facts), holds=fewer), at).resolution
    if with_hold.due_at is not None:
        assert without.due_at is not None
        assert with_hold.due_at >= without.due_at


def _first(facts: Facts) -> tuple[object, ...]:
    return (
        facts.priority,
        facts.team,
        facts.opened_at,
        facts.first_response_at,
        facts.first_resolved_at,
        facts.closed_at,
    )


# --- earliest_opening ----------------------------------------------------------------------


def test_earliest_opening_hand_worked() -> None:
    # due Tue 09:30 after 1 h: opened Mon 16:30 at the earliest
    assert earliest_opening(BERLIN, TUE_0930, H) == MON_1630
    # due at or after Mon 20:00 (closed): the first due instant after 17:00 is Tue 09:00:01,
    # from an opening at Mon 16:00:01
    assert earliest_opening(BERLIN, berlin(23, 20), H) == berlin(23, 16, 0, 1)
    assert earliest_opening(TWENTY_FOUR_SEVEN, TUE_0930, H) == TUE_0930 - H


@PROPERTY_SETTINGS
@given(cal=calendars_st, instant=instants, goal=goals, before=st.integers(1, 40 * 86400))
def test_earliest_opening_is_a_tight_bound(
    cal: Calendar, instant: int, goal: int, before: int
) -> None:
    bound = earliest_opening(cal, instant, goal)
    assert cal.add(bound - before, goal) < instant
    assert cal.add(bound - 1, goal) < instant
    assert cal.add(bound, goal) >= instant


# --- holds_from_moves ----------------------------------------------------------------------

STAGES = ("on_hold",)


def test_holds_from_moves_with_reasons() -> None:
    moves = [
        (100, "in_progress", None),
        (200, "on_hold", "awaiting_customer — called twice"),
        (300, "in_progress", "back — customer answered"),
        (400, "on_hold", "lunch — back soon"),  # not a hold reason
        (500, "in_progress", None),
        (600, "on_hold", "awaiting_vendor"),
        (700, "on_hold", "  awaiting_change  — moved on"),  # a hold right after another
    ]
    assert holds_from_moves(moves, STAGES, HOLD_REASONS, None) == (
        Hold(200, 300, "awaiting_customer"),
        Hold(400, 500, None),
        Hold(600, 700, "awaiting_vendor"),
        Hold(700, None, "awaiting_change"),  # still running
    )


def test_holds_from_moves_without_a_note_or_with_an_unknown_head() -> None:
    moves = [
        (10, "on_hold", None),
        (20, "in_progress", None),
        (30, "on_hold", ""),
        (40, "in_progress", None),
        (50, "on_hold", "awaiting_customer—no spaces"),
        (60, "in_progress", None),
        (70, "on_hold", "Awaiting_Customer — case"),
        (80, "in_progress", None),
    ]
    holds = holds_from_moves(moves, STAGES, HOLD_REASONS, None)
    assert holds == (Hold(10, 20), Hold(30, 40), Hold(50, 60), Hold(70, 80))


def test_holds_from_moves_drops_holds_from_the_first_resolution_on() -> None:
    moves = [
        (100, "on_hold", "awaiting_customer — x"),
        (200, "in_progress", None),
        (250, "on_hold", "awaiting_vendor"),
        (300, "resolved", None),  # the first resolution ends the running hold
        (400, "in_progress", "reopened"),
        (500, "on_hold", "awaiting_customer"),  # after the first resolution
        (600, "in_progress", None),
    ]
    assert holds_from_moves(moves, STAGES, HOLD_REASONS, 300) == (
        Hold(100, 200, "awaiting_customer"),
        Hold(250, 300, "awaiting_vendor"),
    )
    at_the_resolution = [(100, "in_progress", None), (300, "on_hold", "awaiting_vendor")]
    assert holds_from_moves(at_the_resolution, STAGES, HOLD_REASONS, 300) == ()
    assert holds_from_moves(at_the_resolution, STAGES, HOLD_REASONS, 301) == (
        Hold(300, None, "awaiting_vendor"),
    )
    assert holds_from_moves([], STAGES, HOLD_REASONS, None) == ()


def test_holds_from_moves_feed_the_clocks() -> None:
    moves = [
        (MON_0900, "new", None),
        (berlin(23, 9, 30), "in_progress", None),
        (berlin(23, 11), "on_hold", "awaiting_customer — called twice"),
        (berlin(23, 15), "in_progress", None),
    ]
    holds = holds_from_moves(moves, STAGES, HOLD_REASONS, None)
    assert holds == (Hold(berlin(23, 11), berlin(23, 15), "awaiting_customer"),)
    got = clocks(policy(), Facts("P2", None, MON_0900, holds=holds), berlin(23, 16))
    assert got.resolution == Clock(RUNNING, berlin(24, 13))


@given(case=cases())
def test_a_settled_clock_is_met_at_its_event(case: tuple[Calendar, SlaTarget, Facts, int]) -> None:
    """What reports count in SQL without calendars (sla.settled: the event came within the
    goal's calendar time) is what the clocks say: met, decided at the event."""
    cal, target, facts, at = case
    c = clocks(one_target(cal, target), facts, at)
    if settled(target.response, facts.opened_at, facts.first_response_at, at):
        assert (c.response.status, c.response.decided_at) == ("met", facts.first_response_at)
    if settled(target.resolution, facts.opened_at, facts.first_resolved_at, at):
        assert (c.resolution.status, c.resolution.decided_at) == ("met", facts.first_resolved_at)
