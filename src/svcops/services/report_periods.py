"""The calendar buckets of a report grouped by day, week or month, in the display time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

TIME_GROUPS = ("day", "week", "month")


def buckets(
    unit: str, start: datetime, end: datetime, zone: tzinfo
) -> list[tuple[datetime, datetime, dict[str, Any]]]:
    """Calendar buckets in `zone` covering [start, end), clipped to it, plus the one before."""
    local = start.astimezone(zone)
    if unit == "day":
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit == "week":
        first = (local - timedelta(days=local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    else:
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    edges = [_step(unit, first, -1), first]
    while edges[-1] < end:
        edges.append(_step(unit, edges[-1], 1))
    buckets = []
    for lo, hi in pairwise(edges):
        clipped_lo = lo if lo < first else max(lo, start)
        clipped_hi = hi if lo < first else min(hi, end)
        buckets.append((clipped_lo, clipped_hi, {unit: _label(unit, lo)}))
    return buckets


def _step(unit: str, moment: datetime, steps: int) -> datetime:
    """`steps` calendar units from `moment` (a local midnight), still at local midnight."""
    naive = moment.replace(tzinfo=None)
    if unit == "day":
        naive += timedelta(days=steps)
    elif unit == "week":
        naive += timedelta(weeks=steps)
    else:
        month = naive.month - 1 + steps
        naive = naive.replace(year=naive.year + month // 12, month=month % 12 + 1)
    return naive.replace(tzinfo=moment.tzinfo)


def _label(unit: str, moment: datetime) -> str:
    if unit == "day":
        return moment.strftime("%Y-%m-%d")
    if unit == "week":
        year, week, _day = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return moment.strftime("%Y-%m")
