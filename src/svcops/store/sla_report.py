"""The SQL of the SLA report (store.sla.SlaFacts.report): which records a report over a
period reads, from index ranges only, and what it counts of them without the domain: the
outcomes kept under the config in force and the clocks settled in calendar time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, bindparam, text

from svcops.store.report_scope import (
    BY_RESOLUTION,
    FENCE,
    Scope,
    group_sql,
    grouped_columns,
    index_ranges,
    local_day,
)
from svcops.store.tables import FACTS as INDEXED_FACTS

HELD = "(r.paused_s > 0 OR r.held_since IS NOT NULL)"
# An outcome kept (tables.SlaOutcome) counts while the record's facts are those it was worked
# out from, under the config in force, and what it decided had happened by now (a clock set
# back, SVCOPS_NOW); a change to the record's contacts or stage events drops it (its holds
# and suspect pauses depend on them: triggers, migration 0006).
OUTCOME_VALID = "(o.record_id IS NOT NULL)"
SUMS = 7  # the sums in a row of SlaFacts.report, after the group values and three periods
# the record's columns an arm of ReportQuery's source reads: the SLA facts (carried by the
# indexes on the opening and on the first resolution, tables.FACTS) and the groups'
SOURCE_COLUMNS = ("id", "kind", "opened_at", "first_resolved_at", *INDEXED_FACTS)


@dataclass(frozen=True)
class ReportQuery:
    """The records whose clocks a report over `scope` (its periods, [starts, ends)) can
    count: per priority, those opened from `response_from` (no response of an earlier one is
    decided in the periods), those first resolved in them, and those not resolved at their
    end that were opened from `resolution_from` or were on hold (`open_at_end`: every one not
    resolved at their end).

    A clock is *settled* when its event came within the target's calendar time of the
    opening: met, whatever the calendar and the holds (open time never exceeds calendar
    time; domain/sla.py `settled`). Those are counted in SQL, and so are the outcomes kept
    under the config in force (`policy`; OUTCOME_VALID); the rest go to the domain."""

    scope: Scope
    starts: Sequence[int]
    ends: Sequence[int]  # each period's end: the start of the next one, or earlier
    response_from: Mapping[str, int]
    resolution_from: Mapping[str, int]
    targets: Mapping[str, tuple[int, int]]  # priority -> (response, resolution) seconds
    policy: int = 0  # the SLA config in force (its fingerprint): outcomes kept under it count
    open_at_end: bool = False
    holds_resolved: bool = False  # also the records on hold first resolved in the periods
    # the zone's offsets when the periods are consecutive local days (store/report_days.py)
    segments: tuple[tuple[int, int], ...] = ()
    # only the records open at the end of the one period (for open_at_end alone)
    only_open: bool = False

    def _case(self, name: str, values: Mapping[str, Any]) -> str:
        whens = " ".join(f"WHEN :{name}_p{n} THEN :{name}_v{n}" for n in range(len(values)))
        return f"(CASE r.priority {whens} ELSE NULL END)"

    def _case_params(self, name: str, values: Mapping[str, int]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for n, (priority, value) in enumerate(sorted(values.items())):
            params[f"{name}_p{n}"], params[f"{name}_v{n}"] = priority, value
        return params

    def _settled(self, column: str, name: str) -> str:
        return (
            f"({column} IS NOT NULL AND {column} <= :now AND "
            f"{column} - r.opened_at <= {self._case(name, self.targets)})"
        )

    @property
    def response_settled(self) -> str:
        """Of a resolved record only: an unresolved one may yet be cancelled (no SLA)."""
        settled = self._settled("r.first_response_at", "response_goal")
        return f"({settled} AND r.first_resolved_at IS NOT NULL)"

    @property
    def resolution_settled(self) -> str:
        return self._settled("r.first_resolved_at", "resolution_goal")

    @property
    def resolved_in_range(self) -> str:
        """First resolved in the periods, by now, with an SLA (a target for its priority)."""
        return (
            "(r.first_resolved_at >= :range_from AND r.first_resolved_at < :until "
            f"AND r.first_resolved_at <= :now AND {self._case('resolution_goal', self.targets)}"
            " IS NOT NULL)"
        )

    def bucket(self, column: str) -> str:
        """The index of the period `column` falls in; NULL outside them (the periods may
        leave gaps: the first of a --by day report ends at midnight, the next one starts at
        --since). Consecutive local days: their day number, from the first one."""
        if self.segments:
            first = f"{local_day(':range_from', self.segments)}"
            return (
                f"(CASE WHEN {column} IS NULL OR {column} < :range_from OR {column} >= :until "
                f"THEN NULL ELSE {local_day(column, self.segments)} - {first} END)"
            )
        whens = " ".join(
            f"WHEN {column} < :end{n} THEN {n} WHEN {column} < :start{n + 1} THEN NULL"
            for n in range(len(self.starts) - 1)
        )
        return (
            f"(CASE WHEN {column} IS NULL OR {column} < :range_from OR {column} >= :until "
            f"THEN NULL {whens} ELSE {len(self.starts) - 1} END)"
        )

    @property
    def open_at_an_end(self) -> str:
        """Open (neither resolved nor closed) at the end of one of the periods, or now."""
        each = [
            f"(r.opened_at < :moment{n} AND (r.first_resolved_at IS NULL OR "
            f"r.first_resolved_at > :moment{n}) AND "
            f"(r.closed_at IS NULL OR r.closed_at > :moment{n}))"
            for n in range(len(self.starts))
        ]
        return f"({' OR '.join(each)})"

    def sql(self, dialect: str) -> tuple[str, str, dict[str, Any]]:
        """(FROM, WHERE, parameters) of the records, each with the outcome kept for it (`o`)."""
        now, until = int(self.scope.now.timestamp()), int(self.scope.until.timestamp())
        params: dict[str, Any] = {
            "since": self.starts[0],
            "range_from": self.starts[0],
            "until": until,
            "now": now,
            "kinds": list(self.scope.kinds),
            "policy": self.policy,
            "response_floor": min(self.response_from.values()),
            "resolution_floor": min(self.resolution_from.values()),
            **{f"start{n}": start for n, start in enumerate(self.starts)},
            **{f"end{n}": end for n, end in enumerate(self.ends)},
            **{f"moment{n}": min(end, now) for n, end in enumerate(self.ends)},
            **self._case_params("response_from", self.response_from),
            **self._case_params("resolution_from", self.resolution_from),
            **self._case_params("response_goal", {p: t[0] for p, t in self.targets.items()}),
            **self._case_params("resolution_goal", {p: t[1] for p, t in self.targets.items()}),
        }
        open_at_until = "(r.closed_at IS NULL OR r.closed_at >= :until)"
        later = (
            open_at_until
            if self.open_at_end
            else f"({open_at_until} AND ({HELD} OR r.opened_at >= :resolution_floor))"
        )
        resolution_from = self._case("resolution_from", self.resolution_from)
        exact_later = (
            open_at_until
            if self.open_at_end
            else f"({open_at_until} AND ({HELD} OR r.opened_at >= {resolution_from}))"
        )
        where = f"""r.kind IN :kinds AND r.opened_at < :until AND (
    r.opened_at >= {self._case("response_from", self.response_from)}
    OR (r.first_resolved_at >= :since AND r.first_resolved_at < :until)
    OR ((r.first_resolved_at IS NULL OR r.first_resolved_at >= :until) AND {exact_later}))
  AND (r.first_resolved_at IS NULL OR r.first_resolved_at >= :since)"""
        # Disjoint index ranges, each read from an index that carries the columns: opened
        # from the floor; before it, and first resolved in the periods, after them, or never.
        earlier = "r.opened_at < :response_floor"
        arms = [
            ("r.kind IN :kinds AND r.opened_at >= :response_floor AND r.opened_at < :until", ""),
            (f"r.first_resolved_at >= :since AND r.first_resolved_at < :until AND {earlier}",
             BY_RESOLUTION),
            (f"r.first_resolved_at >= :until AND {earlier} AND {later}", BY_RESOLUTION),
            (f"r.first_resolved_at IS NULL AND {earlier} AND {later}", BY_RESOLUTION),
        ]  # fmt: skip
        if self.only_open:
            assert len(self.starts) == 1
            assert self.open_at_end
            earlier = "r.kind IN :kinds AND r.opened_at < :moment0"
            arms = [
                (f"r.first_resolved_at > :moment0 AND {earlier}", BY_RESOLUTION),
                (f"r.first_resolved_at IS NULL AND {earlier}", BY_RESOLUTION),
            ]
        union = index_ranges([*SOURCE_COLUMNS, *grouped_columns(self.scope)], arms, dialect)
        same = "IS NOT DISTINCT FROM" if dialect == "postgresql" else "IS"
        kept = " AND ".join(
            f"o.{c} = r.{c}" for c in ("opened_at", "first_resolved_at", "paused_s")
        ) + "".join(
            f" AND o.{c} {same} r.{c}"
            for c in ("priority", "team", "first_response_at", "closed_at")
        )
        source = f"""(
  {union}
) r
LEFT JOIN customer cu ON cu.id = r.customer_id
LEFT JOIN sla_outcome o ON o.record_id = r.id AND o.policy = :policy AND {kept}
  AND o.first_resolved_at <= :now AND o.response_at <= :now AND o.resolution_at <= :now"""
        return source, where, params

    def statement(self, dialect: str) -> tuple[TextClause, dict[str, Any]]:
        """The query of store.sla.SlaFacts.report: a row of sums per group and periods, and
        a row of its own for each record the domain must see (its id in `own_id`)."""
        source, where, params = self.sql(dialect)
        group_select, _group_by, labels = group_sql(self.scope)
        fence = FENCE[dialect]
        labels_of = "".join(f"{label}, " for label in labels)
        extra = "held * in_range = 1" if self.holds_resolved else "1 = 0"  # suspect pauses
        at_an_end = self.open_at_an_end if self.open_at_end else "1 = 0"
        others = "1 = 0" if self.only_open else "1 = 1"  # records not open at the end too
        flags = {  # each worked out once per record, in the innermost query
            "response_settled": self.response_settled,
            "resolution_settled": self.resolution_settled,
            "in_range": self.resolved_in_range,
            "held": HELD,
            "open_at_an_end": at_an_end,
            "has_goal": f"{self._case('resolution_goal', self.targets)} IS NOT NULL",
            "kept": OUTCOME_VALID,
            "kept_response_met": "o.response_met",
            "kept_resolution_met": "o.resolution_met",
        }
        flag_columns = ",\n      ".join(
            f"CASE WHEN {condition} THEN 1 ELSE 0 END AS {name}"
            for name, condition in flags.items()
        )
        # The records' facts and flags (innermost), what each counts (x), then the sums; a
        # FENCE keeps each query from being folded into the next, which would work its
        # expressions out again wherever they are used.
        statement = text(f"""
SELECT {labels_of}{self.bucket("response_at")} AS response_bucket,
  {self.bucket("decided_at")} AS decided_bucket,
  {self.bucket("resolved_at")} AS resolved_bucket,
  COUNT(response_at) AS responses,
  SUM(CASE WHEN response_at IS NULL THEN 0 ELSE response_met END) AS responses_met,
  COUNT(decided_at) AS resolutions,
  SUM(CASE WHEN decided_at IS NULL THEN 0 ELSE resolution_met END) AS resolutions_met,
  SUM(CASE WHEN resolved_at IS NULL THEN 0 ELSE paused_s END) AS paused_s,
  SUM(CASE WHEN resolved_at IS NULL THEN 0 ELSE elapsed_s END) AS elapsed_s,
  SUM(CASE WHEN resolved_at IS NULL THEN 0 ELSE suspect_pauses END) AS suspect_pauses,
  own_id, MAX(kept) AS kept
FROM (
  SELECT {labels_of}kept, paused_s,
    CASE WHEN kept = 1 THEN kept_response_at
      WHEN response_settled = 1 THEN first_response_at END AS response_at,
    CASE WHEN kept = 1 THEN kept_response_met ELSE 1 END AS response_met,
    CASE WHEN kept = 1 THEN kept_resolution_at
      WHEN resolution_settled * in_range = 1 THEN first_resolved_at END AS decided_at,
    CASE WHEN kept = 1 THEN kept_resolution_met ELSE 1 END AS resolution_met,
    CASE WHEN in_range = 1 THEN first_resolved_at END AS resolved_at,
    first_resolved_at - opened_at AS elapsed_s,
    CASE WHEN kept = 1 THEN kept_suspect ELSE 0 END AS suspect_pauses,
    CASE WHEN has_goal = 1 AND (open_at_an_end = 1 OR ({others} AND kept = 0 AND
      (response_settled * resolution_settled = 0 OR {extra}))) THEN id END AS own_id
  FROM (
    SELECT {group_select}r.id, r.opened_at, r.first_response_at, r.first_resolved_at,
      r.paused_s, o.response_at AS kept_response_at, o.resolution_at AS kept_resolution_at,
      o.suspect_pauses AS kept_suspect,
      {flag_columns}
    FROM {source}
    WHERE {where}{fence}
  ) f{fence}
) x
GROUP BY {labels_of}response_bucket, decided_bucket, resolved_bucket, own_id
""").bindparams(bindparam("kinds", expanding=True))
        return statement, params
