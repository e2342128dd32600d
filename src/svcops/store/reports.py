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

from svcops.store.report_scope import (
    BY_RESOLUTION,
    FENCE,
    Scope,
    group_sql,
    grouped_columns,
    index_ranges,
    rows,
)
from svcops.store.tables import REOPENED

# when a problem first entered the known-error register
FIRST_KNOWN_ERROR = (
    "(SELECT MIN(e.at) FROM event e WHERE e.record_id = r.id AND e.to_value = :known_error_stage)"
)
CUSTOMER_DURATIONS = ("first_response_s", "resolution_s")
# The kind filter as an expression, so that no index on `kind` (which hardly narrows anything:
# most records are incidents) is chosen over the time range that does narrow the rows; where
# the range is the opening's, the index on (kind, opened_at) is the one to read.
KIND_FILTER = "(CASE WHEN r.kind IN :kinds THEN 1 ELSE 0 END) = 1"
DURATIONS = {
    # metric: (population, value)
    "first_response_s": (
        "r.kind IN :kinds AND r.opened_at >= :since AND r.opened_at < :until "
        "AND r.first_response_at IS NOT NULL",
        "r.first_response_at - r.opened_at",
    ),
    "resolution_s": (
        f"{KIND_FILTER} AND r.first_resolved_at >= :since AND r.first_resolved_at < :until",
        "r.first_resolved_at - r.opened_at",
    ),
    "time_to_known_error_s": (
        f"{KIND_FILTER} AND {FIRST_KNOWN_ERROR} >= :since AND {FIRST_KNOWN_ERROR} < :until",
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
    # Every record a figure can depend on, from disjoint index ranges, so that a period reads
    # its own rows and no row of the table (the indexes carry the columns: tables.FACTS):
    # opened in the period; opened before it and first resolved in or after it, or never;
    # and reopened ones resolved before it (the only others that can be open at its end)
    # whose stage changed after its end, or did not and is open now.
    earlier = "r.kind IN :kinds AND r.opened_at < :since"
    reopened = f"r.first_resolved_at < :since AND {earlier} AND r.{REOPENED}"
    arms = [
        ("r.kind IN :kinds AND r.opened_at >= :since AND r.opened_at < :until", ""),
        (f"r.first_resolved_at >= :since AND {earlier}", BY_RESOLUTION),
        (f"r.first_resolved_at IS NULL AND {earlier}", BY_RESOLUTION),
        (f"r.stage_entered_at >= :until AND {reopened}", "INDEXED BY ix_record_reopened"),
        (f"r.stage IN :open_stages AND r.stage_entered_at < :until AND {reopened}",
         "INDEXED BY ix_record_kind_stage"),
    ]  # fmt: skip
    columns = ("id", "kind", "opened_at", "first_resolved_at", "closed_at", "reopen_count",
               "due_at", "customer_id", *grouped_columns(scope))  # fmt: skip
    dialect = session.connection().dialect.name
    source = f"(\n  {index_ranges(columns, arms, dialect)}\n) r"
    inbound = (
        "(SELECT COUNT(*) FROM contact c WHERE c.record_id = r.id AND c.direction = 'inbound' "
        "AND c.channel NOT IN :unattended AND c.at <= r.first_resolved_at)"
    )
    has_feedback = "EXISTS (SELECT 1 FROM feedback f WHERE f.record_id = r.id)"
    labels = "".join(f"{label}, " for label in group_sql(scope)[2])
    outer_group = group_by and "GROUP BY " + ", ".join(group_sql(scope)[2])
    # each record's facts are worked out once, then summed
    sql = f"""
WITH fact AS MATERIALIZED (
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


def feedback_sums(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Counts and sums over the responses received in the period."""
    group_select = group_sql(scope)[0]
    fence = FENCE[session.connection().dialect.name]
    # each response's quality score is read from its own scores (by the primary key), not
    # from a join of every score of the table
    quality = (
        "(SELECT AVG((s.score - :quality_low) * CAST(:quality_step AS NUMERIC)) "
        "FROM feedback_score s WHERE s.feedback_id = f.id AND s.dimension IN :dimensions)"
    )
    labels = group_sql(scope)[2]
    outer_group = "GROUP BY " + ", ".join(labels) if labels else ""
    sql = f"""
SELECT {"".join(f"{label}, " for label in labels)}
  COUNT(*) AS responses,
  SUM(CASE WHEN csat IS NOT NULL THEN 1 ELSE 0 END) AS csat_n,
  SUM(CASE WHEN csat >= :satisfied_from THEN 1 ELSE 0 END) AS csat_top,
  SUM(csat) AS csat_sum,
  SUM(CASE WHEN ces IS NOT NULL THEN 1 ELSE 0 END) AS ces_n,
  SUM(CASE WHEN ces <= :low_effort_up_to THEN 1 ELSE 0 END) AS ces_low,
  SUM(ces) AS ces_sum,
  SUM(CASE WHEN score IS NOT NULL THEN 1 ELSE 0 END) AS sqs_n,
  SUM(score) AS sqs_sum
FROM (
  SELECT {group_select}f.csat, f.ces, {quality} AS score
  FROM feedback f
  JOIN record r ON r.id = f.record_id
  LEFT JOIN customer cu ON cu.id = r.customer_id
  WHERE f.received_at >= :since AND f.received_at < :until AND {KIND_FILTER}{fence}
) q
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
