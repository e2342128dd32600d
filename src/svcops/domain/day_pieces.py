"""A report's time in pieces of local days (services/report_days.py): its periods cut at
every local midnight of the configured zone, each piece within one day, so that the sums of a
whole day can be kept and added up into any period made of days, and a row's piece is plain
arithmetic on its time (the zone's UTC offsets over a run of days: `segments`).

Local midnights are read as zoneinfo reads them (fold=0), as the report's periods are
(services/report_periods.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Piece:
    """A stretch of a report's time within one local day: [starts, ends); `day`: the local
    day number; `whole`: the whole day, ended by the report's now (kept)."""

    starts: int
    ends: int
    day: int
    whole: bool


def cut(spans: Sequence[tuple[int, int]], zone: tzinfo, now: int) -> list[Piece]:
    """The pieces of the periods' time (`spans`: [since, until) each, in epoch seconds):
    every span cut at each local midnight of `zone`."""
    bounds: set[int] = set()
    for since, until in spans:
        bounds.update((since, until))
        bounds.update(_midnights(since, until, zone))
    edges = sorted(bounds)
    pieces = []
    for starts, ends in pairwise(edges):
        if not any(a <= starts and ends <= b for a, b in spans):
            continue  # a gap between periods
        local = datetime.fromtimestamp(starts, zone)
        day = (local.date() - _EPOCH).days
        whole = (
            ends <= now
            and starts == _midnight(local.date(), zone)
            and ends == _midnight(local.date() + timedelta(days=1), zone)
        )
        pieces.append(Piece(starts, ends, day, whole))
    return pieces


def _midnight(day: date, zone: tzinfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


def _midnights(since: int, until: int, zone: tzinfo) -> Iterable[int]:
    day = datetime.fromtimestamp(since, zone).date() + timedelta(days=1)
    while (moment := _midnight(day, zone)) < until:
        yield moment
        day += timedelta(days=1)


def runs(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """The pieces in runs: consecutive, each a different local day (a run is read in one
    statement, each row's piece by its local day number)."""
    found: list[list[Piece]] = []
    for piece in pieces:
        if found and found[-1][-1].ends == piece.starts and found[-1][-1].day != piece.day:
            found[-1].append(piece)
        else:
            found.append([piece])
    return found


def segments(run: Sequence[Piece], zone: tzinfo) -> list[tuple[int, int]]:
    """The zone's UTC offsets over a run: (from, offset) each, from the run's start."""

    def offset(moment: int) -> int:
        found = datetime.fromtimestamp(moment, zone).utcoffset()
        return int(found.total_seconds()) if found else 0

    found = [(run[0].starts, offset(run[0].starts))]
    previous = run[0].starts
    for piece in run:
        for moment in (piece.starts, piece.ends - 1):
            if (now := offset(moment)) != found[-1][1]:
                found.append((_change(previous, moment, zone), now))
            previous = moment
    return found


def _change(after: int, before: int, zone: tzinfo) -> int:
    """The first second in (after, before] with the offset at `before` (a bisection)."""
    target = datetime.fromtimestamp(before, zone).utcoffset()
    low, high = after, before
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high
