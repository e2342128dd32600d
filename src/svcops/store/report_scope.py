"""What one report run covers (its period, kinds, groups and settings) and how a report
query is bound to it: the scope's values as parameters, its groups as GROUP BY columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session

from svcops.domain.kinds import LIFECYCLES, STAGE_EVENT_ACTIONS
from svcops.domain.metrics import formula_parameters
from svcops.domain.vocabulary import UNATTENDED_CHANNELS

# --by groups that are columns (time groups are periods, cut by the service layer)
GROUP_COLUMNS = {
    "team": "r.team",
    "assignee": "r.assignee",
    "service": "r.service",
    "category": "r.category",
    "channel": "r.channel",
    "priority": "r.priority",
    "kind": "r.kind",
    "model": "r.model",
    "customer": "cu.key",
}


@dataclass(frozen=True)
class Scope:
    """What one report run covers."""

    since: datetime
    until: datetime
    now: datetime
    kinds: Sequence[str]
    groups: Sequence[str]
    open_stages: Sequence[str]  # stages (of the kinds covered) that count as open
    dimensions: Sequence[str]
    # a known-error register's report: the stage of the register, the kind linked to it
    known_error_stage: str = ""
    linked_kind: str = ""

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "since": int(self.since.timestamp()),
            "until": int(self.until.timestamp()),
            "now": int(self.now.timestamp()),
            "kinds": list(self.kinds),
            "open_stages": list(self.open_stages),
            "stage_actions": list(STAGE_EVENT_ACTIONS),
            "dimensions": list(self.dimensions) or [""],
            "known_error_stage": self.known_error_stage,
            "unattended": list(UNATTENDED_CHANNELS),
            # the kinds whose records can be due (on time is measured on them)
            "due_kinds": [k.kind for k in LIFECYCLES.values() if "due_at" in k.fields] or [""],
            "linked_kind": self.linked_kind,
            **formula_parameters(),
        }
        return values


def group_sql(scope: Scope) -> tuple[str, str, list[str]]:
    """(select list prefix, GROUP BY clause, column labels) for the scope's groups."""
    labels = [f"g_{name}" for name in scope.groups]
    if not labels:
        return "", "", []
    select = "".join(f"{GROUP_COLUMNS[n]} AS g_{n}, " for n in scope.groups)
    return select, "GROUP BY " + ", ".join(GROUP_COLUMNS[n] for n in scope.groups), labels


def grouped_columns(scope: Scope) -> list[str]:
    """The record's columns the scope's groups read (a customer group reads the customer's)."""
    return [column[2:] for g in scope.groups if (column := GROUP_COLUMNS[g]).startswith("r.")]


# The kind filter as an expression, so that no index on `kind` (which hardly narrows anything:
# most records are incidents) is chosen over the time range that does narrow the rows.
KIND_FILTER = "(CASE WHEN r.kind IN :kinds THEN 1 ELSE 0 END) = 1"
# the stage a record was in at :until, by its stage events
STAGE_AT_UNTIL = (
    "(SELECT e.to_value FROM event e WHERE e.record_id = r.id "
    "AND e.action IN :stage_actions AND e.at < :until ORDER BY e.at DESC, e.id DESC LIMIT 1)"
)
# a subquery with an OFFSET is not folded into the query around it (SQLite wants a LIMIT too),
# so that what it works out once per row is not worked out again wherever it is used
FENCE = {"sqlite": " LIMIT -1 OFFSET 0", "postgresql": " OFFSET 0"}
# How SQLite (which has no statistics to go by) is to read an arm of `index_ranges`: a range
# of first resolutions from their index, not their openings from the other one
BY_RESOLUTION = "INDEXED BY ix_record_first_resolved_at"


def index_ranges(columns: Sequence[str], arms: Sequence[tuple[str, str]], dialect: str) -> str:
    """The records of disjoint index ranges as one UNION ALL of `columns` (record `r`'s):
    each arm a condition and how SQLite is to read it ("" for its planner's choice;
    PostgreSQL has statistics, and reads each range from an index alone when the index
    carries the columns: tables.FACTS)."""
    selected = ", ".join(f"r.{c}" for c in dict.fromkeys(columns))
    return "\n  UNION ALL ".join(
        f"SELECT {selected} FROM record r{f' {how}' if how and dialect == 'sqlite' else ''}"
        f" WHERE {condition}"
        for condition, how in arms
    )


# days from a time far enough back that every time svcops stores is after it (integer
# division then rounds the same way on every backend)
_BACK = 86400 * 800_000


def local_day(column: str, segments: Sequence[tuple[int, int]]) -> str:
    """The local day number of `column` (an integer time), given the zone's offsets: each
    segment (from, offset) holds from its time until the next segment's."""

    def day(offset: int) -> str:
        return f"(({column} + {int(offset) + _BACK}) / 86400 - {_BACK // 86400})"

    if len(segments) == 1:
        return day(segments[0][1])
    whens = " ".join(
        f"WHEN {column} < {int(start)} THEN {day(before)}"
        for (start, _after), (_from, before) in zip(segments[1:], segments, strict=False)
    )
    return f"(CASE {whens} ELSE {day(segments[-1][1])} END)"


LISTS = ("kinds", "open_stages", "stage_actions", "dimensions", "unattended", "due_kinds")


def bound(sql: str, scope: Scope) -> tuple[TextClause, dict[str, Any]]:
    """The statement of `sql` (its lists expanding) and the scope's values it uses."""
    used = [name for name in LISTS if f":{name}" in sql]
    statement = text(sql).bindparams(*(bindparam(name, expanding=True) for name in used))
    return statement, {k: v for k, v in scope.params().items() if f":{k}" in sql}


def rows(session: Session, sql: str, scope: Scope) -> list[dict[str, Any]]:
    result = session.connection().execute(*bound(sql, scope))
    return [dict(row._mapping) for row in result]
