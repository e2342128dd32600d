"""The report queries: every metric aggregated in SQL, the same statements on SQLite and
PostgreSQL (times are integer epoch seconds, so differences are plain subtraction).

Each function returns one row per group: a dict of the group's values and the raw sums and
counts; svcops.services.reports turns them into the figures of PRODUCT.md section 3. The
numbers a metric is defined by (which csat scores count as satisfied) are svcops.domain.metrics'
and reach the SQL as bound parameters, as the SLA targets do (svcops.store.sla).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session

from svcops.store import report_days
from svcops.store.report_days import KeptDay
from svcops.store.report_scope import KIND_FILTER, STAGE_AT_UNTIL, Scope, group_sql, rows

# when a problem first entered the known-error register
FIRST_KNOWN_ERROR = (
    "(SELECT MIN(e.at) FROM event e WHERE e.record_id = r.id AND e.to_value = :known_error_stage)"
)
DURATIONS = {
    # metric: (population, value); the customers' durations are added up from days
    # (store/report_days.py)
    "time_to_known_error_s": (
        f"{KIND_FILTER} AND {FIRST_KNOWN_ERROR} >= :since AND {FIRST_KNOWN_ERROR} < :until",
        f"{FIRST_KNOWN_ERROR} - r.opened_at",
    ),
}


class ReportQueries:
    """The report queries on one transaction (what a unit of work hands the services)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def problem_sums(self, scope: Scope) -> list[dict[str, Any]]:
        return problem_sums(self.session, scope)

    def duration_stats(self, scope: Scope, metric: str) -> list[dict[str, Any]]:
        return duration_stats(self.session, scope, metric)

    def run_rows(
        self, part: str, scope: Scope, segments: Sequence[tuple[int, int]]
    ) -> Iterator[Sequence[Any]]:
        return report_days.run_rows(self.session, part, scope, segments)

    def backlog(self, scope: Scope) -> list[dict[str, Any]]:
        return report_days.backlog(self.session, scope)

    def kept_days(self, key: int, since: int, until: int, now: int) -> dict[int, KeptDay]:
        return report_days.kept_days(self.session.connection(), key, since, until, now)


RESOLVED_IN = "r.first_resolved_at >= :since AND r.first_resolved_at < :until"


def duration_stats(session: Session, scope: Scope, metric: str) -> list[dict[str, Any]]:
    """Count, mean, and the median and 90th percentile (linear interpolation between closest
    ranks) of a duration metric, per group, from window functions."""
    population, value = DURATIONS[metric]
    group_select, _group_by, labels = group_sql(scope)
    partition = ("PARTITION BY " + ", ".join(labels)) if labels else ""
    outer_group = ("GROUP BY " + ", ".join(labels)) if labels else ""
    label_list = "".join(f"{label}, " for label in labels)
    sql = f"""
WITH v AS (
  SELECT {group_select} {value} AS val
  FROM record r LEFT JOIN customer cu ON cu.id = r.customer_id
  WHERE {population}
), ranked AS (
  SELECT {label_list} val,
    ROW_NUMBER() OVER ({partition} ORDER BY val) - 1 AS rn,
    COUNT(*) OVER ({partition}) AS n
  FROM v
)
SELECT {label_list}
  COUNT(*) AS n, AVG(val * 1.0) AS mean,
  MAX(CASE WHEN rn = (n - 1) / 2 THEN val END) AS median_lo,
  MAX(CASE WHEN rn = (n - 1) / 2 + 1 THEN val END) AS median_hi,
  MAX((n - 1) % 2) AS median_frac2,
  MAX(CASE WHEN rn = ((n - 1) * 9) / 10 THEN val END) AS p90_lo,
  MAX(CASE WHEN rn = ((n - 1) * 9) / 10 + 1 THEN val END) AS p90_hi,
  MAX(((n - 1) * 9) % 10) AS p90_frac10
FROM ranked
{outer_group}
"""
    return rows(session, sql, scope)


def problem_sums(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Counts over problems: opened, first resolved, open and in the register at the end, and
    the incidents opened in the period that are linked to a problem (grouped by the problem)."""
    group_select, group_by, _labels = group_sql(scope)
    sql = f"""
SELECT {group_select}
  SUM(CASE WHEN r.opened_at >= :since AND r.opened_at < :until THEN 1 ELSE 0 END) AS opened,
  SUM(CASE WHEN {RESOLVED_IN} THEN 1 ELSE 0 END) AS resolved,
  SUM(CASE WHEN r.opened_at < :until AND {STAGE_AT_UNTIL} IN :open_stages THEN 1 ELSE 0 END)
    AS backlog,
  SUM(CASE WHEN r.opened_at < :until AND {STAGE_AT_UNTIL} = :known_error_stage THEN 1 ELSE 0 END)
    AS known_errors,
  SUM((SELECT COUNT(*) FROM record i WHERE i.problem_id = r.id AND i.kind = :linked_kind
       AND i.opened_at >= :since AND i.opened_at < :until)) AS incidents_linked
FROM record r
LEFT JOIN customer cu ON cu.id = r.customer_id
WHERE r.kind IN :kinds AND r.opened_at < :until
{group_by}
"""
    return rows(session, sql, scope)
