"""`report metrics`: the figures of PRODUCT.md section 3 for a period, grouped, with targets.

The store aggregates (svcops.store.reports); this module cuts the period into time buckets
when grouping by day, week or month (report_periods), turns sums into figures
(report_figures), compares each with the previous period of the same length, and judges the
configured targets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from svcops.config import get_settings
from svcops.domain.errors import InvalidInput, TargetMissed
from svcops.domain.kinds import LIFECYCLES, customer_kinds
from svcops.domain.lifecycle import Lifecycle, State
from svcops.domain.metrics import GROUPS, SLA_BY_KEY, Metric, Target, metrics_of, parse_target
from svcops.services.base import Call, transaction
from svcops.services.report_days import DayBook, Finish, metrics_figures
from svcops.services.report_figures import (
    Figures,
    empty,
    register_figures,
    sla_day_figures,
    sla_figures,
)
from svcops.services.report_periods import TIME_GROUPS, buckets
from svcops.services.sla import at_risk_seconds
from svcops.services.sla_tallies import Tally, remember_outcomes
from svcops.store.report_scope import Scope
from svcops.store.sla import Outcome
from svcops.store.work import UnitOfWork

DEFAULT_DAYS = 7
Key = tuple[Any, ...]  # a group's values
Outcomes = list[Outcome]  # SLA outcomes to keep (services/sla_tallies.py)
# a report's figures per scope and group, worked out in its unit of work
FiguresOf = Callable[
    [UnitOfWork, Call, list[Scope], Outcomes, DayBook | None], list[dict[Key, Figures]]
]


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
    catalogue: Mapping[str, Metric]  # what its figures are (domain/metrics.py)

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
    register = LIFECYCLES[wanted_kinds[0]] if _is_register(wanted_kinds[0]) else None

    def figures(
        uow: UnitOfWork, call: Call, scopes: list[Scope], keep: Outcomes, book: DayBook | None
    ) -> list[dict[Key, Figures]]:
        if book is not None:
            return book.figures(uow, keep)
        return [register_figures(uow.reports, scope) for scope in scopes]

    return _report(
        since, until, wanted_kinds, _groups(by), figures, metrics_of(register is not None),
        empty(register is not None), register,
        by_days=None if register else (metrics_figures, None),
    )  # fmt: skip


def sla_report(
    *,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[str] | None = None,
    by: Sequence[str] | None = None,
    at_risk: str = "1h",
) -> MetricsReport:
    """`report sla`: the SLA clocks decided in [since, until) (default: the last 7 days) per
    group, and the records open at its end that have breached or are at risk."""
    wanted_kinds = _kinds(kinds)
    if _is_register(wanted_kinds[0]):
        raise InvalidInput(
            f"--kind {wanted_kinds[0]}: {LIFECYCLES[wanted_kinds[0]].plural} have no SLA"
        )
    within = at_risk_seconds(at_risk)
    assert within is not None

    def figures(
        uow: UnitOfWork, call: Call, scopes: list[Scope], keep: Outcomes, book: DayBook | None
    ) -> list[dict[Key, Figures]]:
        assert book is not None
        return book.figures(uow, keep)

    return _report(
        since, until, wanted_kinds, _groups(by), figures, SLA_BY_KEY, sla_figures(Tally()), None,
        by_days=(sla_day_figures, within),
    )  # fmt: skip


def _report(
    since: str | None,
    until: str | None,
    wanted_kinds: tuple[str, ...],
    groups: tuple[str, ...],
    figures_of: FiguresOf,
    catalogue: Mapping[str, Metric],
    empty_figures: Figures,
    register: Lifecycle | None,
    by_days: tuple[Finish, int | None] | None = None,
) -> MetricsReport:
    """A report of `figures_of` per group for the period and the one before it (or per time
    bucket), with the configured targets of its `catalogue` judged; `by_days` (a group's
    figures from its sums, and the SLA report's at-risk window): added up from days, those
    kept and the others worked out and kept (services/report_days.py)."""
    call = Call(get_settings())
    start, end = call.period(since, until)
    end = end or call.now
    start = start or end - timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise InvalidInput("--until must be after --since")
    targets = [
        target
        for target in (parse_target(name, text) for name, text in call.settings.targets.items())
        if target.metric.partition(".")[0] in catalogue  # a problem report has no csat
    ]
    time_group = next((g for g in groups if g in TIME_GROUPS), None)
    column_groups = tuple(g for g in groups if g not in TIME_GROUPS)
    periods: list[tuple[datetime, datetime, dict[str, Any]]]
    if time_group is None:
        length = end - start
        periods = [(start - length, start, {}), (start, end, {})]
    else:
        periods = buckets(time_group, start, end, call.zone)
    open_stages = sorted(
        {s for kind in wanted_kinds for s in LIFECYCLES[kind].stages_in(State.OPEN, State.PAUSED)}
    )
    scopes = [
        Scope(
            since=bucket_start,
            until=bucket_end,
            now=call.now,
            kinds=wanted_kinds,
            groups=column_groups,
            open_stages=open_stages,
            dimensions=call.settings.dimensions,
            known_error_stage=register.known_error_stage if register else "",
            linked_kind=register.linked_from if register else "",
        )
        for bucket_start, bucket_end, _label in periods
    ]
    labels = [label for _start, _end, label in periods]
    keep: Outcomes = []  # the SLA outcomes worked out, kept once the report is read
    database = call.settings.database_url
    book = None
    if by_days is not None:
        finish, at_risk_s = by_days
        book = DayBook(database, scopes, call.zone, call.settings.sla, finish, at_risk_s)
    if book is not None:
        book.reserve()  # before the snapshot: a change after it drops the reservation
    # one snapshot: the SLA tallies read a period's sums and its records' facts apart
    with transaction(write=False, snapshot=True, call=call) as (uow, call):
        results = list(zip(labels, figures_of(uow, call, scopes, keep, book), strict=True))
    remember_outcomes(database, keep)
    if book is not None:
        book.keep()
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
            figures = current.get(key) or empty_figures
            group = {**label, **dict(zip(column_groups, key, strict=True))}
            judged = [TargetResult(t, _value(figures, t.metric), None) for t in targets]
            judged = [TargetResult(t.target, t.value, t.target.met(t.value)) for t in judged]
            reports.append(GroupReport(group, figures, previous.get(key) or empty_figures, judged))
    if time_group is None and not reports:
        reports.append(GroupReport({}, empty_figures, empty_figures, [
            TargetResult(t, None, None) for t in targets
        ]))  # fmt: skip
    return MetricsReport(start, end, wanted_kinds, groups, reports, catalogue)


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


def _is_register(kind: str) -> bool:
    return bool(LIFECYCLES[kind].known_error_stage)


def _kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    """The kinds a report covers: those served to customers (default: all of them), or one
    known-error register alone (its figures differ)."""
    served = tuple(life.kind for life in customer_kinds())
    if not kinds:
        return served
    registers = tuple(kind for kind in LIFECYCLES if _is_register(kind))
    chosen: list[str] = []
    for value in kinds:
        for part in value.split(","):
            name = part.strip().lower()
            if name not in (*served, *registers):
                raise InvalidInput(
                    f"--kind {part!r}: reports cover {' and '.join(served)}, or "
                    f"{' or '.join(registers)} alone"
                )
            if name not in chosen:
                chosen.append(name)
    alone = [name for name in chosen if name in registers]
    if alone and len(chosen) > 1:
        plural = LIFECYCLES[alone[0]].plural
        raise InvalidInput(f"--kind {alone[0]} reports {plural} alone (their figures differ)")
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


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((value is None, str(value)) for value in key)


def _value(figures: Figures, metric: str) -> float | None:
    base, _, stat = metric.partition(".")
    value = figures[base][stat] if stat else figures[base]
    return None if value is None else float(value)
