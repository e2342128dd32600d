"""The SQL of a report's days (services/report_days.py): the rows a run of days counts, each
with the day it counts in, the backlog at a moment, and the days kept (tables.ReportDay).

A run is a stretch of time [since, until) cut only at local midnights; a row's day is the
local day number (days since 1970-01-01 in the configured zone) of the moment it counts at:
its opening, its first resolution, the response's receipt. The zone's offsets over the run
come as segments [(from, offset)], so a day's number is plain arithmetic in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlmodel import Session

from svcops.store.report_scope import (
    BY_RESOLUTION,
    FENCE,
    KIND_FILTER,
    STAGE_AT_UNTIL,
    Scope,
    bound,
    group_sql,
    grouped_columns,
    index_ranges,
    local_day,
    rows,
)
from svcops.store.tables import REOPENED

CHUNK = 5000  # rows handed over at a time
# A record's facts as the figures count them (PRODUCT.md section 3, docs/metrics.md)
INBOUND = (
    "(SELECT COUNT(*) FROM contact c WHERE c.record_id = r.id AND c.direction = 'inbound' "
    "AND c.channel NOT IN :unattended AND c.at <= r.first_resolved_at)"
)
HAS_FEEDBACK = "EXISTS (SELECT 1 FROM feedback f WHERE f.record_id = r.id)"
QUALITY = (  # a response's quality score, from its own scores (by the primary key)
    "(SELECT AVG((s.score - :quality_low) * CAST(:quality_step AS NUMERIC)) "
    "FROM feedback_score s WHERE s.feedback_id = f.id AND s.dimension IN :dimensions)"
)


def run_rows(
    session: Session, part: str, scope: Scope, segments: Sequence[tuple[int, int]]
) -> Iterator[Sequence[Any]]:
    """The rows `part` counts in [scope.since, scope.until): the group values, the day, then
    the part's facts (PARTS). Streamed: memory does not grow with the run."""
    group_select, _group_by, _labels = group_sql(scope)
    moment, facts, source, where = PARTS[part]
    dialect = session.connection().dialect.name
    source = source.format(by_resolution=f" {BY_RESOLUTION}" if dialect == "sqlite" else "")
    sql = (
        f"SELECT {group_select}{local_day(moment, segments)} AS day, {facts} FROM {source} "
        f"LEFT JOIN customer cu ON cu.id = r.customer_id WHERE {moment} >= :since "
        f"AND {moment} < :until AND {where}"
    )
    yield from _stream(session.connection(), sql, scope)


# part: (the moment a row counts at, its facts, source, condition)
PARTS = {
    "opened": (
        "r.opened_at",
        "r.first_response_at - r.opened_at AS response_s",
        "record r",
        "r.kind IN :kinds",
    ),
    "resolved": (
        "r.first_resolved_at",
        "r.first_resolved_at - r.opened_at AS resolution_s, "
        "CASE WHEN r.reopen_count > 0 THEN 1 ELSE 0 END AS reopened, "
        f"CASE WHEN {HAS_FEEDBACK} THEN 1 ELSE 0 END AS has_feedback, "
        f"{INBOUND} AS inbound, "
        "CASE WHEN r.kind IN :due_kinds AND r.due_at IS NOT NULL THEN 1 ELSE 0 END AS has_due, "
        "CASE WHEN r.first_resolved_at <= r.due_at THEN 1 ELSE 0 END AS on_time",
        "record r{by_resolution}",
        KIND_FILTER,
    ),
    "feedback": (
        "f.received_at",
        f"f.csat, f.ces, {QUALITY} AS score",
        "feedback f JOIN record r ON r.id = f.record_id",
        KIND_FILTER,
    ),
}


def _stream(connection: Connection, sql: str, scope: Scope) -> Iterator[Sequence[Any]]:
    statement, params = bound(sql, scope)
    found = connection.execute(statement, params, execution_options={"yield_per": CHUNK})
    for chunk in found.partitions(CHUNK):
        yield from chunk


def backlog(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Per group, the records open at scope.until: opened before it, and neither resolved
    nor closed by then (a reopened one: in an open stage then, by its stage events). Read
    from disjoint index ranges: the records first resolved from then on or never (from the
    index on the opening when fewer were opened before then), and the reopened ones
    resolved before it whose stage changed after it, or did not and is open now."""
    group_select, _group_by, labels = group_sql(scope)
    connection = session.connection()
    dialect = connection.dialect.name
    earlier = "r.kind IN :kinds AND r.opened_at < :until"
    later = "(r.first_resolved_at IS NULL OR r.first_resolved_at >= :until)"
    reopened = f"r.first_resolved_at < :until AND {earlier} AND r.{REOPENED}"
    if _fewer_opened(connection, scope):
        arms = [(f"{earlier} AND {later}", "")]
    else:
        arms = [
            (f"r.first_resolved_at >= :until AND {earlier}", BY_RESOLUTION),
            (f"r.first_resolved_at IS NULL AND {earlier}", BY_RESOLUTION),
        ]
    arms += [
        (f"r.stage_entered_at >= :until AND {reopened}", "INDEXED BY ix_record_reopened"),
        (f"r.stage IN :open_stages AND r.stage_entered_at < :until AND {reopened}",
         "INDEXED BY ix_record_kind_stage"),
    ]  # fmt: skip
    columns = ["id", "kind", "opened_at", "first_resolved_at", "closed_at", "reopen_count",
               "customer_id", *grouped_columns(scope)]  # fmt: skip
    open_then = (
        "(r.reopen_count = 0 AND (r.closed_at IS NULL OR r.closed_at >= :until)) "
        f"OR (r.reopen_count > 0 AND {STAGE_AT_UNTIL} IN :open_stages)"
    )
    outer = ("GROUP BY " + ", ".join(labels)) if labels else ""
    sql = f"""
SELECT {"".join(f"{label}, " for label in labels)}SUM(open_then) AS backlog FROM (
  SELECT {group_select}CASE WHEN {open_then} THEN 1 ELSE 0 END AS open_then
  FROM (
  {index_ranges(columns, arms, dialect)}
  ) r LEFT JOIN customer cu ON cu.id = r.customer_id{FENCE[dialect]}
) b
{outer}"""
    return rows(session, sql, scope)


FEWER = 50_000  # a range counted up to this many at most, to choose the smaller one


def _fewer_opened(connection: Connection, scope: Scope) -> bool:
    """Whether fewer records were opened before scope.until than first resolved after it:
    each counted from its index, and only up to FEWER."""
    until = int(scope.until.timestamp())
    opened = text(
        "SELECT COUNT(*) FROM (SELECT 1 FROM record WHERE kind IN :kinds AND opened_at < :until "
        f"LIMIT {FEWER}) x"
    ).bindparams(bindparam("kinds", expanding=True))
    resolved = text(  # (and those never resolved: the open ones, few, left out of the count)
        f"SELECT COUNT(*) FROM (SELECT 1 FROM record WHERE first_resolved_at >= :until "
        f"LIMIT {FEWER}) x"
    )
    before = connection.execute(opened, {"kinds": list(scope.kinds), "until": until}).scalar()
    after = connection.execute(resolved, {"until": until}).scalar()
    return int(before or 0) < int(after or 0)


# ---- the days kept ------------------------------------------------------------------------

_KEPT = text(
    "SELECT starts_at, grp, done, sums, durations, ends_at FROM report_day WHERE key = :key "
    "AND starts_at >= :since AND starts_at < :until AND made_at <= :now"
)
_MARKED = text(
    "SELECT starts_at FROM report_day WHERE key = :key AND grp = '' AND done = :yes "
    "AND starts_at >= :since AND starts_at < :until AND made_at <= :now"
)


@dataclass(frozen=True)
class KeptDay:
    """A day kept: what its mark holds (JSON: the backlog at its end per group, once a
    report asked for it) and its group rows (values, sums, durations)."""

    ends: int
    mark: str | None
    groups: list[tuple[str, str | None, bytes | None]]


def kept_days(
    connection: Connection, key: int, since: int, until: int, now: int
) -> dict[int, KeptDay]:
    """The days kept of report shape `key` starting in [since, until), worked out by `now`,
    by start; a day reserved but not done is not among them."""
    marks: dict[int, tuple[int, str | None]] = {}
    groups: dict[int, list[tuple[str, str | None, bytes | None]]] = {}
    params = {"key": key, "since": since, "until": until, "now": now}
    for starts, grp, is_done, sums, durations, ends in connection.execute(_KEPT, params):
        if grp == "":
            if is_done:
                marks[int(starts)] = (int(ends), sums)
        else:
            groups.setdefault(int(starts), []).append((grp, sums, _bytes(durations)))
    return {day: KeptDay(*mark, groups.get(day, [])) for day, mark in marks.items()}


def marked_days(connection: Connection, key: int, since: int, until: int, now: int) -> set[int]:
    """The starts of the days kept (as kept_days, without reading them)."""
    params = {"key": key, "since": since, "until": until, "now": now, "yes": True}
    return {int(starts) for (starts,) in connection.execute(_MARKED, params)}


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def reserve_days(
    connection: Connection, key: int, days: Sequence[tuple[int, int]], now: int
) -> None:
    """Mark days (starts, ends) as being worked out, unless already there; on PostgreSQL
    after the writers whose changes are not yet committed (their triggers' lock)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE report_day IN SHARE ROW EXCLUSIVE MODE")
    connection.execute(
        text(
            "INSERT INTO report_day (key, starts_at, grp, ends_at, made_at, done) "
            "VALUES (:key, :starts, '', :ends, :now, :no) ON CONFLICT DO NOTHING"
        ),
        [{"key": key, "starts": s, "ends": e, "now": now, "no": False} for s, e in days],
    )


PRUNE_AFTER = 90 * 86400  # seconds


def keep_days(
    connection: Connection,
    key: int,
    days: Sequence[tuple[int, int, str | None, Sequence[tuple[str, str, bytes]]]],
    now: int,
    marks: Sequence[tuple[int, str | None]] = (),
) -> int:
    """Fill in the days reserved and still there (no change dropped them since): each
    (starts, ends, mark, group rows); write `marks` (starts, mark) on days kept and still
    there; drop the days of shapes nothing was kept of for PRUNE_AFTER. The number of days
    kept."""
    if connection.dialect.name == "postgresql":  # after the writers' triggers, not among them
        connection.exec_driver_sql("LOCK TABLE report_day IN SHARE ROW EXCLUSIVE MODE")
    mark = text(
        "UPDATE report_day SET done = :yes, made_at = :now, sums = :mark WHERE key = :key "
        "AND starts_at = :starts AND grp = '' AND done = :no"
    )
    insert = text(
        "INSERT INTO report_day (key, starts_at, grp, ends_at, made_at, done, sums, durations) "
        "VALUES (:key, :starts, :grp, :ends, :now, :yes, :sums, :durations)"
    )
    kept = 0
    for starts, ends, marked, groups in days:
        common = {"key": key, "starts": starts, "now": now, "yes": True, "no": False}
        if connection.execute(mark, {**common, "mark": marked}).rowcount != 1:
            continue
        kept += 1
        if groups:
            connection.execute(
                insert,
                [
                    {**common, "ends": ends, "grp": g, "sums": s, "durations": d}
                    for g, s, d in groups
                ],
            )
    # the days of report shapes no report has kept anything of for PRUNE_AFTER (an earlier
    # config, a grouping nobody asks for any more) go
    connection.execute(
        text(
            "DELETE FROM report_day WHERE key IN (SELECT key FROM report_day "
            "GROUP BY key HAVING MAX(made_at) < :cutoff)"
        ),
        {"cutoff": now - PRUNE_AFTER},
    )
    if marks:
        connection.execute(
            text(
                "UPDATE report_day SET sums = :mark WHERE key = :key AND starts_at = :starts "
                "AND grp = '' AND done = :yes"
            ),
            [{"key": key, "starts": starts, "mark": m, "yes": True} for starts, m in marks],
        )
    return kept
