"""Business-hours calendars (PRODUCT.md section 7): due times across nights, weekends,
holidays and daylight-saving changes, the config's validation, and properties checked against
a brute-force reference."""

from __future__ import annotations

import time as timer
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcops.domain.calendar import (
    ALWAYS_OPEN,
    DAYS,
    LATEST,
    TWENTY_FOUR_SEVEN,
    Calendar,
    parse_calendar,
    parse_ranges,
)
from svcops.domain.errors import ExitCode, InvalidInput

MINUTE, HOUR, DAY = 60, 3600, 86400
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*fields: int) -> int:
    """Epoch seconds of a UTC wall time."""
    return int(datetime(*fields, tzinfo=UTC).timestamp())  # type: ignore[misc]


def local(zone: str, *fields: int) -> int:
    """Epoch seconds of a wall time in `zone` (fold=0)."""
    return int(datetime(*fields, tzinfo=ZoneInfo(zone)).timestamp())  # type: ignore[misc]


def weekdays(ranges: str) -> dict[str, str]:
    return dict.fromkeys(DAYS[:5], ranges)


def calendar(zone: str, hours: dict[str, str], holidays: list[Any] | None = None) -> Calendar:
    table: dict[str, Any] = {"time_zone": zone, "hours": hours}
    if holidays is not None:
        table["holidays"] = holidays
    return parse_calendar("test", table)


def berlin() -> Calendar:
    return parse_calendar(
        "berlin",
        {
            "time_zone": "Europe/Berlin",
            "hours": weekdays("09:00-17:00"),
            "holidays": ["2026-12-24", "2026-12-25", "2027-01-01"],
        },
    )


# --- due times worked out by hand ----------------------------------------------------------


def test_friday_afternoon_plus_four_hours_is_monday_noon() -> None:
    cal = berlin()
    # Friday 2026-12-18 16:00 CET (UTC+1) = 15:00Z. 1h of Friday (16-17), the weekend is closed,
    # 3h of Monday (09-12): due Monday 2026-12-21 12:00 CET = 11:00Z.
    opened = utc(2026, 12, 18, 15)
    assert opened == local("Europe/Berlin", 2026, 12, 18, 16)
    assert cal.add(opened, 4 * HOUR) == utc(2026, 12, 21, 11)
    assert cal.open_between(opened, utc(2026, 12, 21, 11)) == 4 * HOUR


def test_christmas_holidays_are_skipped() -> None:
    cal = berlin()
    # Wednesday 2026-12-23 15:00 CET = 14:00Z: 2h that day (15-17); Thursday 24 and Friday 25
    # are holidays, Saturday and Sunday closed; 2h on Monday 28 (09-11): 11:00 CET = 10:00Z.
    opened = utc(2026, 12, 23, 14)
    assert cal.add(opened, 4 * HOUR) == utc(2026, 12, 28, 10)
    assert not cal.is_open(utc(2026, 12, 24, 10))  # Thursday 11:00 CET, a holiday
    assert cal.is_open(utc(2026, 12, 28, 8))  # Monday 09:00 CET
    # the holiday week: Mon 21 to Wed 23 are 3 x 8h, Thu and Fri are holidays
    assert cal.open_between(utc(2026, 12, 21), utc(2026, 12, 28)) == 24 * HOUR
    # New Year's Day 2027 is a Friday holiday
    assert cal.open_between(utc(2027, 1, 1), utc(2027, 1, 2)) == 0


def test_due_on_the_monday_after_spring_forward_is_in_summer_time() -> None:
    cal = berlin()
    # Sunday 2026-03-29 02:00 CET becomes 03:00 CEST (UTC+2). Friday 2026-03-27 16:00 CET =
    # 15:00Z; 1h of Friday, then Monday 2026-03-30 09:00 CEST = 07:00Z + 1h = 08:00Z (10:00
    # local), not 09:00Z as a fixed UTC+1 would give.
    opened = utc(2026, 3, 27, 15)
    assert cal.add(opened, 2 * HOUR) == utc(2026, 3, 30, 8)
    # Monday 2026-03-23 09:00 CET is 08:00Z; Monday 2026-03-30 09:00 CEST is 07:00Z
    assert not cal.is_open(utc(2026, 3, 23, 7, 59))
    assert cal.is_open(utc(2026, 3, 23, 8))
    assert not cal.is_open(utc(2026, 3, 30, 6, 59))
    assert cal.is_open(utc(2026, 3, 30, 7))
    assert cal.open_between(utc(2026, 3, 30), utc(2026, 3, 31)) == 8 * HOUR


def test_due_on_the_monday_after_fall_back_is_in_winter_time() -> None:
    cal = berlin()
    # Sunday 2026-10-25 03:00 CEST becomes 02:00 CET. Friday 2026-10-23 16:00 CEST = 14:00Z;
    # 1h of Friday (to 15:00Z), then Monday 2026-10-26 09:00 CET = 08:00Z + 1h = 09:00Z.
    opened = utc(2026, 10, 23, 14)
    assert cal.add(opened, 2 * HOUR) == utc(2026, 10, 26, 9)
    assert cal.open_between(opened, utc(2026, 10, 26, 9)) == 2 * HOUR
    assert not cal.is_open(utc(2026, 10, 26, 7, 59))
    assert cal.is_open(utc(2026, 10, 26, 8))


def test_lunch_is_not_counted_on_a_split_day() -> None:
    cal = calendar("Europe/Berlin", weekdays("08:00-12:00,13:00-17:00"))
    # Monday 2026-06-01 11:00 CEST = 09:00Z: 1h to 12:00, lunch, 1h from 13:00: 14:00 CEST.
    assert cal.add(utc(2026, 6, 1, 9), 2 * HOUR) == utc(2026, 6, 1, 12)
    assert cal.add(utc(2026, 6, 1, 9), HOUR) == utc(2026, 6, 1, 10)  # due at 12:00, not 13:00
    assert cal.open_between(utc(2026, 6, 1, 6), utc(2026, 6, 1, 15)) == 8 * HOUR
    assert not cal.is_open(utc(2026, 6, 1, 10, 30))  # 12:30 local
    # Friday 16:00 CEST + 2h: 1h Friday, 1h Monday from 08:00 (06:00Z) -> 07:00Z
    assert cal.add(utc(2026, 6, 5, 14), 2 * HOUR) == utc(2026, 6, 8, 7)


def test_a_range_ending_at_midnight_runs_on_into_the_next_day() -> None:
    cal = calendar("Europe/Berlin", {"sat": "00:00-24:00", "sun": "00:00-24:00"})
    # Saturday 2026-10-24 23:00 CEST = 21:00Z + 2h -> Sunday 01:00 CEST = 23:00Z
    assert cal.add(utc(2026, 10, 24, 21), 2 * HOUR) == utc(2026, 10, 24, 23)
    # The weekend of spring forward: Sat 2026-03-28 00:00 CET = 27th 23:00Z to Mon 00:00 CEST
    # = 29th 22:00Z: 24h + 23h of open time.
    assert cal.open_between(utc(2026, 3, 27, 23), utc(2026, 3, 29, 22)) == 47 * HOUR
    assert cal.open_between(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)) == 23 * HOUR  # Sunday
    # The weekend of fall back: Sat 2026-10-24 00:00 CEST = 23rd 22:00Z to Mon 00:00 CET = 25th
    # 23:00Z: 24h + 25h.
    assert cal.open_between(utc(2026, 10, 23, 22), utc(2026, 10, 25, 23)) == 49 * HOUR
    # Friday night's 47 hours pass at once; Sunday 23:59:59 CET is open, Monday 00:00 is not
    assert cal.add(utc(2026, 3, 27, 23), 47 * HOUR) == utc(2026, 3, 29, 22)
    assert cal.is_open(utc(2026, 10, 25, 22, 59, 59))
    assert not cal.is_open(utc(2026, 10, 25, 23))


def test_a_day_across_a_change_keeps_its_own_midnights() -> None:
    cal = calendar("Europe/Berlin", dict.fromkeys(DAYS[:6], "00:00-24:00"))
    # Sunday is closed: Sunday 2026-03-29 00:00 CET (28th 23:00Z) to Monday 00:00 CEST (29th
    # 22:00Z) is 23 hours of closed time.
    assert cal.open_between(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)) == 0
    assert cal.add(utc(2026, 3, 28, 22), 2 * HOUR) == utc(2026, 3, 29, 23)


def test_local_times_in_a_gap_are_read_with_fold_0() -> None:
    # 02:30 on 2026-03-29 does not exist in Berlin; fold=0 reads it with the offset before the
    # change (UTC+1): 01:30Z, which is 03:30 CEST. 04:00 CEST is 02:00Z: 30 minutes open.
    cal = calendar("Europe/Berlin", {"sun": "02:30-04:00"})
    assert cal.open_between(utc(2026, 3, 28), utc(2026, 3, 30)) == 30 * MINUTE
    assert cal.add(utc(2026, 3, 28), 1) == utc(2026, 3, 29, 1, 30, 1)
    # a week before, 02:30 CET = 01:30Z to 04:00 CET = 03:00Z: 90 minutes
    assert cal.open_between(utc(2026, 3, 21), utc(2026, 3, 23)) == 90 * MINUTE
    # the repeated hour of 2026-10-25 is read as its first pass: 02:30 CEST = 00:30Z to 03:00
    # CET = 02:00Z: 90 minutes for a range of 30 on the clock
    cal = calendar("Europe/Berlin", {"sun": "02:30-03:00"})
    assert cal.open_between(utc(2026, 10, 24), utc(2026, 10, 26)) == 90 * MINUTE
    # a range wholly inside the gap is empty that day: 02:00 and 03:00 are both 01:00Z
    cal = calendar("Europe/Berlin", {"sun": "02:00-03:00"})
    assert cal.open_between(utc(2026, 3, 28), utc(2026, 3, 30)) == 0
    assert cal.add(utc(2026, 3, 28), HOUR) == utc(2026, 4, 5, 1)  # next Sunday 02:00-03:00 CEST


def test_a_holiday_is_the_local_day_in_tokyo() -> None:
    cal = calendar("Asia/Tokyo", dict.fromkeys(DAYS, "00:00-24:00"), ["2027-01-01"])
    assert not cal.always_open
    # Tokyo is UTC+9 with no DST: 2027-01-01 local is 2026-12-31T15:00Z to 2027-01-01T15:00Z
    assert cal.is_open(utc(2026, 12, 31, 14, 59, 59))
    assert not cal.is_open(utc(2026, 12, 31, 15))
    assert not cal.is_open(utc(2027, 1, 1, 14, 59, 59))
    assert cal.is_open(utc(2027, 1, 1, 15))
    assert cal.open_between(utc(2026, 12, 31), utc(2027, 1, 2)) == 24 * HOUR
    # 1h before the holiday, then the holiday passes closed: 2027-01-01T16:00Z
    assert cal.add(utc(2026, 12, 31, 14), 2 * HOUR) == utc(2027, 1, 1, 16)


def test_a_holiday_is_the_local_day_in_los_angeles() -> None:
    cal = calendar("America/Los_Angeles", weekdays("09:00-17:00"), [date(2026, 12, 25)])
    # Christmas 2026 is a Friday; LA is UTC-8 in December: the day is 25th 08:00Z to 26th 08:00Z
    # and its hours 17:00Z to 01:00Z. Thursday 24th 16:00 PST = 25th 00:00Z: 1h on Thursday,
    # Friday closed, then Monday 28th 09:00 PST = 17:00Z + 1h.
    assert cal.add(utc(2026, 12, 25, 0), 2 * HOUR) == utc(2026, 12, 28, 18)
    assert cal.is_open(utc(2026, 12, 25, 0, 59))  # Thursday 16:59 PST, the 25th in UTC
    assert cal.open_between(utc(2026, 12, 25, 8), utc(2026, 12, 26, 8)) == 0


def test_a_half_hour_zone() -> None:
    cal = calendar("Asia/Kolkata", weekdays("09:00-17:00"))
    # Kolkata is UTC+05:30: 09:00 IST is 03:30Z. Friday 2026-06-05 16:30 IST = 11:00Z: 30 min
    # on Friday, 30 min from Monday 09:00 IST -> Monday 09:30 IST = 04:00Z.
    assert cal.add(utc(2026, 6, 5, 11), HOUR) == utc(2026, 6, 8, 4)
    assert not cal.is_open(utc(2026, 6, 8, 3, 29, 59))
    assert cal.is_open(utc(2026, 6, 8, 3, 30))
    assert cal.open_between(utc(2026, 6, 8), utc(2026, 6, 9)) == 8 * HOUR


def test_twenty_four_seven_is_calendar_time() -> None:
    cal = TWENTY_FOUR_SEVEN
    assert (cal.name, cal.zone, cal.always_open) == (ALWAYS_OPEN, "UTC", True)
    start = utc(2026, 3, 29)
    assert cal.open_between(start, start + 12345) == 12345
    assert cal.open_between(start, start - 5) == 0
    assert cal.add(start, 4 * HOUR) == start + 4 * HOUR
    assert cal.add(start, 0) == start
    assert cal.is_open(start)
    assert cal.describe() == "UTC, always open"


def test_an_all_day_calendar_in_any_zone_is_always_open() -> None:
    cal = calendar("Europe/Berlin", dict.fromkeys(DAYS, "00:00-12:00,12:00-24:00"))
    assert cal.always_open
    assert cal.week == (((0, 1440),),) * 7
    assert cal.open_between(utc(2026, 3, 28), utc(2026, 3, 31)) == 3 * DAY
    with_holiday = calendar("Europe/Berlin", dict.fromkeys(DAYS, "00:00-24:00"), ["2026-01-01"])
    assert not with_holiday.always_open


def test_far_targets_jump_whole_400_year_cycles_to_the_same_result() -> None:
    hours = {"mon": "09:00-10:00"}
    cyclic = calendar("Europe/Berlin", hours)
    # a holiday so late that no 400-year cycle fits after it: every year is built
    flat = calendar("Europe/Berlin", hours, ["9800-01-03"])
    start = utc(2026, 6, 1)
    for seconds in (HOUR * 52 * 700, HOUR * 52 * 480 + 1234, 7 * HOUR):
        due = cyclic.add(start, seconds)
        assert due == flat.add(start, seconds)
        assert cyclic.open_between(start, due) == seconds == flat.open_between(start, due)
    assert cyclic.add(start, HOUR * 52 * 700) > utc(2700, 1, 1)
    late = utc(2900, 3, 1)
    assert cyclic.open_between(late, late + 400 * DAY) == flat.open_between(late, late + 400 * DAY)
    assert len(cyclic._starts) < len(flat._starts)  # the cycle spared building


def test_huge_targets_are_bounded() -> None:
    cal = berlin()
    start = utc(2026, 6, 1)
    # 500 years of seconds of business time: 8h a weekday is 1/4.2 of the time: ~2100 years
    due = cal.add(start, 500 * 365 * DAY)
    assert cal.open_between(start, due) == 500 * 365 * DAY
    assert cal.open_between(due - 1, due) == 1
    with pytest.raises(InvalidInput, match="end after 9999-12-30"):
        cal.add(start, 10**13)  # ~317,000 years of seconds
    # a calendar without a cycle builds on to the end, then gives up
    flat = calendar("Europe/Berlin", weekdays("09:00-17:00"), ["9800-01-03"])
    with pytest.raises(InvalidInput, match="end after 9999-12-30"):
        flat.add(utc(9999, 12, 1), 30 * DAY)
    # Monday 9999-12-27 09:00 CET = 08:00Z + 1h, with the last year already built
    assert flat.add(utc(9999, 12, 27, 8), HOUR) == utc(9999, 12, 27, 9)
    with pytest.raises(InvalidInput, match="outside the times a calendar covers"):
        cal.open_between(-1, utc(2026, 1, 1))
    with pytest.raises(InvalidInput, match="outside the times a calendar covers"):
        cal.is_open(LATEST + 1)
    with pytest.raises(InvalidInput, match="negative"):
        cal.add(start, -1)
    assert cal.open_between(0, 1) == 0  # 1970-01-01 was a Thursday, closed at 01:00 CET
    # the last days a calendar computes: 9999-12-27 is a Monday, 9999-12-29 a Wednesday
    assert cal.is_open(utc(9999, 12, 27, 9))
    assert cal.open_between(utc(9999, 12, 27), LATEST) == 3 * 8 * HOUR


def test_identity_is_the_definition() -> None:
    a = berlin()
    b = parse_calendar(
        "other",
        {
            "hours": {"fri": "9:00-17:00", **weekdays("09:00-17:00")},
            "time_zone": "Europe/Berlin",
            "holidays": [date(2027, 1, 1), "2026-12-25", "2026-12-24", "2026-12-24"],
        },
    )
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert b.holidays == (date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1))
    assert a.fingerprint() == (
        "Europe/Berlin;mon=09:00-17:00;tue=09:00-17:00;wed=09:00-17:00;thu=09:00-17:00;"
        "fri=09:00-17:00;sat=;sun=;holidays=2026-12-24,2026-12-25,2027-01-01"
    )
    assert a.describe() == "Europe/Berlin, mon-fri 09:00-17:00, 3 holidays"
    paris = calendar("Europe/Paris", weekdays("09:00-17:00"), list(map(str, a.holidays)))
    assert a != paris and a.holidays == paris.holidays
    assert a != "Europe/Berlin"
    hours = {"mon": "08:00-12:00,13:00-17:00", "sat": "10:00-12:00"}
    split = calendar("Asia/Tokyo", hours, ["2026-01-01"])
    described = "Asia/Tokyo, mon 08:00-12:00,13:00-17:00, sat 10:00-12:00, 1 holiday"
    assert split.describe() == described
    assert "Asia/Tokyo" in repr(split)


# --- parsing and validation -------------------------------------------------------------------


def test_parse_ranges() -> None:
    assert parse_ranges("08:00-12:00,13:00-17:00") == ((480, 720), (780, 1020))
    assert parse_ranges(" 8:00 - 12:00 , 13:00-24:00 ") == ((480, 720), (780, 1440))
    assert parse_ranges("") == () == parse_ranges("  ")
    assert parse_ranges("00:00-24:00") == ((0, 1440),)
    # touching ranges are merged
    assert parse_ranges("09:00-12:00,12:00-17:00") == ((540, 1020),)
    assert parse_ranges("00:00-01:00,01:00-02:00,03:00-04:00") == ((0, 120), (180, 240))


READ = "write a range like 09:00-17:00"
CROSS = "a range ends after it starts; a range cannot cross midnight: split it as"
RANGE_ERRORS = [  # the text, and the message after '"text": '
    ("9-17", f'cannot read "9-17"; {READ}'),
    ("09:00", f'cannot read "09:00"; {READ}'),
    ("09:00-12:00,,13:00-14:00", f'cannot read ""; {READ}'),
    ("9h-17h", f'cannot read "9h-17h"; {READ}'),
    ("25:00-26:00", "no time of day is 25:00"),
    ("12:60-13:00", "no time of day is 12:60"),
    ("10:00-24:30", "no time of day is 24:30"),
    ("24:00-24:00", "a range cannot start at 24:00, the end of the day"),
    ("24:00-01:00", "a range cannot start at 24:00, the end of the day"),
    ("17:00-09:00", f"17:00-09:00: {CROSS} 17:00-24:00 and 00:00-09:00 the next day"),
    ("22:00-02:00", f"22:00-02:00: {CROSS} 22:00-24:00 and 00:00-02:00 the next day"),
    ("09:00-09:00", "09:00-09:00: a range ends after it starts; for all day: 00:00-24:00"),
    ("09:00-17:00,16:00-18:00", "ranges overlap (09:00-17:00 and 16:00-18:00)"),
    ("16:00-18:00,09:00-17:00", "ranges overlap (16:00-18:00 and 09:00-17:00)"),
    ("09:00-17:00,09:00-17:00", "ranges overlap (09:00-17:00 and 09:00-17:00)"),
    ("13:00-17:00,08:00-12:00", "ranges are out of order (13:00-17:00 and 08:00-12:00)"),
    ("12:00-17:00,09:00-12:00", "ranges are out of order (12:00-17:00 and 09:00-12:00)"),
]


@pytest.mark.parametrize(("text", "message"), RANGE_ERRORS)
def test_bad_ranges_are_refused_precisely(text: str, message: str) -> None:
    message = f'"{text}": {message}'
    with pytest.raises(InvalidInput) as caught:
        parse_ranges(text)
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.USAGE
    with pytest.raises(InvalidInput) as caught:
        calendar("Europe/Berlin", {"tue": "09:00-17:00", "mon": text})
    assert caught.value.message == f"calendars.test.hours.mon: {message}"


def test_the_overlap_message_of_the_brief() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_calendar(
            "berlin",
            {"time_zone": "Europe/Berlin", "hours": {"mon": "09:00-17:00,16:00-18:00"}},
        )
    assert caught.value.message == (
        'calendars.berlin.hours.mon: "09:00-17:00,16:00-18:00": ranges overlap '
        "(09:00-17:00 and 16:00-18:00)"
    )


MON = {"time_zone": "UTC", "hours": {"mon": "09:00-17:00"}}
UNREACHABLE = "calendars.x has no open hours: every target would be unreachable"
NO_DATE = "is not a date such as 2026-12-25"
CALENDAR_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("x", {"hours": MON["hours"]}, "calendars.x: time_zone is required"),
    (
        "x",
        {**MON, "time_zone": "Mars/Olympus"},
        "calendars.x.time_zone: unknown time zone 'Mars/Olympus'",
    ),
    ("x", {**MON, "time_zone": ""}, "calendars.x.time_zone: expected a zone name, got ''"),
    ("x", {**MON, "time_zone": 1}, "calendars.x.time_zone: expected a zone name, got 1"),
    ("x", {**MON, "timezone": "UTC"}, "calendars.x: unknown key 'timezone'"),
    ("x", {**MON, "hours": {"monday": "09:00"}}, "calendars.x.hours: unknown day 'monday'"),
    ("x", {**MON, "hours": {"Mon": "09:00"}}, "calendars.x.hours: unknown day 'Mon'"),
    (
        "x",
        {**MON, "hours": {"mon": 9}},
        'calendars.x.hours.mon: expected text such as "09:00-17:00", got 9',
    ),
    (
        "x",
        {**MON, "hours": "09:00-17:00"},
        'calendars.x.hours: expected a table such as { mon = "09:00-17:00" }',
    ),
    ("x", {"time_zone": "UTC"}, UNREACHABLE),
    ("x", {"time_zone": "UTC", "hours": {}}, UNREACHABLE),
    ("x", {"time_zone": "UTC", "hours": {"mon": "", "sun": " "}}, UNREACHABLE),
    ("x", {**MON, "holidays": ["2026-13-01"]}, f"calendars.x.holidays: '2026-13-01' {NO_DATE}"),
    ("x", {**MON, "holidays": ["2026-02-29"]}, f"calendars.x.holidays: '2026-02-29' {NO_DATE}"),
    ("x", {**MON, "holidays": ["24.12.2026"]}, f"calendars.x.holidays: '24.12.2026' {NO_DATE}"),
    ("x", {**MON, "holidays": ["20261224"]}, f"calendars.x.holidays: '20261224' {NO_DATE}"),
    ("x", {**MON, "holidays": [20261224]}, f"calendars.x.holidays: 20261224 {NO_DATE}"),
    (
        "x",
        {**MON, "holidays": [datetime(2026, 12, 24, 0, 0)]},
        f"calendars.x.holidays: datetime.datetime(2026, 12, 24, 0, 0) {NO_DATE}",
    ),
    (
        "x",
        {**MON, "holidays": "2026-12-24"},
        'calendars.x.holidays: expected a list of dates such as ["2026-12-25"]',
    ),
    ("24x7", MON, "calendars.24x7: 24x7 is built in (always open, UTC); rename it"),
]


@pytest.mark.parametrize(("name", "table", "message"), CALENDAR_ERRORS)
def test_bad_calendars_are_refused_naming_the_key(
    name: str, table: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_calendar(name, table)
    assert caught.value.message == message


def test_a_good_calendar_in_full() -> None:
    cal = parse_calendar(
        "apac",
        {"time_zone": "Asia/Tokyo", "hours": {"sat": "", "sun": "10:00-12:00"}, "holidays": []},
    )
    assert (cal.name, cal.zone, cal.always_open) == ("apac", "Asia/Tokyo", False)
    assert cal.week == ((), (), (), (), (), (), ((600, 720),))


# --- properties, and a brute-force reference ------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/Dublin",  # negative daylight saving in the data
    "America/Los_Angeles",
    "America/St_Johns",  # UTC-03:30 with DST
    "America/Santiago",  # its changes happen at midnight
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",  # UTC+05:45
    "Australia/Lord_Howe",  # a 30-minute DST
    "Pacific/Chatham",  # UTC+12:45 with DST
]
GRID = 15  # minutes: every bound and every UTC offset above is a multiple


def _text(ranges: tuple[tuple[int, int], ...]) -> str:
    return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges)


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    fixed = [(), ((0, 1440),), ((540, 1020),), ((0, 120), (1320, 1440))]
    if draw(st.booleans()):
        return draw(st.sampled_from(fixed))
    points = sorted(draw(st.lists(st.integers(0, 1440 // GRID), unique=True, max_size=6)))
    pairs = zip(points[::2], points[1::2], strict=False)
    return tuple((a * GRID, b * GRID) for a, b in pairs)


@st.composite
def calendars(draw: st.DrawFn, near: date | None = None) -> Calendar:
    zone = draw(st.sampled_from(ZONES))
    week = draw(st.lists(day_ranges(), min_size=7, max_size=7).filter(any))
    around = near or date(2027, 6, 1)
    span = 8 if near else 6000
    days = st.integers(-span, span).map(lambda n: around + timedelta(days=n))
    holidays = draw(st.lists(days, max_size=6))
    hours = {day: _text(ranges) for day, ranges in zip(DAYS, week, strict=True)}
    return parse_calendar("random", {"time_zone": zone, "hours": hours, "holidays": holidays})


@cache
def changes(zone: str) -> list[date]:
    """The UTC days 2020-2035 on which the zone's offset changes."""
    tz, found = ZoneInfo(zone), []
    day = datetime(2020, 1, 1, tzinfo=UTC)
    while day.year < 2036:
        if day.astimezone(tz).utcoffset() != (day + timedelta(days=1)).astimezone(tz).utcoffset():
            found.append(day.date())
        day += timedelta(days=1)
    return found


INSTANTS = st.integers(utc(2020, 1, 1), utc(2035, 12, 31))
DURATIONS = st.one_of(
    st.sampled_from([1, 59, 60, 15 * MINUTE, HOUR, 4 * HOUR, 8 * HOUR, DAY]),
    st.integers(0, 3 * DAY),
    st.integers(0, 60 * DAY),
)
PROPERTIES = settings(max_examples=150, deadline=None)


@PROPERTIES
@given(calendars(), INSTANTS, DURATIONS)
def test_add_gives_exactly_the_open_time_asked_and_no_later(
    cal: Calendar, start: int, seconds: int
) -> None:
    due = cal.add(start, seconds)
    assert due >= start
    assert cal.open_between(start, due) == seconds
    if seconds:
        assert cal.open_between(due - 1, due) == 1  # never due in closed time
        assert cal.is_open(due - 1)
        assert cal.open_between(start, due - 1) == seconds - 1  # the earliest such instant
    else:
        assert due == start


@PROPERTIES
@given(calendars(), INSTANTS, INSTANTS, INSTANTS)
def test_open_time_adds_up_and_never_exceeds_calendar_time(
    cal: Calendar, x: int, y: int, z: int
) -> None:
    a, b, c = sorted((x, y, z))
    assert cal.open_between(a, b) + cal.open_between(b, c) == cal.open_between(a, c)
    assert 0 <= cal.open_between(a, b) <= b - a
    assert cal.open_between(c, a) == 0


@PROPERTIES
@given(st.sampled_from(ZONES), INSTANTS, INSTANTS, st.integers(0, 400 * DAY))
def test_an_all_day_calendar_is_calendar_time_in_any_zone(
    zone: str, x: int, y: int, seconds: int
) -> None:
    a, b = sorted((x, y))
    plain = calendar(zone, dict.fromkeys(DAYS, "00:00-24:00"))
    # a holiday long after the instants drawn makes it compute with spans instead
    spans = calendar(zone, dict.fromkeys(DAYS, "00:00-24:00"), ["2090-06-01"])
    assert plain.always_open and not spans.always_open
    for cal in (plain, spans):
        assert cal.open_between(a, b) == b - a
        assert cal.add(a, seconds) == a + seconds


def reference_is_open(cal: Calendar, at: int) -> bool:
    """Open as the definition says, the slow way: any range of the local day before, of or
    after `at` whose bounds (wall times read with fold=0) hold it."""
    tz = ZoneInfo(cal.zone)
    today = datetime.fromtimestamp(at, tz).date()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        if day in cal.holidays:
            continue
        midnight = datetime.combine(day, time())
        for a, b in cal.week[day.weekday()]:
            start = (midnight + timedelta(minutes=a)).replace(tzinfo=tz).timestamp()
            end = (midnight + timedelta(minutes=b)).replace(tzinfo=tz).timestamp()
            if start <= at < end:
                return True
    return False


def check_against_reference(cal: Calendar, begin: int, steps: int, step: int) -> None:
    """is_open, open_between and add at every `step` seconds of a window, against the
    reference (exact when every bound lies on the step's grid)."""
    open_steps = [reference_is_open(cal, begin + i * step) for i in range(steps)]
    counted = 0
    for i, is_open in enumerate(open_steps):
        at = begin + i * step
        assert cal.is_open(at) == is_open, datetime.fromtimestamp(at, UTC)
        assert cal.open_between(begin, at) == counted * step
        counted += is_open
    # add: from the window's start, k steps of open time end at the k-th open step's end
    ends = [begin + (i + 1) * step for i, is_open in enumerate(open_steps) if is_open]
    for k, end in enumerate(ends, start=1):
        assert cal.add(begin, k * step) == end


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_calendars_match_the_brute_force_reference(data: st.DataObject) -> None:
    zone_changes = [d for zone in ZONES for d in changes(zone)]
    near = data.draw(
        st.one_of(
            st.sampled_from(zone_changes),
            st.dates(date(2020, 1, 2), date(2035, 12, 20)),
        )
    )
    cal = data.draw(calendars(near=near))
    begin = utc(near.year, near.month, near.day) - 2 * DAY
    check_against_reference(cal, begin, steps=5 * 24 * 60 // GRID, step=GRID * MINUTE)


SPRING, SANTIAGO = utc(2026, 3, 27), utc(2026, 9, 4)


@pytest.mark.parametrize(
    ("zone", "hours", "holidays", "begin"),
    [
        ("Europe/Berlin", weekdays("09:00-17:00"), ["2026-12-24"], utc(2026, 12, 21)),
        ("Europe/Berlin", {"sat": "00:00-24:00", "sun": "00:30-02:30,03:00-24:00"}, [], SPRING),
        ("Europe/Berlin", {"sat": "01:00-24:00", "sun": "00:00-02:30"}, [], utc(2026, 10, 23)),
        # Santiago's clocks skip from 00:00 to 01:00 on 2026-09-06
        ("America/Santiago", dict.fromkeys(DAYS, "00:00-01:00,23:00-24:00"), [], SANTIAGO),
        ("Asia/Tokyo", dict.fromkeys(DAYS, "07:13-08:01"), ["2027-01-01"], utc(2026, 12, 30)),
        ("Pacific/Chatham", weekdays("02:00-04:00"), [], utc(2026, 4, 2)),
    ],
)
def test_fixed_calendars_match_the_reference_minute_by_minute(
    zone: str, hours: dict[str, str], holidays: list[str], begin: int
) -> None:
    cal = calendar(zone, hours, holidays)
    check_against_reference(cal, begin, steps=4 * 24 * 60, step=MINUTE)


def test_performance_smoke() -> None:
    cal = berlin()
    begin, year = utc(2026, 1, 1), 365 * DAY
    started = timer.perf_counter()
    cal.open_between(begin, begin + year + 30 * DAY)  # builds the spans
    built = timer.perf_counter()
    starts = [begin + (i * 7919 * 61) % year for i in range(50_000)]
    for start in starts:
        cal.open_between(start, cal.add(start, 4 * HOUR))
    done = timer.perf_counter()
    assert built - started < 1.0  # a couple of years of a mon-fri calendar: a few ms
    assert done - built < 5.0  # 100k calls; about 0.2 s on a laptop
