"""The sums of one group in one piece of a report's time (services/report_days.py): counts,
sorted durations and the clocks of records cancelled later, as kept in `report_day`, and a
period's statistics from its pieces' sorted durations."""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DURATIONS = ("first_response_s", "resolution_s")
Durations = list["array[int]"]  # a group's pieces' sorted durations of one kind


@dataclass
class Sums:
    """One group's sums in one piece, its durations (sorted once the piece is done) and the
    clocks decided of its records cancelled later: (cancelled at, clock, met)."""

    counts: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    # durations in seconds, as arrays (8 bytes a value, not a Python int each)
    response: array[int] = field(default_factory=lambda: array("q"))
    resolution: array[int] = field(default_factory=lambda: array("q"))
    cancelled: list[tuple[int, str, bool]] = field(default_factory=list)

    def encode(self) -> tuple[str, bytes]:
        values = array("q", [len(self.response)]) + self.response + self.resolution
        sums = {"counts": dict(self.counts), "cancelled": self.cancelled}
        return json.dumps(sums, sort_keys=True), values.tobytes()

    @classmethod
    def decode(cls, sums: str | None, durations: bytes | None) -> Sums:
        values = array("q")
        values.frombytes(durations or b"")
        split = 1 + values[0] if values else 1
        found = json.loads(sums or "{}")
        cancelled = [(int(a), str(c), bool(m)) for a, c, m in found.get("cancelled", [])]
        counts = defaultdict(float, found.get("counts", {}))
        return cls(counts, values[1:split], values[split:], cancelled)


def add(into: defaultdict[str, float], sums: Mapping[str, float]) -> None:
    for name, value in sums.items():
        if value:
            into[name] += value


def with_stats(
    counts: Mapping[str, float], response: list[array[int]], resolution: list[array[int]]
) -> dict[str, Any]:
    """The sums, and each duration's count, mean, median and 90th percentile as the report's
    statistics take them (linear interpolation between closest ranks), from the pieces'
    sorted durations: each rank found by bisection, without merging them."""
    found: dict[str, Any] = dict(counts)
    for metric, parts in zip(DURATIONS, (response, resolution), strict=True):
        parts = [part for part in parts if part]
        n = sum(len(part) for part in parts)
        if not n:
            continue
        found[f"{metric}.n"] = n
        found[f"{metric}.mean"] = sum(sum(part) for part in parts) / n
        for name, numerator, denominator in (("median", 1, 2), ("p90", 9, 10)):
            rank, fraction = divmod((n - 1) * numerator, denominator)
            found[f"{metric}.{name}_lo"] = _kth(parts, rank)
            found[f"{metric}.{name}_hi"] = _kth(parts, rank + 1) if rank + 1 < n else None
            found[f"{metric}.{name}_frac{denominator}"] = fraction
    return found


def _kth(parts: Sequence[array[int]], k: int) -> int:
    """The k-th smallest value (from 0) of sorted arrays: the least v with more than k
    values up to it."""
    low, high = min(part[0] for part in parts), max(part[-1] for part in parts)
    while low < high:
        middle = (low + high) // 2
        if sum(bisect_right(part, middle) for part in parts) > k:
            high = middle
        else:
            low = middle + 1
    return low
