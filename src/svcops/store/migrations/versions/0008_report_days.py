"""The sums of a report's days kept, so that a report over a year adds up days instead of
reading a year of records (store/report_days.py, services/report_days.py).

`report_day` holds, per report shape (`key`: its kinds, groups, settings and SLA config)
and day (`starts_at`, `ends_at`), a row marking the day (`grp` NULL: reserved, then `done`)
and a row per group with the day's sums and the sorted durations its percentiles are taken
from. Triggers keep it true: a change to a record, its contacts, events or responses drops
every day that ends after the earliest moment the change can count at (the record's opening,
first response or first resolution, the contact's, event's or response's time); a change to
a customer (a customer group's key) drops them all.

Revision ID: 0008_report_days
Revises: 0007_report_covering
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_report_days"
down_revision = "0007_report_covering"
branch_labels = None
depends_on = None

FORGET = "svcops_report_day_forget"
OUTCOMES_FORGET = "svcops_sla_outcome_forget"  # migration 0006's
ALL = "-9000000000000000000"  # earlier than any time svcops stores: every day
# (table, its time column); customer: none (every day goes)
WATCHED = (
    ("record", None),
    ("contact", "at"),
    ("event", "at"),
    ("feedback", "received_at"),
    ("feedback_score", None),
    ("customer", None),
)
OPS = (
    ("added", "INSERT", "NEW TABLE AS came", ("NEW",)),
    ("changed", "UPDATE", "OLD TABLE AS gone NEW TABLE AS came", ("OLD", "NEW")),
    ("removed", "DELETE", "OLD TABLE AS gone", ("OLD",)),
)


def _sqlite_record(row: str) -> str:
    """SQLite: the earliest moment a record (`row`: an alias) counts at."""
    return (
        f"min({row}.opened_at, coalesce({row}.first_response_at, {row}.opened_at), "
        f"coalesce({row}.first_resolved_at, {row}.opened_at))"
    )


def _sqlite_earliest(table: str, row: str) -> str:
    """SQLite: the earliest moment the change of a row (`row`: OLD or NEW) counts at."""
    if table == "record":
        return _sqlite_record(row)
    if table == "customer":
        return ALL
    if table == "feedback_score":
        of = f"(SELECT f.received_at FROM feedback f WHERE f.id = {row}.feedback_id)"
        record = (
            f"(SELECT {_sqlite_record('r')} FROM feedback f JOIN record r ON r.id = f.record_id"
            f" WHERE f.id = {row}.feedback_id)"
        )
        return f"coalesce(min({of}, coalesce({record}, {of})), {ALL})"
    column = dict(WATCHED)[table]
    record = f"(SELECT {_sqlite_record('r')} FROM record r WHERE r.id = {row}.record_id)"
    return f"min({row}.{column}, coalesce({record}, {row}.{column}))"


def _postgresql_earliest(table: str, rows: str) -> str:
    """PostgreSQL: a query of the earliest moment the rows of a transition table count at."""
    record = "LEAST(r.opened_at, r.first_response_at, r.first_resolved_at)"
    if table == "record":
        return f"SELECT MIN({record.replace('r.', 't.')}) FROM {rows} t"
    if table == "feedback_score":
        return (
            f"SELECT MIN(LEAST(f.received_at, {record})) FROM {rows} t "
            "JOIN feedback f ON f.id = t.feedback_id LEFT JOIN record r ON r.id = f.record_id"
        )
    column = dict(WATCHED)[table]
    return (
        f"SELECT MIN(LEAST(t.{column}, {record})) FROM {rows} t "
        "LEFT JOIN record r ON r.id = t.record_id"
    )


def _postgresql_function() -> str:
    branches = []
    for table, _column in WATCHED:
        if table == "customer":
            continue
        gone, came = _postgresql_earliest(table, "gone"), _postgresql_earliest(table, "came")
        branches.append(f"""  {"IF" if not branches else "ELSIF"} TG_TABLE_NAME = '{table}' THEN
    IF TG_OP <> 'INSERT' THEN earliest := ({gone}); END IF;
    IF TG_OP <> 'DELETE' THEN earliest := LEAST(earliest, ({came})); END IF;""")
    # the schema's tables, whatever the search path of the session whose change fires it
    return f"""CREATE OR REPLACE FUNCTION {FORGET}() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE earliest bigint;
BEGIN
  IF TG_TABLE_NAME = 'customer' THEN
    IF TG_OP <> 'INSERT' THEN DELETE FROM report_day; END IF;
    RETURN NULL;
  END IF;
{chr(10).join(branches)}
  END IF;
  IF earliest IS NOT NULL THEN DELETE FROM report_day WHERE ends_at > earliest; END IF;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        "report_day",
        sa.Column("key", sa.BigInteger(), primary_key=True),
        sa.Column("starts_at", sa.BigInteger(), primary_key=True),
        # '' marks the day (reserved, then done); the others are groups (a JSON list)
        sa.Column("grp", sa.String(), primary_key=True),
        sa.Column("ends_at", sa.BigInteger(), nullable=False),
        sa.Column("made_at", sa.BigInteger(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("sums", sa.Text(), nullable=True),
        sa.Column("durations", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_report_day_ends_at", "report_day", ["ends_at"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # statement triggers: one call for a whole import's rows
        op.execute(_postgresql_function())
        # and migration 0006's, which read its tables by the search path of the session
        op.execute(f"ALTER FUNCTION {OUTCOMES_FORGET}() SET search_path FROM CURRENT")
    for table, _column in WATCHED:
        for name, when, tables, rows in OPS:
            if table == "customer" and when == "INSERT":
                continue  # a new customer is in no report yet
            if postgresql:
                action = f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {FORGET}()"
            else:
                earliest = ", ".join(_sqlite_earliest(table, row) for row in rows)
                if len(rows) > 1:
                    earliest = f"min({earliest})"
                action = f"BEGIN DELETE FROM report_day WHERE ends_at > {earliest}; END"
            op.execute(f"CREATE TRIGGER report_day_{table}_{name} AFTER {when} ON {table} {action}")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, _column in WATCHED:
        for name, *_rest in OPS:
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER IF EXISTS report_day_{table}_{name}{on}")
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS {FORGET}()")
        op.execute(f"ALTER FUNCTION {OUTCOMES_FORGET}() RESET search_path")
    op.drop_index("ix_report_day_ends_at", table_name="report_day")
    op.drop_table("report_day")
