"""Dates and durations as people type them (PRODUCT.md section 4, "Dates in")."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from svcops.domain.errors import ExitCode, InvalidInput
from svcops.domain.timeparse import (
    EARLIEST,
    LATEST,
    format_duration,
    format_instant,
    load_zone,
    parse_duration,
    parse_when,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30 all year, no daylight saving time

# Monday 2026-11-23, 16:00 UTC = 17:00 in Berlin (CET, UTC+1: summer time ended 2026-10-25).
NOW = datetime(2026, 11, 23, 16, 0, 0, tzinfo=UTC)

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def when(text: str, tz: tzinfo = UTC, now: datetime = NOW) -> datetime:
    return parse_when(text, now=now, tz=tz)


# --- words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("now", UTC, utc(2026, 11, 23, 16, 0)),
        ("now", BERLIN, utc(2026, 11, 23, 16, 0)),
        ("today", UTC, utc(2026, 11, 23, 0, 0)),
        ("yesterday", UTC, utc(2026, 11, 22, 0, 0)),
        ("tomorrow", UTC, utc(2026, 11, 24, 0, 0)),
        # midnight in Berlin (CET) is 23:00 UTC the day before
        ("today", BERLIN, utc(2026, 11, 22, 23, 0)),
        ("yesterday", BERLIN, utc(2026, 11, 21, 23, 0)),
        ("tomorrow", BERLIN, utc(2026, 11, 23, 23, 0)),
        ("NOW", UTC, utc(2026, 11, 23, 16, 0)),
        ("  Today ", BERLIN, utc(2026, 11, 22, 23, 0)),
    ],
)
def test_words(text: str, zone: tzinfo, expected: datetime) -> None:
    result = when(text, zone)
    assert result == expected
    assert result.tzinfo is UTC


def test_today_is_the_local_date_not_the_utc_date() -> None:
    # 23:30 UTC on the 23rd is already 00:30 on the 24th in Berlin
    late = utc(2026, 11, 23, 23, 30)
    assert when("today", UTC, late) == utc(2026, 11, 23, 0, 0)
    assert when("today", BERLIN, late) == utc(2026, 11, 23, 23, 0)
    assert when("yesterday", BERLIN, late) == utc(2026, 11, 22, 23, 0)


def test_words_across_the_spring_daylight_saving_change() -> None:
    # Berlin moves from CET (+1) to CEST (+2) at 01:00 UTC on Sunday 2026-03-29
    noon = utc(2026, 3, 29, 12, 0)
    assert when("yesterday", BERLIN, noon) == utc(2026, 3, 27, 23, 0)
    assert when("today", BERLIN, noon) == utc(2026, 3, 28, 23, 0)
    assert when("tomorrow", BERLIN, noon) == utc(2026, 3, 29, 22, 0)


def test_now_is_truncated_to_the_second() -> None:
    assert when("now", now=datetime(2026, 11, 23, 16, 0, 5, 999_999, tzinfo=UTC)) == utc(
        2026, 11, 23, 16, 0, 5
    )


# --- relative offsets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-30m", utc(2026, 11, 23, 15, 30)),
        ("-12h", utc(2026, 11, 23, 4, 0)),
        ("-7d", utc(2026, 11, 16, 16, 0)),
        ("-2w", utc(2026, 11, 9, 16, 0)),
        ("-45s", utc(2026, 11, 23, 15, 59, 15)),
        ("-0m", utc(2026, 11, 23, 16, 0)),
        ("-3 days", utc(2026, 11, 20, 16, 0)),
        ("- 90 min", utc(2026, 11, 23, 14, 30)),
        ("-36H", utc(2026, 11, 22, 4, 0)),
        ("30m ago", utc(2026, 11, 23, 15, 30)),
        ("2 weeks ago", utc(2026, 11, 9, 16, 0)),
        ("1 hour ago", utc(2026, 11, 23, 15, 0)),
        # compound offsets, written the way parse_duration reads them
        ("-1h30m", utc(2026, 11, 23, 14, 30)),
        ("-1h 30m", utc(2026, 11, 23, 14, 30)),
        ("1h30m ago", utc(2026, 11, 23, 14, 30)),
        ("2 days 3 hours ago", utc(2026, 11, 21, 13, 0)),
    ],
)
@pytest.mark.parametrize("zone", [UTC, BERLIN], ids=["UTC", "Berlin"])
def test_relative_offsets(text: str, expected: datetime, zone: tzinfo) -> None:
    # offsets count back from now; the zone does not matter
    assert when(text, zone) == expected


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"unknown time unit 'x' in '-5x'") as caught:
        when("-5x")
    assert caught.value.exit_code == ExitCode.USAGE == 2


def test_unknown_unit_in_ago_form_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown time unit 'fortnights'"):
        when("3 fortnights ago")


# --- absolute dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        # naive ISO 8601 is read in the zone
        ("2026-11-02T14:05", UTC, utc(2026, 11, 2, 14, 5)),
        ("2026-11-02T14:05", BERLIN, utc(2026, 11, 2, 13, 5)),
        ("2026-11-02 14:05:30", BERLIN, utc(2026, 11, 2, 13, 5, 30)),
        ("2026-07-01T12:00", BERLIN, utc(2026, 7, 1, 10, 0)),  # CEST, UTC+2
        ("2026-11-02", BERLIN, utc(2026, 11, 1, 23, 0)),
        ("2026-11-02", UTC, utc(2026, 11, 2, 0, 0)),
        # an explicit offset wins over the zone
        ("2026-11-02T14:05:00+05:30", UTC, utc(2026, 11, 2, 8, 35)),
        ("2026-11-02T14:05:00+05:30", BERLIN, utc(2026, 11, 2, 8, 35)),
        ("2026-11-02T14:05:00Z", BERLIN, utc(2026, 11, 2, 14, 5)),
        ("2026-11-02T14:05:00-05:00", BERLIN, utc(2026, 11, 2, 19, 5)),
        # microseconds are dropped
        ("2026-11-02T14:05:00.999", UTC, utc(2026, 11, 2, 14, 5)),
        # forms python-dateutil reads one way only
        ("Nov 2 2026 2pm", UTC, utc(2026, 11, 2, 14, 0)),
        ("Nov 2 2026 2pm", BERLIN, utc(2026, 11, 2, 13, 0)),
        ("1 Nov 2026", BERLIN, utc(2026, 10, 31, 23, 0)),
        ("13/04/2026", BERLIN, utc(2026, 4, 12, 22, 0)),  # 13 cannot be a month
        ("2pm", BERLIN, utc(2026, 11, 23, 13, 0)),  # a bare time is today, in the zone
    ],
)
def test_absolute_dates(text: str, zone: tzinfo, expected: datetime) -> None:
    result = when(text, zone)
    assert result == expected
    assert result.tzinfo is UTC


def test_ambiguous_wall_time_is_read_as_its_first_occurrence() -> None:
    # 2026-10-25 02:30 happens twice in Berlin: 00:30 UTC (CEST) and 01:30 UTC (CET)
    assert when("2026-10-25T02:30", BERLIN) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize("text", ["03/04/2026", "04/03/2026", "12/11/2026 14:00"])
def test_day_month_ambiguity_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="ambiguous date") as caught:
        when(text, BERLIN)
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
    assert "ISO 8601" in caught.value.hint


@pytest.mark.parametrize("text", ["garbage", "32/13/2026", "next blursday", "+2h", "5x"])
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="cannot read date") as caught:
        when(text, BERLIN)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="empty date") as caught:
        when(text)
    assert caught.value.exit_code == 2


def test_out_of_range_absolute_date_is_refused() -> None:
    # 00:30 on 1 January of year 1 in Berlin is before the first representable UTC instant
    with pytest.raises(InvalidInput, match="out of range"):
        when("0001-01-01T00:30", BERLIN)


EARLY, LATE = "before 1970-01-01, the earliest", "after 2999-12-31, the latest"


@pytest.mark.parametrize(
    ("text", "zone", "limit"),
    [
        ("0001-01-01", UTC, EARLY),
        ("Jan 1 1800", UTC, EARLY),
        ("1969-12-31T23:59:59Z", UTC, EARLY),
        ("1970-01-01", BERLIN, EARLY),  # 1969-12-31T23:00Z
        ("3000-01-01", UTC, LATE),
        ("9999-12-31", UTC, LATE),
        ("9999-12-31T23:59:59-01:00", UTC, LATE),  # past year 9999 in UTC
        ("9999-12-31T23:30", NEW_YORK, LATE),
    ],
)
def test_instants_outside_1970_to_2999_are_refused(text: str, zone: tzinfo, limit: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        when(text, zone)
    assert caught.value.message == f"date out of range: {text!r} is {limit} time svcops keeps"
    assert caught.value.hint is None
    assert caught.value.exit_code == 2


def test_the_first_and_last_instants_are_accepted() -> None:
    assert when("1970-01-01T00:00:00Z") == EARLIEST
    assert when("2999-12-31T23:59:59Z") == LATEST
    assert when("tomorrow", now=utc(2999, 12, 30, 12)) == utc(2999, 12, 31)
    with pytest.raises(InvalidInput, match="is after 2999-12-31"):
        when("tomorrow", now=utc(2999, 12, 31, 12))


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("30m", "for that long ago write -30m or '30m ago'"),
        ("2h", "for that long ago write -2h or '2h ago'"),
        ("1h30m", "for that long ago write -1h30m or '1h30m ago'"),
    ],
)
def test_a_bare_duration_is_not_read_as_a_clock_time(text: str, hint: str) -> None:
    # dateutil alone would read "30m" as 00:30 today and "2h" as 02:00 today
    with pytest.raises(InvalidInput) as caught:
        when(text)
    assert caught.value.message == f"{text!r} is a duration, not a time"
    assert caught.value.hint == hint
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    "text", ["-1000000w", "-99999999999999w", "99999999999d ago", "-2w", "-" + "9" * 18 + "s"]
)
def test_offset_reaching_before_1970_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        when(text, now=utc(1970, 1, 10))
    assert caught.value.message == f"date out of range: {text!r} reaches too far back"
    assert caught.value.exit_code == 2


# a minus sign before a bare number once fell through to dateutil, which dropped the '-'
# and read '-15' as the 15th of the month and '-90' as 1990
@pytest.mark.parametrize("text", ["-15", "-90", "- 2026"])
def test_minus_a_bare_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="needs a unit") as caught:
        when(text)
    assert caught.value.hint is not None and "m," in caught.value.hint


def test_unknown_zone_abbreviation_is_refused_without_a_warning() -> None:
    # dateutil does not know EST: it would warn and silently read 14:00 in the configured zone
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(InvalidInput, match="unknown time zone in date") as caught:
            when("Nov 2 2026 2pm EST", UTC)
    assert seen == []
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
    assert "-05:00" in caught.value.hint


def test_zone_name_dateutil_knows_is_honoured() -> None:
    assert when("Nov 2 2026 2pm UTC", BERLIN) == utc(2026, 11, 2, 14, 0)


# --- properties ----------------------------------------------------------------------------

ZONES = [UTC, BERLIN, NEW_YORK, KOLKATA]
instants = st.datetimes(
    min_value=datetime(1970, 1, 2),  # the wall time 1970-01-01 00:00 in Kolkata is before 1970
    max_value=datetime(2100, 12, 31, 23, 59, 59),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
).map(lambda d: d.replace(microsecond=0))


@PROPERTY_SETTINGS
@given(moment=instants, zone=st.sampled_from(ZONES))
def test_format_instant_round_trips(moment: datetime, zone: tzinfo) -> None:
    text = format_instant(moment)
    assert text.endswith("Z")
    result = when(text, zone)
    assert result.tzinfo is UTC
    assert result == moment.astimezone(UTC)
    assert format_instant(result) == text


@PROPERTY_SETTINGS
@example(instant=datetime(2026, 10, 25, 0, 30, tzinfo=UTC), zone=BERLIN)  # 02:30 CEST
@example(instant=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), zone=BERLIN)  # 02:30 CET, again
@example(instant=datetime(2026, 11, 1, 6, 30, tzinfo=UTC), zone=NEW_YORK)  # 01:30 EST, again
@given(
    instant=st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 12, 31, 23, 59, 59),
        timezones=st.just(UTC),
    ).map(lambda d: d.replace(microsecond=0, fold=0)),
    zone=st.sampled_from(ZONES),
)
def test_naive_iso_is_read_in_the_zone(instant: datetime, zone: tzinfo) -> None:
    local = instant.astimezone(zone)
    wall = local.replace(tzinfo=None)
    result = when(wall.isoformat(), zone)
    # the wall time always comes back
    assert result.astimezone(zone).replace(tzinfo=None) == wall
    if local.fold:
        # the second occurrence of a repeated hour is read as the first, one hour earlier
        # (every zone used here shifts by exactly one hour)
        assert result == instant - timedelta(hours=1)
    else:
        assert result == instant
    # with its offset written out, the instant itself always comes back
    assert when(local.isoformat(), zone) == instant


UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@PROPERTY_SETTINGS
@given(
    n=st.integers(0, 10_000),
    unit=st.sampled_from(sorted(UNIT_SECONDS)),
    zone=st.sampled_from(ZONES),
)
def test_relative_offset_property(n: int, unit: str, zone: tzinfo) -> None:
    expected = NOW - timedelta(seconds=n * UNIT_SECONDS[unit])
    if expected < EARLIEST:  # 10,000 weeks reach back to 1835
        for text in (f"-{n}{unit}", f"{n}{unit} ago"):
            with pytest.raises(InvalidInput, match="reaches too far back"):
                when(text, zone)
        return
    assert when(f"-{n}{unit}", zone) == expected
    assert when(f"{n}{unit} ago", zone) == expected


@PROPERTY_SETTINGS
@given(days=st.integers(0, 400), hours=st.integers(0, 48), minutes=st.integers(0, 120))
def test_compound_relative_offset_property(days: int, hours: int, minutes: int) -> None:
    expected = NOW - timedelta(days=days, hours=hours, minutes=minutes)
    assert when(f"-{days}d{hours}h{minutes}m") == expected
    assert when(f"{days}d {hours}h {minutes}m ago") == expected


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),
        ("4h", 14400),
        ("3d", 259200),
        ("2w", 1209600),
        ("45s", 45),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        (" 2D ", 172800),
        ("1 hour", 3600),
        ("2 days 3 hours", 183600),
        ("90", 90),
        ("0", 0),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "m", "-5m", "1h-30m", "1.5h", "15m!", "²", "²m", "٣h", "1_000s",
     "9" * 5000, "9" * 5000 + "m", "9" * 19 + "s"],
)  # fmt: skip
def test_parse_duration_refuses_bad_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="cannot read duration") as caught:
        parse_duration(text)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("text", ["1000000w", "32503680000", "99999999999d"])
def test_parse_duration_refuses_a_duration_longer_than_the_range_of_times(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text)
    message = f"duration {text!r} is longer than the span of times svcops keeps"
    assert caught.value.message == message
    assert caught.value.exit_code == 2


def test_huge_relative_offsets_are_one_error_not_a_crash() -> None:
    with pytest.raises(InvalidInput, match="cannot read duration"):
        when("-" + "9" * 5000 + "m")
    with pytest.raises(InvalidInput, match="cannot read duration"):
        when("9" * 5000 + "d ago")


def test_parse_duration_refuses_unknown_unit() -> None:
    with pytest.raises(InvalidInput, match="unknown time unit 'x'"):
        parse_duration("15x")


@PROPERTY_SETTINGS
@given(
    hours=st.integers(0, 10_000),
    minutes=st.integers(0, 10_000),
    gap=st.sampled_from(["", " "]),
)
def test_parse_duration_hours_minutes_property(hours: int, minutes: int, gap: str) -> None:
    assert parse_duration(f"{hours}h{gap}{minutes}m") == hours * 3600 + minutes * 60


@PROPERTY_SETTINGS
@given(
    days=st.integers(0, 400),
    hours=st.integers(0, 23),
    minutes=st.integers(0, 59),
    seconds=st.integers(0, 59),
)
def test_parse_duration_all_units_property(
    days: int, hours: int, minutes: int, seconds: int
) -> None:
    text = f"{days}d{hours}h{minutes}m{seconds}s"
    assert parse_duration(text) == days * 86400 + hours * 3600 + minutes * 60 + seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0, "0s"),
        (45, "45s"),
        (59.4, "59s"),
        (59.6, "1m"),
        (720, "12m"),
        (750, "12m"),
        (3600, "1h 00m"),
        (11100, "3h 05m"),
        (86400, "1d 00h"),
        (187200, "2d 04h"),
        (189000, "2d 04h"),
        (-90, "-1m"),
        (-11100, "-3h 05m"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


# --- instants out --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (utc(2026, 11, 23, 16, 0), "2026-11-23T16:00:00Z"),
        (datetime(2026, 11, 2, 14, 5, tzinfo=BERLIN), "2026-11-02T13:05:00Z"),
        (datetime(2026, 7, 1, 12, 0, tzinfo=BERLIN), "2026-07-01T10:00:00Z"),
        (datetime(2026, 11, 23, 16, 0, 0, 999_999, tzinfo=UTC), "2026-11-23T16:00:00Z"),
        (datetime(2026, 11, 2, 14, 5, tzinfo=KOLKATA), "2026-11-02T08:35:00Z"),
    ],
)
def test_format_instant(moment: datetime, text: str) -> None:
    assert format_instant(moment) == text


# --- zones ---------------------------------------------------------------------------------


def test_load_zone_by_name() -> None:
    zone = load_zone("Europe/Berlin")
    assert zone == BERLIN
    assert datetime(2026, 11, 23, 12, 0, tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 7, 1, 12, 0, tzinfo=zone).utcoffset() == timedelta(hours=2)


def test_load_zone_utc() -> None:
    zone = load_zone("UTC")
    assert datetime(2026, 7, 1, 12, 0, tzinfo=zone).utcoffset() == timedelta(0)


@pytest.mark.parametrize("name", [None, ""])
def test_load_zone_without_a_name_is_the_system_zone(name: str | None) -> None:
    zone = load_zone(name)
    assert isinstance(zone, tzinfo)
    offset = datetime(2026, 11, 23, 12, 0, tzinfo=zone).utcoffset()
    assert offset is not None
    assert abs(offset) <= timedelta(hours=14)


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe/berlin_", "../etc/passwd", "/abs"])
def test_load_zone_refuses_unknown_zones(name: str) -> None:
    with pytest.raises(InvalidInput, match="unknown time zone") as caught:
        load_zone(name)
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
    assert "Europe/Berlin" in caught.value.hint
