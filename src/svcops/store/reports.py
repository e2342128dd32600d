"""The report queries: every metric aggregated in SQL, the same statements on SQLite and
PostgreSQL (times are integer epoch seconds, so differences are plain subtraction).

Each function returns one row per group: a dict of the group's values and the raw sums and
counts; svcops.services.reports turns them into the figures of PRODUCT.md section 3. The
numbers a metric is defined by (which csat scores count as satisfied) are svcops.domain.metrics'
and reach the SQL as bound parameters, as the SLA targets do (svcops.store.sla).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from svcops.store.report_scope import Scope, group_sql, rows

# when a problem first entered the known-error register
FIRST_KNOWN_ERROR = (
    "(SELECT MIN(e.at) FROM event e WHERE e.record_id = r.id AND e.to_value = :known_error_stage)"
)
CUSTOMER_DURATIONS = ("first_response_s", "resolution_s")
DURATIONS = {
    # metric: (population, value)
    "first_response_s": (
        "r.opened_at >= :since AND r.opened_at < :until AND r.first_response_at IS NOT NULL",
        "r.first_response_at - r.opened_at",
    ),
    "resolution_s": (
        "r.first_resolved_at >= :since AND r.first_resolved_at < :until",
        "r.first_resolved_at - r.opened_at",
    ),
    "time_to_known_error_s": (
        f"{FIRST_KNOWN_ERROR} >= :since AND {FIRST_KNOWN_ERROR} < :until",
        f"{FIRST_KNOWN_ERROR} - r.opened_at",
    ),
}


class ReportQueries:
    """The report queries on one transaction (what a unit of work hands the services)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record_sums(self, scope: Scope) -> list[dict[str, Any]]:
        return record_sums(self.session, scope)

    def feedback_sums(self, scope: Scope) -> list[dict[str, Any]]:
        return feedback_sums(self.session, scope)

    def problem_sums(self, scope: Scope) -> list[dict[str, Any]]:
        return problem_sums(self.session, scope)

    def duration_stats(self, scope: Scope, metric: str) -> list[dict[str, Any]]:
        return duration_stats(self.session, scope, metric)


RESOLVED_IN = "r.first_resolved_at >= :since AND r.first_resolved_at < :until"
# the stage a record was in at the period's end
STAGE_AT_UNTIL = (
    "(SELECT e.to_value FROM event e WHERE e.record_id = r.id "
    "AND e.action IN :stage_actions AND e.at < :until ORDER BY e.at DESC, e.id DESC LIMIT 1)"
)
# The kind filter as an expression, so that no index on `kind` (which hardly narrows anything:
# most records are incidents) is chosen over the time range that does narrow the rows.
KIND_FILTER = "(CASE WHEN r.kind IN :kinds THEN 1 ELSE 0 END) = 1"


def record_sums(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Counts and sums over records: opened, resolved, backlog, FCR, reopens, due dates (the
    SLA clocks run on calendars, in services/sla_tallies.py)."""
    group_select, group_by, _labels = group_sql(scope)
    open_at_until = (
        "(r.opened_at < :until AND ("
        "(r.reopen_count = 0 AND (r.first_resolved_at IS NULL OR r.first_resolved_at >= :until) "
        "AND (r.closed_at IS NULL OR r.closed_at >= :until))"
        f" OR (r.reopen_count > 0 AND {STAGE_AT_UNTIL} IN :open_stages)))"
    )
    # Every record a figure can depend on, gathered from index ranges so that a short period
    # over a large database reads only its own rows: opened in the period,
    # first resolved in or after it, never resolved, changed after its end, or open now.
    candidates = """
  SELECT id FROM record WHERE kind IN :kinds AND opened_at >= :since AND opened_at < :until
  UNION SELECT id FROM record WHERE first_resolved_at >= :since
  UNION SELECT id FROM record WHERE first_resolved_at IS NULL
  UNION SELECT id FROM record WHERE stage_entered_at >= :until
  UNION SELECT id FROM record WHERE kind IN :kinds AND stage IN :open_stages"""
    # PostgreSQL reads the same rows best as one bitmap scan over the OR of the ranges
    candidate_or = """(
    (r.opened_at >= :since AND r.opened_at < :until) OR r.first_resolved_at >= :since
    OR r.first_resolved_at IS NULL OR r.stage_entered_at >= :until OR r.stage IN :open_stages)"""
    if session.connection().dialect.name == "postgresql":
        prelude, source, narrowing = "", "record r", f"AND {candidate_or}"
    else:
        prelude = f"candidate AS ({candidates}\n), "
        source, narrowing = "candidate JOIN record r ON r.id = candidate.id", ""
    inbound = (
        "(SELECT COUNT(*) FROM contact c WHERE c.record_id = r.id AND c.direction = 'inbound' "
        "AND c.channel NOT IN :unattended AND c.at <= r.first_resolved_at)"
    )
    has_feedback = "EXISTS (SELECT 1 FROM feedback f WHERE f.record_id = r.id)"
    labels = "".join(f"{label}, " for label in group_sql(scope)[2])
    outer_group = group_by and "GROUP BY " + ", ".join(group_sql(scope)[2])
    # each record's facts are worked out once, then summed
    sql = f"""
WITH {prelude}fact AS MATERIALIZED (
  SELECT {group_select}
    CASE WHEN r.opened_at >= :since AND r.opened_at < :until THEN 1 ELSE 0 END AS opened,
    CASE WHEN {RESOLVED_IN} THEN 1 ELSE 0 END AS resolved,
    CASE WHEN r.reopen_count > 0 THEN 1 ELSE 0 END AS reopened,
    CASE WHEN {RESOLVED_IN} AND {has_feedback} THEN 1 ELSE 0 END AS has_feedback,
    CASE WHEN {RESOLVED_IN} THEN {inbound} ELSE 0 END AS inbound,
    CASE WHEN {open_at_until} THEN 1 ELSE 0 END AS backlog,
    CASE WHEN r.kind IN :due_kinds AND r.due_at IS NOT NULL THEN 1 ELSE 0 END AS has_due,
    CASE WHEN r.first_resolved_at <= r.due_at THEN 1 ELSE 0 END AS on_time
  FROM {source}
  LEFT JOIN customer cu ON cu.id = r.customer_id
  WHERE {KIND_FILTER} AND r.opened_at < :until {narrowing}
)
SELECT {labels}
  SUM(opened) AS opened,
  SUM(resolved) AS resolved,
  SUM(resolved * reopened) AS reopened,
  SUM(resolved * has_feedback) AS with_feedback,
  SUM(CASE WHEN resolved = 1 AND inbound >= 1 THEN 1 ELSE 0 END) AS fcr_population,
  SUM(CASE WHEN resolved = 1 AND inbound = 1 AND reopened = 0 THEN 1 ELSE 0 END) AS fcr_met,
  SUM(backlog) AS backlog,
  SUM(resolved * has_due) AS due_population,
  SUM(resolved * has_due * on_time) AS due_met
FROM fact
{outer_group}
"""
    return rows(session, sql, scope)


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
  WHERE {KIND_FILTER} AND {population}
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


def feedback_sums(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Counts and sums over the responses received in the period."""
    group_select, group_by, _labels = group_sql(scope)
    sql = f"""
SELECT {group_select}
  COUNT(*) AS responses,
  SUM(CASE WHEN f.csat IS NOT NULL THEN 1 ELSE 0 END) AS csat_n,
  SUM(CASE WHEN f.csat >= :satisfied_from THEN 1 ELSE 0 END) AS csat_top,
  SUM(f.csat) AS csat_sum,
  SUM(CASE WHEN f.ces IS NOT NULL THEN 1 ELSE 0 END) AS ces_n,
  SUM(CASE WHEN f.ces <= :low_effort_up_to THEN 1 ELSE 0 END) AS ces_low,
  SUM(f.ces) AS ces_sum,
  SUM(CASE WHEN q.score IS NOT NULL THEN 1 ELSE 0 END) AS sqs_n,
  SUM(q.score) AS sqs_sum
FROM feedback f
JOIN record r ON r.id = f.record_id
LEFT JOIN customer cu ON cu.id = r.customer_id
LEFT JOIN (
  SELECT s.feedback_id, AVG((s.score - :quality_low) * CAST(:quality_step AS NUMERIC)) AS score
  FROM feedback_score s JOIN feedback f2 ON f2.id = s.feedback_id
  WHERE f2.received_at >= :since AND f2.received_at < :until AND s.dimension IN :dimensions
  GROUP BY s.feedback_id
) q ON q.feedback_id = f.id
WHERE f.received_at >= :since AND f.received_at < :until AND {KIND_FILTER}
{group_by}
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
