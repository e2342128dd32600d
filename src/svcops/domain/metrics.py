"""The metrics of PRODUCT.md section 3: their keys, meaning, direction and targets.

This module says what each figure is, with the numbers its formula uses; svcops.store.reports
computes them in SQL (those numbers bound as parameters) and svcops.services.reports assembles
the report. docs/metrics.md explains each in prose.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from svcops.domain.errors import InvalidInput
from svcops.domain.feedback import CES, CSAT, QUALITY


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "count", "seconds" (median, mean, p90), "duration" (a total), "percent", "score"
    population: str
    # the numbers of its formula, by name: the report's SQL takes them as bound parameters
    parameters: tuple[tuple[str, float], ...] = ()


DURATION_STATS = ("median", "mean", "p90")
SATISFIED_FROM = 4  # csat_pct counts the csat scores from here to the top of the scale
LOW_EFFORT_UP_TO = 3  # ces_low_effort_pct counts the ces scores from the bottom up to here

METRICS: tuple[Metric, ...] = (
    Metric("opened", "Opened", "count", "records opened in the period"),
    Metric("resolved", "Resolved", "count", "records first resolved in the period"),
    Metric("backlog", "Backlog at end", "count", "records open at the period's end"),
    Metric(
        "first_response_s",
        "First response",
        "seconds",
        "records opened in the period that have had a first response",
    ),
    Metric(
        "resolution_s",
        "Resolution time",
        "seconds",
        "records first resolved in the period",
    ),
    Metric(
        "fcr_pct",
        "First contact resolution",
        "percent",
        "records first resolved in the period with at least one inbound customer contact",
    ),
    Metric("reopen_pct", "Reopened", "percent", "records first resolved in the period"),
    Metric(
        "csat_pct",
        f"CSAT ({SATISFIED_FROM}-{CSAT.high})",
        "percent",
        "responses with a csat score",
        (("satisfied_from", SATISFIED_FROM),),
    ),
    Metric("csat_mean", "CSAT mean", "score", "responses with a csat score"),
    Metric("ces_mean", "CES mean", "score", "responses with a ces score"),
    Metric(
        "ces_low_effort_pct",
        f"Low effort (CES {CES.low}-{LOW_EFFORT_UP_TO})",
        "percent",
        "responses with a ces score",
        (("low_effort_up_to", LOW_EFFORT_UP_TO),),
    ),
    Metric(
        "sqs",
        "Service quality",
        "score",
        "responses with a quality score",
        # a response's quality scores placed on 0-100: (score - quality_low) * quality_step
        (("quality_low", QUALITY.low), ("quality_step", 100 / (QUALITY.high - QUALITY.low))),
    ),
    Metric("responses", "Responses", "count", "feedback received in the period"),
    Metric(
        "response_rate_pct",
        "Response rate",
        "percent",
        "records first resolved in the period",
    ),
    Metric(
        "sla_response_pct",
        "SLA first response met",
        "percent",
        "records whose response SLA was decided in the period",
    ),
    Metric(
        "sla_resolution_pct",
        "SLA resolution met",
        "percent",
        "records whose resolution SLA was decided in the period",
    ),
    Metric(
        "on_time_pct",
        "Delivered on time",
        "percent",
        "requests with a due date delivered in the period",
    ),
)
# Problems are not customer cases: their own figures (PRODUCT.md 3), reported with --kind problem
PROBLEM_METRICS: tuple[Metric, ...] = (
    Metric("opened", "Opened", "count", "problems opened in the period"),
    Metric("resolved", "Resolved", "count", "problems first resolved in the period"),
    Metric("backlog", "Open at end", "count", "problems open at the period's end"),
    Metric(
        "known_errors",
        "Known errors at end",
        "count",
        "problems in the known-error register at the period's end",
    ),
    Metric(
        "incidents_linked",
        "Incidents linked",
        "count",
        "incidents opened in the period that are linked to a problem",
    ),
    Metric(
        "time_to_known_error_s",
        "Time to known error",
        "seconds",
        "problems that first became known errors in the period",
    ),
)
# `report sla` (PRODUCT.md section 7): the clocks of domain/sla.py, per group
_DECIDED = "records whose {} SLA was decided in the period (met, or breached when it passed)"
SLA_METRICS: tuple[Metric, ...] = (
    Metric("sla_response_decided", "Response decided", "count", _DECIDED.format("response")),
    Metric("sla_response_met", "Response met", "count", _DECIDED.format("response")),
    Metric("sla_response_breached", "Response breached", "count", _DECIDED.format("response")),
    Metric("sla_response_pct", "Response met, share", "percent", _DECIDED.format("response")),
    Metric("sla_resolution_decided", "Resolution decided", "count", _DECIDED.format("resolution")),
    Metric("sla_resolution_met", "Resolution met", "count", _DECIDED.format("resolution")),
    Metric(
        "sla_resolution_breached", "Resolution breached", "count", _DECIDED.format("resolution")
    ),
    Metric("sla_resolution_pct", "Resolution met, share", "percent", _DECIDED.format("resolution")),
    Metric(
        "breached_open",
        "Breached, still open",
        "count",
        "records not yet resolved at the period's end whose response or resolution SLA breached",
    ),
    Metric(
        "at_risk",
        "At risk",
        "count",
        "records not yet resolved at the period's end whose running clock falls due within "
        "--at-risk of it",
    ),
    Metric(
        "paused_s",
        "Time on hold",
        "duration",
        "records first resolved in the period: their time on hold before the resolution, in "
        "calendar time as resolution_s",
    ),
    Metric(
        "paused_pct",
        "On hold, share of resolution time",
        "percent",
        "the same records: time on hold over resolution time (both calendar time)",
    ),
    Metric(
        "suspect_pauses",
        "Suspect pauses",
        "count",
        "holds awaiting the customer during which the customer contacted the desk, of the "
        "records first resolved in the period",
    ),
)
BY_KEY = {metric.key: metric for metric in METRICS}
SLA_BY_KEY = {metric.key: metric for metric in SLA_METRICS}
PROBLEM_BY_KEY = {metric.key: metric for metric in PROBLEM_METRICS}


def formula_parameters() -> dict[str, float]:
    """The numbers of every metric's formula, by the name the report's SQL binds them as."""
    return {name: value for m in (*METRICS, *PROBLEM_METRICS) for name, value in m.parameters}


def metrics_of(register: bool) -> dict[str, Metric]:
    """The figures a report has, by key: a known-error register's (problems), or the figures
    of the kinds served to customers."""
    return PROBLEM_BY_KEY if register else BY_KEY


GROUPS = (
    "team", "assignee", "service", "category", "channel", "priority", "kind", "model",
    "customer", "day", "week", "month",
)  # fmt: skip


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
    known = BY_KEY.get(base) or PROBLEM_BY_KEY.get(base) or SLA_BY_KEY.get(base)
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
