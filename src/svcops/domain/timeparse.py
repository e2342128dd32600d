"""Dates and durations as people and scripts type them.

Accepted instants: `now`, `today`, `yesterday`, `tomorrow`; relative offsets into the past
such as `-30m`, `-12h`, `-7d`, `-2w` (also `30m ago`); ISO 8601; and anything python-dateutil
parses unambiguously (`2026-11-02 14:05`, `Nov 2 2026 2pm`). A date whose day and month could be
swapped (`03/04/2026`) is refused rather than guessed. Naive times are read in the configured
time zone; every result is an aware UTC datetime to the second, from EARLIEST up to LATEST:
times are stored as epoch seconds, and a year-1 or year-9999 instant is a typing mistake that
the arithmetic of reports (a previous period, a bucket, a zone's offset) cannot take.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache

from svcops.domain.errors import InvalidInput
from svcops.domain.numbers import whole_number

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # the epoch: times are stored as seconds since
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
LONGEST = int((LATEST - EARLIEST).total_seconds())  # no duration outlasts the range of times

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_UNIT_WORDS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
}  # fmt: skip
_DURATION = re.compile(r"(\d+)\s*([a-z]+)")
_DURATION_ONLY = re.compile(r"^(?:\d+\s*[a-z]+\s*)+$")


def _unit_seconds(word: str, text: str) -> int:
    unit = _UNIT_WORDS.get(word)
    if unit is None:
        raise InvalidInput(f"unknown time unit {word!r} in {text!r}; use s, m, h, d or w")
    return _UNITS[unit]


def parse_duration(text: str, *, shown: str | None = None) -> int:
    """Seconds in a duration such as `15m`, `4h`, `3d`, `1h30m` or a bare number of seconds.

    `shown` is the text to quote in errors (what the user typed, when `text` is part of it).
    """
    shown = shown if shown is not None else text
    seconds = _seconds(text.strip().lower(), shown)
    if seconds > LONGEST:
        raise InvalidInput(f"duration {shown!r} is longer than the span of times svcops keeps")
    return seconds


def _seconds(cleaned: str, shown: str) -> int:
    parts = [(cleaned, "s")] if cleaned.isdigit() else _DURATION.findall(cleaned)
    if not parts or (not cleaned.isdigit() and _DURATION.sub("", cleaned).strip()):
        raise InvalidInput(f"cannot read duration {shown!r}; write it like 15m, 4h, 3d or 1h30m")
    total = 0
    for amount, unit in parts:
        number = whole_number(amount)
        if number is None:  # '²' passes isdigit(); a thousand digits are no one's duration
            raise InvalidInput(
                f"cannot read duration {shown!r}; write it like 15m, 4h, 3d or 1h30m"
            )
        total += number * _unit_seconds(unit, shown)
    return total


def format_duration(seconds: float | None) -> str:
    """A short human form of a duration: `45s`, `12m`, `3h 05m`, `2d 04h`."""
    if seconds is None:
        return "–"
    total = round(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m"
    return f"{sign}{secs}s"


def _midnight(day: datetime, tz: tzinfo) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=tz)


def parse_when(text: str, *, now: datetime, tz: tzinfo) -> datetime:
    """The UTC instant a user means by `text`, relative to `now` and read in `tz`; InvalidInput
    when it cannot be read or falls outside EARLIEST..LATEST."""
    stripped = text.strip()
    if stripped[:1].isdigit():  # the common case, and the one bulk imports repeat: ISO 8601
        try:
            moment = datetime.fromisoformat(stripped)
        except ValueError:
            pass
        else:
            if moment.tzinfo is UTC and not moment.microsecond and EARLIEST <= moment <= LATEST:
                return moment  # the exports' own form (...Z): nothing to convert or round
            return utc_instant(moment, tz, text)
    cleaned = stripped.lower()
    if not cleaned:
        raise InvalidInput("empty date; use ISO 8601 (2026-11-02T14:05) or now, today, -2h")
    local_now = now.astimezone(tz)
    words = {
        "now": lambda: now,
        "today": lambda: _midnight(local_now, tz),
        "yesterday": lambda: _midnight(local_now - timedelta(days=1), tz),
        "tomorrow": lambda: _midnight(local_now + timedelta(days=1), tz),
    }
    if cleaned in words:
        return utc_instant(words[cleaned](), tz, text)
    ago = _relative(cleaned, text)
    if ago is not None:
        if ago > (now - EARLIEST).total_seconds():
            raise InvalidInput(f"date out of range: {text!r} reaches too far back")
        return utc_instant(now - timedelta(seconds=ago), tz, text)
    return utc_instant(_parse_absolute(stripped, local_now, tz), tz, text)


def parse_logged(text: str, tz: tzinfo, *, time_format: str | None, dayfirst: bool) -> datetime:
    """The UTC instant of a time an event log wrote: in `time_format` (strptime) when given,
    else ISO 8601, else read loosely (dayfirst as the log's mapping says); naive times in `tz`.
    InvalidInput when it cannot be read or falls outside EARLIEST..LATEST."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("empty time")
    try:
        if time_format:
            moment = datetime.strptime(cleaned, time_format)
        else:
            try:
                moment = datetime.fromisoformat(cleaned)
            except ValueError:
                from dateutil import parser as dateparser

                moment = dateparser.parse(cleaned, dayfirst=dayfirst)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"cannot read time {cleaned!r} ({exc})") from None
    return utc_instant(moment, tz, cleaned)


def check_range(moment: datetime, text: str) -> datetime:
    """`moment` (aware) when it lies within EARLIEST..LATEST, else InvalidInput quoting `text`."""
    if not EARLIEST <= moment <= LATEST:
        raise _out_of_range(text, early=moment < EARLIEST)
    return moment


def _out_of_range(text: str, *, early: bool) -> InvalidInput:
    limit = "before 1970-01-01, the earliest" if early else "after 2999-12-31, the latest"
    return InvalidInput(f"date out of range: {text.strip()!r} is {limit} time svcops keeps")


def _is_duration(text: str) -> bool:
    return bool(_DURATION_ONLY.match(text)) and all(
        unit in _UNIT_WORDS for _amount, unit in _DURATION.findall(text)
    )


def _relative(cleaned: str, text: str) -> int | None:
    """Seconds into the past for `-1h30m` or `90m ago`; None when `text` is not relative."""
    if re.fullmatch(r"-\s*\d+", cleaned):
        raise InvalidInput(
            f"{text.strip()!r} needs a unit",
            hint=f"write {cleaned.replace(' ', '')}m, {cleaned.replace(' ', '')}h or "
            f"{cleaned.replace(' ', '')}d",
        )
    # duration-shaped text with an unknown unit gets _seconds's "unknown time unit"
    if cleaned.startswith("-") and _DURATION_ONLY.match(cleaned[1:].strip()):
        return _seconds(cleaned[1:].strip(), text.strip())
    if cleaned.endswith(" ago") and _DURATION_ONLY.match(cleaned[:-4].strip()):
        return _seconds(cleaned[:-4].strip(), text.strip())
    if _is_duration(cleaned):
        raise InvalidInput(
            f"{text.strip()!r} is a duration, not a time",
            hint=f"for that long ago write -{cleaned.replace(' ', '')} or '{cleaned} ago'",
        )
    return None


def _parse_absolute(text: str, local_now: datetime, tz: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _parse_loose(text, _midnight(local_now, tz).replace(tzinfo=None))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def _parse_loose(text: str, default: datetime) -> datetime:
    """dateutil's reading of `text`, refused when day and month could be either way round."""
    from dateutil import parser as dateparser

    # a leading four-digit year (2026/11/02) can only be year, month, day
    year_first = re.match(r"^\s*\d{4}[-/.]", text) is not None
    try:
        with warnings.catch_warnings():
            # dateutil only warns about a zone name it does not know, then ignores it
            warnings.simplefilter("error", dateparser.UnknownTimezoneWarning)
            moment = dateparser.parse(text, default=default, dayfirst=False, yearfirst=year_first)
            swapped = (
                moment if year_first else dateparser.parse(text, default=default, dayfirst=True)
            )
    except dateparser.UnknownTimezoneWarning:
        raise InvalidInput(
            f"unknown time zone in date {text!r}",
            hint="give the offset instead, e.g. 2026-11-02T14:00-05:00",
        ) from None
    except (ValueError, OverflowError, dateparser.ParserError):
        raise InvalidInput(
            f"cannot read date {text!r}",
            hint="use ISO 8601 such as 2026-11-02T14:05, or now, today, yesterday, -2h, -7d",
        ) from None
    if moment != swapped:
        raise InvalidInput(
            f"ambiguous date {text!r}: day and month could be either way round",
            hint="use ISO 8601 such as 2026-11-02",
        )
    return moment


def utc_instant(moment: datetime, tz: tzinfo, text: str) -> datetime:
    """`moment` (read in `tz` when naive) in UTC, to the second; InvalidInput quoting `text`
    when it falls outside EARLIEST..LATEST."""
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)
    except (OverflowError, ValueError):  # a zone's offset took it past year 1 or year 9999
        raise _out_of_range(text, early=moment.year < 5000) from None
    return check_range(moment.replace(microsecond=0) if moment.microsecond else moment, text)


def format_instant(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, the form every machine output uses."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=32)
def load_zone(name: str | None) -> tzinfo:
    """The named IANA zone, or the system's own zone when no name is given."""
    if not name:
        from dateutil import tz as dateutil_tz

        return dateutil_tz.tzlocal()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise InvalidInput(
            f"unknown time zone {name!r}", hint="use an IANA name such as Europe/Berlin or UTC"
        ) from None
