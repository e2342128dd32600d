"""Business-hours calendars and business-time arithmetic (PRODUCT.md section 7).

Instants are int epoch seconds (UTC), 1970-01-01T00:00Z to LATEST (9999-12-30T00:00Z). Ranges are
local wall times listed earliest first: overlapping or out-of-order ones are refused, touching ones
(09:00-12:00,12:00-17:00) merged; 24:00 only ends a range, and one ending at 24:00 runs on into a
next day's starting at 00:00. Each bound of a local day goes to UTC by zoneinfo's fold=0 reading:
a time in a gap takes the offset before the change (02:30 on Berlin's spring-forward day is 03:30
CEST), a repeated time its first pass; a range left empty is dropped, spans left overlapping are
joined. A holiday closes its whole local day. Spans are built a local year at a time as queries
need them (starts, ends, open seconds before each; read with bisect); from 2100 or the last
holiday a zone's rules repeat every 400 years (whole weeks), so far targets jump whole cycles. An
always-open calendar (every day 00:00-24:00, no holidays, any zone) is plain arithmetic.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.domain.timeparse import load_zone

ALWAYS_OPEN = "24x7"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Ranges = tuple[tuple[int, int], ...]  # minutes of the day, start < end <= 1440

_DAY = 86400
_EPOCH = date(1970, 1, 1).toordinal()
_LAST_DAY = date(9999, 12, 31).toordinal()  # never built: its 24:00 would be in year 10000
LATEST = (_LAST_DAY - 1 - _EPOCH) * _DAY
_CYCLE = 146097 * _DAY  # 400 Gregorian years: weekdays, dates and yearly zone rules repeat
_RULES_FROM = 2100  # no zone has one-off transitions this late: each only repeats its rule
_RANGE = re.compile(r"(\d{1,2}):(\d\d)\s*-\s*(\d{1,2}):(\d\d)")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_OUTSIDE = "instant {} is outside the times a calendar covers (1970 to 9999)"


def _jan1(year: int) -> int:
    return date(year, 1, 1).toordinal() if year <= 9999 else _LAST_DAY


def _year(at: int) -> int:
    return date.fromordinal(_EPOCH + at // _DAY).year


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` sorted, without empty ones, overlapping and touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged


def _text(ranges: Iterable[tuple[int, int]]) -> str:
    return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges)


class Calendar:
    """Open time in a zone; logically immutable (only its caches of spans grow)."""

    def __init__(
        self, name: str, zone: str, week: Sequence[Ranges], holidays: Iterable[date] = ()
    ) -> None:
        self.name, self.zone, self.week = name, zone, tuple(tuple(day) for day in week)
        self.holidays = tuple(sorted(set(holidays)))
        self.always_open = not self.holidays and all(d == ((0, 1440),) for d in self.week)
        self._tz = load_zone(zone)
        self._closed = frozenset(day.toordinal() for day in self.holidays)
        days = [f"{d}={_text(r)}" for d, r in zip(DAYS, self.week, strict=True)]
        self._fingerprint = ";".join([zone, *days, "holidays=" + ",".join(map(str, self.holidays))])
        self._starts, self._ends = list[int](), list[int]()  # the open spans built, in order
        self._cum = [0]  # open seconds before span i, and after the last one
        self._years = (0, 0)  # the local years built, [first, stop)
        self._lo, self._hi = 1, 0  # the instants the spans built describe completely
        first_cycle = max([_RULES_FROM, *(day.year + 1 for day in self.holidays)])
        self._t0 = (_jan1(first_cycle) - _EPOCH + 1) * _DAY
        self._fold_at = self._t0 + _CYCLE if first_cycle + 400 <= 9999 else LATEST + 1
        self._per_cycle = 0  # open seconds in a cycle from _t0, once needed

    def open_between(self, start: int, end: int) -> int:
        """Open (business) seconds in [start, end); 0 when end <= start."""
        if end <= start:
            return 0
        if self.always_open:
            return end - start
        return self._f(end) - self._f(start)

    def add(self, start: int, seconds: int) -> int:
        """The earliest instant T >= start with open_between(start, T) == seconds; for
        seconds > 0 the second just before T is open (T is never in closed time)."""
        if seconds < 0:
            raise InvalidInput(f"cannot add a negative amount of open time ({seconds}s)")
        if self.always_open or not seconds:
            return start + seconds
        target, found = self._f(start) + seconds, LATEST + 1
        while True:
            if self._hi >= self._fold_at and target > (top := self._g(self._fold_at)):
                cycles = -(-(target - top) // self._cycle_open())  # jump whole cycles
                found = self._find(target - cycles * self._per_cycle) + cycles * _CYCLE
                break
            if self._cum[-1] >= target and (found := self._find(target)) <= self._hi:
                return found
            if self._years[1] > 9999:  # then found, if any, lies past _hi: LATEST
                break
            self._extend(self._years[1], self._years[1] + 1)
        if found > LATEST:
            raise InvalidInput(f"{seconds}s of open time from {start} end after 9999-12-30")
        return found

    def is_open(self, at: int) -> bool:
        """Whether the second [at, at + 1) is open time."""
        return self.always_open or self._f(at + 1) - self._f(at) == 1

    def fingerprint(self) -> str:
        """Stable text of the definition (zone, hours, holidays), for caches."""
        return self._fingerprint

    def describe(self) -> str:
        """One human line, e.g. "Europe/Berlin, mon-fri 09:00-17:00, 3 holidays"."""
        parts = [self.zone, "always open"] if self.always_open else [self.zone]
        for ranges, group in groupby(range(7), key=lambda i: self.week[i]):
            days = [DAYS[i] for i in group]
            if ranges and not self.always_open:
                parts.append(f"{'-'.join(dict.fromkeys((days[0], days[-1])))} {_text(ranges)}")
        if count := len(self.holidays):
            parts.append(f"{count} holiday{'s' if count > 1 else ''}")
        return ", ".join(parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Calendar) and other._fingerprint == self._fingerprint

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    def __repr__(self) -> str:
        return f"Calendar({self.name!r}: {self.describe()})"

    def _f(self, at: int) -> int:
        """Open seconds before `at`, counted from an arbitrary origin."""
        if at >= self._fold_at:
            if at > LATEST:
                raise InvalidInput(_OUTSIDE.format(at))
            cycles = (at - self._t0) // _CYCLE
            return self._g(at - cycles * _CYCLE) + cycles * self._cycle_open()
        return self._g(at)

    def _g(self, at: int) -> int:
        if not self._lo <= at <= self._hi:
            self._cover(at)
        i = bisect_right(self._starts, at) - 1
        return self._cum[i] + min(at, self._ends[i]) - self._starts[i] if i >= 0 else self._cum[0]

    def _find(self, target: int) -> int:
        """The first instant with `target` open seconds before it (among the spans built)."""
        i = bisect_left(self._cum, target, 1) - 1
        return self._starts[i] + target - self._cum[i]

    def _cycle_open(self) -> int:
        if not self._per_cycle:
            self._per_cycle = self._g(self._fold_at) - self._g(self._t0)
        return self._per_cycle

    def _cover(self, at: int) -> None:
        if not 0 <= at <= LATEST:
            raise InvalidInput(_OUTSIDE.format(at))
        first, stop = _year(at - _DAY), _year(at + _DAY) + 1  # a day's spans lie within ±15h
        built_first, built_stop = self._years if self._years[1] else (first, first)
        if first < built_first:
            self._extend(first, built_first)
        if stop > built_stop:
            self._extend(built_stop, stop)

    def _extend(self, first: int, stop: int) -> None:
        """Build the spans of the local years [first, stop), next to the years built."""
        new = _merge(self._day_spans(_jan1(first), _jan1(stop)))
        (built_first, built_stop), starts, ends = self._years, self._starts, self._ends
        old: list[tuple[int, int]] = []
        keep, cum = None, self._cum
        if built_stop and first == built_stop:  # after the rest: what was counted stays
            while new and ends and ends[-1] >= new[0][0]:
                old.append((starts.pop(), ends.pop()))
                cum.pop()
        elif built_stop:  # before the rest (rare): built afresh, then shifted to the old origin
            keep, old = (self._hi, self._g(self._hi)), list(zip(starts, ends, strict=True))
            del starts[:], ends[:], cum[1:]
        self._years = (min(first, built_first or first), max(stop, built_stop))
        total = cum[-1]
        for start, end in _merge(old + new) if old else new:
            starts.append(start)
            ends.append(end)
            total += end - start
            cum.append(total)
        self._lo = max(0, (_jan1(self._years[0]) - _EPOCH + 1) * _DAY)
        self._hi = min(LATEST, (_jan1(self._years[1]) - _EPOCH - 1) * _DAY)
        if keep:
            shift = keep[1] - self._g(keep[0])
            cum[:] = [value + shift for value in cum]

    def _day_spans(self, first: int, stop: int) -> list[tuple[int, int]]:
        spans, tz = [], self._tz
        for ordinal in range(first, min(stop, _LAST_DAY)):
            ranges = self.week[(ordinal - 1) % 7]
            if not ranges or ordinal in self._closed:
                continue
            day = date.fromordinal(ordinal)
            for a, b in ranges:  # b == 1440 is 00:00 the next day
                start = datetime(day.year, day.month, day.day, a // 60, a % 60, tzinfo=tz)
                end = datetime.combine(day + timedelta(b // 1440), time(b // 60 % 24, b % 60), tz)
                spans.append((int(start.timestamp()), int(end.timestamp())))
        return spans


TWENTY_FOUR_SEVEN = Calendar(ALWAYS_OPEN, "UTC", [((0, 1440),)] * 7)


def parse_ranges(text: str) -> Ranges:
    """'08:00-12:00,13:00-17:00' -> ((480, 720), (780, 1020)) minutes of the day; '' -> ()
    (closed). Ranges come earliest first, touching ones are merged; InvalidInput otherwise."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(",") if text.strip() else ():
        a, b = _range(part.strip(), f'"{text}"')
        if ranges and a < ranges[-1][1]:
            what = "are out of order" if b <= ranges[-1][0] else "overlap"
            both = f"{_text(ranges[-1:])} and {_text([(a, b)])}"
            raise InvalidInput(f'"{text}": ranges {what} ({both})', hint="list them earliest first")
        touching = ranges and a == ranges[-1][1]  # merged with the one before
        ranges[-1:] = [(ranges[-1][0], b)] if touching else [*ranges[-1:], (a, b)]
    return tuple(ranges)


def _range(part: str, shown: str) -> tuple[int, int]:
    match = _RANGE.fullmatch(part)
    if not match:
        raise InvalidInput(f'{shown}: cannot read "{part}"; write a range like 09:00-17:00')
    h1, m1, h2, m2 = map(int, match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if minute > 59 or hour * 60 + minute > 1440:
            hint = "hours run 00 to 23 and minutes 00 to 59; 24:00 ends a day"
            raise InvalidInput(f"{shown}: no time of day is {hour:02d}:{minute:02d}", hint=hint)
    a, b = h1 * 60 + m1, h2 * 60 + m2
    if a == 1440:
        hint = "start it at 00:00 on the next day"
        raise InvalidInput(f"{shown}: a range cannot start at 24:00, the end of the day", hint=hint)
    if b <= a:
        split = f"split it as {_text([(a, 1440)])} and {_text([(0, b)])} the next day"
        why = f"a range cannot cross midnight: {split}" if b < a else "for all day: 00:00-24:00"
        raise InvalidInput(f"{shown}: {part}: a range ends after it starts; {why}")
    return a, b


def parse_calendar(name: str, table: Mapping[str, Any]) -> Calendar:
    """A calendar from its config table ([calendars.NAME]); InvalidInput naming the key."""
    where = f"calendars.{name}"
    if name == ALWAYS_OPEN:
        raise InvalidInput(f"{where}: {ALWAYS_OPEN} is built in (always open, UTC); rename it")
    if unknown := [key for key in table if key not in ("time_zone", "hours", "holidays")]:
        hint = "a calendar has time_zone, hours and holidays"
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}", hint=hint)
    if (zone := table.get("time_zone")) is None:
        raise InvalidInput(f"{where}: time_zone is required", hint='e.g. "Europe/Berlin"')
    if not isinstance(zone, str) or not zone.strip():
        raise InvalidInput(f"{where}.time_zone: expected a zone name, got {zone!r}")
    hours, week = table.get("hours", {}), list[Ranges]([()] * 7)
    if not isinstance(hours, Mapping):
        raise InvalidInput(f'{where}.hours: expected a table such as {{ mon = "09:00-17:00" }}')
    try:
        at = f"{where}.time_zone"
        load_zone(zone)
        for day, text in hours.items():
            at = f"{where}.hours" if day not in DAYS else f"{where}.hours.{day}"
            if day not in DAYS:
                raise InvalidInput(f"unknown day {day!r}", hint="the days: " + " ".join(DAYS))
            if not isinstance(text, str):
                raise InvalidInput(f'expected text such as "09:00-17:00", got {text!r}')
            week[DAYS.index(day)] = parse_ranges(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{at}: {exc.message}", hint=exc.hint) from None
    if not any(week):
        raise InvalidInput(f"{where} has no open hours: every target would be unreachable")
    return Calendar(name, zone, week, _holidays(table.get("holidays", []), f"{where}.holidays"))


def _holidays(items: object, where: str) -> list[date]:
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise InvalidInput(f'{where}: expected a list of dates such as ["2026-12-25"]')
    days = [item for item in items if type(item) is date]  # a datetime is no date here
    for item in (item for item in items if type(item) is not date):
        text = item.strip() if isinstance(item, str) else ""
        try:
            days.append(date.fromisoformat(text if _ISO_DATE.fullmatch(text) else "?"))
        except ValueError:
            raise InvalidInput(f"{where}: {item!r} is not a date such as 2026-12-25") from None
    return days
