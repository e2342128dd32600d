"""`report metrics`: the figures of PRODUCT.md section 3 for a period, grouped, with targets.

The store aggregates (svcops.store.reports); this module cuts the period into time buckets
when grouping by day, week or month, turns sums into figures, compares each with the previous
period of the same length, and judges the configured targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from svcops.domain.errors import InvalidInput, TargetMissed
from svcops.domain.kinds import LIFECYCLES
from svcops.domain.lifecycle import State
from svcops.domain.metrics import (
    GROUPS,
    METRICS,
    PROBLEM_METRICS,
    Target,
    metrics_of,
    parse_target,
)
from svcops.services.base import transaction
from svcops.store import reports as queries

TIME_GROUPS = ("day", "week", "month")
CUSTOMER_KINDS = ("incident", "request")
DEFAULT_DAYS = 7
Figures = dict[str, Any]


@dataclass(frozen=True)
class TargetResult:
    target: Target
    value: float | None
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.target.metric,
            "target": f"{self.target.op} {_number(self.target.value)}",
            "value": self.value,
            "met": self.met,
        }


@dataclass(frozen=True)
class GroupReport:
    group: dict[str, Any]
    metrics: Figures
    previous: Figures
    targets: list[TargetResult] = field(default_factory=list)


@dataclass(frozen=True)
class MetricsReport:
    since: datetime
    until: datetime
    kinds: tuple[str, ...]
    by: tuple[str, ...]
    groups: list[GroupReport]

    @property
    def missed(self) -> list[tuple[dict[str, Any], TargetResult]]:
        return [(g.group, t) for g in self.groups for t in g.targets if t.met is False]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def metrics_report(
    *,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[str] | None = None,
    by: Sequence[str] | None = None,
) -> MetricsReport:
    """The metrics for [since, until) (default: the last 7 days), grouped `by`."""
    wanted_kinds = _kinds(kinds)
    groups = _groups(by)
    with transaction(write=False) as (session, call):
        start, end = call.period(since, until)
        end = end or call.now
        start = start or end - timedelta(days=DEFAULT_DAYS)
        if end <= start:
            raise InvalidInput("--until must be after --since")
        reported = set(metrics_of(wanted_kinds))
        targets = [
            target
            for target in (parse_target(name, text) for name, text in call.settings.targets.items())
            if target.metric.partition(".")[0] in reported  # a problem report has no csat
        ]
        time_group = next((g for g in groups if g in TIME_GROUPS), None)
        column_groups = tuple(g for g in groups if g not in TIME_GROUPS)
        periods: list[tuple[datetime, datetime, dict[str, Any]]]
        if time_group is None:
            length = end - start
            periods = [(start - length, start, {}), (start, end, {})]
        else:
            periods = _buckets(time_group, start, end, call.zone)
        open_stages = sorted(
            {
                s
                for kind in wanted_kinds
                for s in LIFECYCLES[kind].stages_in(State.OPEN, State.PAUSED)
            }
        )
        results: list[tuple[dict[str, Any], dict[tuple[Any, ...], Figures]]] = []
        for bucket_start, bucket_end, label in periods:
            scope = queries.Scope(
                since=bucket_start, until=bucket_end, now=call.now, kinds=wanted_kinds,
                groups=column_groups, open_stages=open_stages, sla=call.settings.sla,
                dimensions=call.settings.dimensions,
            )  # fmt: skip
            results.append((label, _figures_by_group(session, scope)))
    reports: list[GroupReport] = []
    for index in range(1, len(results)):
        label, current = results[index]
        _prev_label, previous = results[index - 1]
        keys = sorted(
            set(current) | (set(previous) if time_group is None else set()), key=_sort_key
        )
        if time_group is not None and not keys:
            keys = [tuple(None for _ in column_groups)] if not column_groups else []
        for key in keys:
            figures = current.get(key) or _empty(wanted_kinds)
            group = {**label, **dict(zip(column_groups, key, strict=True))}
            judged = [TargetResult(t, _value(figures, t.metric), None) for t in targets]
            judged = [TargetResult(t.target, t.value, t.target.met(t.value)) for t in judged]
            reports.append(
                GroupReport(group, figures, previous.get(key) or _empty(wanted_kinds), judged)
            )
    if time_group is None and not reports:
        reports.append(GroupReport({}, _empty(wanted_kinds), _empty(wanted_kinds), [
            TargetResult(t, None, None) for t in targets
        ]))  # fmt: skip
    return MetricsReport(start, end, wanted_kinds, groups, reports)


def check_targets(report: MetricsReport) -> None:
    """TargetMissed naming every missed target (for `--check`)."""
    missed = report.missed
    if missed:
        parts = []
        for group, result in missed:
            where = ", ".join(f"{k}={v}" for k, v in group.items())
            shown = "null" if result.value is None else _number(round(result.value, 2))
            parts.append(f"{result.target} (is {shown}{'; ' + where if where else ''})")
        raise TargetMissed(f"{len(missed)} target(s) missed: " + "; ".join(parts))


def _kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    if not kinds:
        return CUSTOMER_KINDS
    chosen = []
    for value in kinds:
        for part in value.split(","):
            name = part.strip().lower()
            if name not in (*CUSTOMER_KINDS, "problem"):
                raise InvalidInput(
                    f"--kind {part!r}: reports cover incident and request, or problem alone"
                )
            if name not in chosen:
                chosen.append(name)
    if "problem" in chosen and len(chosen) > 1:
        raise InvalidInput("--kind problem reports problems alone (their figures differ)")
    return tuple(chosen)


def _groups(by: Sequence[str] | None) -> tuple[str, ...]:
    chosen: list[str] = []
    for value in by or []:
        for part in value.split(","):
            name = part.strip().lower()
            if name not in GROUPS:
                raise InvalidInput(f"cannot group by {part!r}", hint="groups: " + ", ".join(GROUPS))
            if name not in chosen:
                chosen.append(name)
    if sum(name in TIME_GROUPS for name in chosen) > 1:
        raise InvalidInput("group by at most one of day, week and month")
    return tuple(chosen)


def _buckets(
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


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((value is None, str(value)) for value in key)


def _figures_by_group(session: Any, scope: queries.Scope) -> dict[tuple[Any, ...], Figures]:
    labels = [f"g_{name}" for name in scope.groups]
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}

    def collect(rows: Iterable[dict[str, Any]], prefix: str = "") -> None:
        for row in rows:
            key = tuple(row.pop(label) for label in labels)
            target = merged.setdefault(key, {})
            target.update({prefix + name: value for name, value in row.items()})

    if tuple(scope.kinds) == ("problem",):
        collect(queries.problem_sums(session, scope))
        metric = "time_to_known_error_s"
        collect(queries.duration_stats(session, scope, metric), prefix=metric + ".")
        return {key: _problem_figures(sums) for key, sums in merged.items()}
    collect(queries.record_sums(session, scope))
    collect(queries.feedback_sums(session, scope))
    for metric in queries.CUSTOMER_DURATIONS:
        collect(queries.duration_stats(session, scope, metric), prefix=metric + ".")
    return {key: _figures(sums) for key, sums in merged.items()}


def _problem_figures(sums: dict[str, Any]) -> Figures:
    figures: Figures = {
        name: int(sums.get(name) or 0)
        for name in ("opened", "resolved", "backlog", "known_errors", "incidents_linked")
    }
    figures["time_to_known_error_s"] = _stats(sums, "time_to_known_error_s")
    assert list(figures) == [m.key for m in PROBLEM_METRICS]
    return figures


def _empty(kinds: Sequence[str] = CUSTOMER_KINDS) -> Figures:
    return _problem_figures({}) if tuple(kinds) == ("problem",) else _figures({})


def _ratio(part: Any, whole: Any, scale: float = 100.0) -> float | None:
    if not whole:
        return None
    return round(float(part or 0) * scale / float(whole), 2)


def _stats(sums: dict[str, Any], metric: str) -> dict[str, float | None]:
    n = sums.get(metric + ".n") or 0
    if not n:
        return {"median": None, "mean": None, "p90": None}

    def interpolate(name: str, denominator: int) -> float:
        low = float(sums[f"{metric}.{name}_lo"])
        high = sums.get(f"{metric}.{name}_hi")
        fraction = float(sums.get(f"{metric}.{name}_frac{denominator}") or 0) / denominator
        return low if high is None else low + (float(high) - low) * fraction

    return {
        "median": round(interpolate("median", 2), 2),
        "mean": round(float(sums[metric + ".mean"]), 2),
        "p90": round(interpolate("p90", 10), 2),
    }


def _figures(sums: dict[str, Any]) -> Figures:
    def count(name: str) -> int:
        return int(sums.get(name) or 0)

    figures: Figures = {
        "opened": count("opened"),
        "resolved": count("resolved"),
        "backlog": count("backlog"),
        "first_response_s": _stats(sums, "first_response_s"),
        "resolution_s": _stats(sums, "resolution_s"),
        "fcr_pct": _ratio(sums.get("fcr_met"), sums.get("fcr_population")),
        "reopen_pct": _ratio(sums.get("reopened"), sums.get("resolved")),
        "csat_pct": _ratio(sums.get("csat_top"), sums.get("csat_n")),
        "csat_mean": _ratio(sums.get("csat_sum"), sums.get("csat_n"), 1.0),
        "ces_mean": _ratio(sums.get("ces_sum"), sums.get("ces_n"), 1.0),
        "ces_low_effort_pct": _ratio(sums.get("ces_low"), sums.get("ces_n")),
        "sqs": _ratio(sums.get("sqs_sum"), sums.get("sqs_n"), 1.0),
        "responses": count("responses"),
        "response_rate_pct": _ratio(sums.get("with_feedback"), sums.get("resolved")),
        "sla_response_pct": _ratio(
            sums.get("sla_response_met"), sums.get("sla_response_population")
        ),
        "sla_resolution_pct": _ratio(
            sums.get("sla_resolution_met"), sums.get("sla_resolution_population")
        ),
        "on_time_pct": _ratio(sums.get("due_met"), sums.get("due_population")),
    }
    assert list(figures) == [m.key for m in METRICS]
    return figures


def _value(figures: Figures, metric: str) -> float | None:
    base, _, stat = metric.partition(".")
    value = figures[base][stat] if stat else figures[base]
    return None if value is None else float(value)
