"""The metrics of PRODUCT.md section 3: their keys, meaning, direction and targets.

This module says what each figure is; svcops.store.reports computes them in SQL and
svcops.services.reports assembles the report. docs/metrics.md explains each in prose.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from svcops.domain.errors import InvalidInput


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"  # counts: context, not a goal


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "count", "seconds", "percent", "score"
    better: Better
    population: str


DURATION_STATS = ("median", "mean", "p90")

METRICS: tuple[Metric, ...] = (
    Metric("opened", "Opened", "count", Better.NEITHER, "records opened in the period"),
    Metric(
        "resolved", "Resolved", "count", Better.NEITHER, "records first resolved in the period"
    ),
    Metric("backlog", "Backlog at end", "count", Better.LOWER, "records open at the period's end"),
    Metric(
        "first_response_s", "First response", "seconds", Better.LOWER,
        "records opened in the period that have had a first response",
    ),
    Metric(
        "resolution_s", "Resolution time", "seconds", Better.LOWER,
        "records first resolved in the period",
    ),
    Metric(
        "fcr_pct", "First contact resolution", "percent", Better.HIGHER,
        "records first resolved in the period with at least one inbound customer contact",
    ),
    Metric(
        "reopen_pct", "Reopened", "percent", Better.LOWER, "records first resolved in the period"
    ),
    Metric("csat_pct", "CSAT (4-5)", "percent", Better.HIGHER, "responses with a csat score"),
    Metric("csat_mean", "CSAT mean", "score", Better.HIGHER, "responses with a csat score"),
    Metric("ces_mean", "CES mean", "score", Better.LOWER, "responses with a ces score"),
    Metric(
        "ces_low_effort_pct", "Low effort (CES 1-3)", "percent", Better.HIGHER,
        "responses with a ces score",
    ),
    Metric("sqs", "Service quality", "score", Better.HIGHER, "responses with a quality score"),
    Metric("responses", "Responses", "count", Better.NEITHER, "feedback received in the period"),
    Metric(
        "response_rate_pct", "Response rate", "percent", Better.HIGHER,
        "records first resolved in the period",
    ),
    Metric(
        "sla_response_pct", "SLA first response met", "percent", Better.HIGHER,
        "records whose response SLA was decided in the period",
    ),
    Metric(
        "sla_resolution_pct", "SLA resolution met", "percent", Better.HIGHER,
        "records whose resolution SLA was decided in the period",
    ),
    Metric(
        "on_time_pct", "Delivered on time", "percent", Better.HIGHER,
        "requests with a due date delivered in the period",
    ),
)  # fmt: skip
# Problems are not customer cases: their own figures (PRODUCT.md 3), reported with --kind problem
PROBLEM_METRICS: tuple[Metric, ...] = (
    Metric("opened", "Opened", "count", Better.NEITHER, "problems opened in the period"),
    Metric(
        "resolved", "Resolved", "count", Better.NEITHER, "problems first resolved in the period"
    ),
    Metric("backlog", "Open at end", "count", Better.LOWER, "problems open at the period's end"),
    Metric(
        "known_errors", "Known errors at end", "count", Better.NEITHER,
        "problems in the known-error register at the period's end",
    ),
    Metric(
        "incidents_linked", "Incidents linked", "count", Better.NEITHER,
        "incidents opened in the period that are linked to a problem",
    ),
    Metric(
        "time_to_known_error_s", "Time to known error", "seconds", Better.LOWER,
        "problems that first became known errors in the period",
    ),
)  # fmt: skip
BY_KEY = {metric.key: metric for metric in METRICS}
PROBLEM_BY_KEY = {metric.key: metric for metric in PROBLEM_METRICS}


def metrics_of(kinds: tuple[str, ...]) -> dict[str, Metric]:
    """The figures a report over these kinds has, by key."""
    return PROBLEM_BY_KEY if kinds == ("problem",) else BY_KEY


GROUPS = (
    "team", "assignee", "service", "category", "channel", "priority", "kind", "model",
    "customer", "day", "week", "month",
)  # fmt: skip


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th quantile (0-1) by linear interpolation between closest ranks: the reference
    definition (numpy's default, PostgreSQL's percentile_cont). None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ---- targets ------------------------------------------------------------------------------

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}  # fmt: skip
_TARGET = re.compile(r"^\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Target:
    metric: str  # "csat_pct" or "first_response_s.p90"
    op: str
    value: float

    def met(self, figure: float | None) -> bool | None:
        """Whether `figure` meets the target; None when there is no figure to judge."""
        if figure is None:
            return None
        return _COMPARISONS[self.op](figure, self.value)

    def __str__(self) -> str:
        value = int(self.value) if self.value.is_integer() else self.value
        return f"{self.metric} {self.op} {value}"


def parse_target(metric: str, text: str) -> Target:
    """A target from the config: ("csat_pct", ">= 85"), ("first_response_s.p90", "<= 14400")."""
    base, _, stat = metric.partition(".")
    known = BY_KEY.get(base) or PROBLEM_BY_KEY.get(base)
    if (
        known is None
        or (stat and (known.unit != "seconds" or stat not in DURATION_STATS))
        or (known.unit == "seconds" and not stat)
    ):
        raise InvalidInput(
            f"unknown target metric {metric!r}",
            hint="use a metric key such as csat_pct, or first_response_s.p90 for durations",
        )
    match = _TARGET.match(str(text))
    if match is None:
        raise InvalidInput(f'target {metric} = {text!r}: write it like ">= 85" or "<= 3"')
    return Target(metric, match.group(1), float(match.group(2)))
