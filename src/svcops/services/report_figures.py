"""From the store's sums and counts to the figures of PRODUCT.md section 3, per group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from svcops.domain.metrics import METRICS, PROBLEM_METRICS, SLA_BY_KEY
from svcops.services.day_sums import Durations
from svcops.services.sla_tallies import Tally
from svcops.store.report_scope import Scope
from svcops.store.reports import ReportQueries

Figures = dict[str, Any]


def register_figures(store: ReportQueries, scope: Scope) -> dict[tuple[Any, ...], Figures]:
    """The figures of each group of a known-error register's `scope` (problems), keyed by
    the group's values (the customers' figures are added up from days:
    services/report_days.py)."""
    labels = [f"g_{name}" for name in scope.groups]
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}

    def collect(rows: Iterable[dict[str, Any]], prefix: str = "") -> None:
        for row in rows:
            key = tuple(row.pop(label) for label in labels)
            target = merged.setdefault(key, {})
            target.update({prefix + name: value for name, value in row.items()})

    collect(store.problem_sums(scope))
    metric = "time_to_known_error_s"
    collect(store.duration_stats(scope, metric), prefix=metric + ".")
    return {key: _problem_figures(sums) for key, sums in merged.items()}


def _problem_figures(sums: dict[str, Any]) -> Figures:
    figures: Figures = {
        name: int(sums.get(name) or 0)
        for name in ("opened", "resolved", "backlog", "known_errors", "incidents_linked")
    }
    figures["time_to_known_error_s"] = _stats(sums, "time_to_known_error_s")
    assert list(figures) == [m.key for m in PROBLEM_METRICS]
    return figures


def empty(register: bool) -> Figures:
    """The figures of a group with nothing in it."""
    return _problem_figures({}) if register else figures_from_sums({})


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


def figures_from_sums(sums: dict[str, Any]) -> Figures:
    """A group's figures from its sums, counts and duration statistics."""

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
        "sla_response_pct": _ratio(sums.get("sla_response_met"), sums.get("sla_response_decided")),
        "sla_resolution_pct": _ratio(
            sums.get("sla_resolution_met"), sums.get("sla_resolution_decided")
        ),
        "on_time_pct": _ratio(sums.get("due_met"), sums.get("due_population")),
    }
    assert list(figures) == [m.key for m in METRICS]
    return figures


def sla_day_figures(
    counts: Mapping[str, float], _response: Durations, _resolution: Durations
) -> Figures:
    """`report sla`'s figures of a group, from its sums (report_days.DayBook's finish)."""
    return sla_figures(Tally.from_sums(counts))


def sla_figures(tally: Tally) -> Figures:
    """`report sla`'s figures of one group (domain/metrics.py SLA_METRICS)."""
    figures: Figures = {}
    for clock in ("response", "resolution"):
        decided, met = getattr(tally, f"{clock}_decided"), getattr(tally, f"{clock}_met")
        figures[f"sla_{clock}_decided"] = decided
        figures[f"sla_{clock}_met"] = met
        figures[f"sla_{clock}_breached"] = decided - met
        figures[f"sla_{clock}_pct"] = round(met * 100 / decided, 2) if decided else None
    figures["breached_open"] = tally.breached_open
    figures["at_risk"] = tally.at_risk
    figures["paused_s"] = tally.paused_s
    spent = tally.elapsed_s
    figures["paused_pct"] = round(tally.paused_s * 100 / spent, 2) if spent else None
    figures["suspect_pauses"] = tally.suspect_pauses
    assert list(figures) == list(SLA_BY_KEY)
    return figures
