"""The SLA clocks' facts read from indexes alone, and each settled record's SLA outcome kept.

The indexes on a record's opening and on its first resolution carry the columns the SLA
clocks and the report groups read (tables.FACTS, store/sla_report.py), so that a report reads
index pages rather than the records' rows. `sla_outcome` keeps the outcome of the clocks of a
record whose clocks are decided, with the facts and the SLA config it was worked out from: a
report uses it only while both still hold (store/sla_report.py). A record's contacts and
stage events are no such facts, yet its holds and suspect pauses depend on them: triggers
drop the outcome of a record whose contacts or events change.

Revision ID: 0006_sla_outcomes
Revises: 0005_record_attributes
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_sla_outcomes"
down_revision = "0005_record_attributes"
branch_labels = None
depends_on = None

# frozen copies: a migration is history, not shared code
FACTS = (
    "first_response_at", "closed_at", "priority", "team", "paused_s", "held_since",
    "customer_id",
)  # fmt: skip
FORGET = "svcops_sla_outcome_forget"
# a change to contacts or events (the holds are stage events) drops the outcome of their
# records: (name, event, PostgreSQL's transition tables, SQLite's row values)
TRIGGERS = (
    ("added", "INSERT", "NEW TABLE AS came", "NEW.record_id"),
    ("changed", "UPDATE", "OLD TABLE AS gone NEW TABLE AS came", "OLD.record_id, NEW.record_id"),
    ("removed", "DELETE", "OLD TABLE AS gone", "OLD.record_id"),
)
WATCHED = ("contact", "event")
INDEXES = (
    ("ix_record_kind_opened", ["kind", "opened_at"], ["first_resolved_at", *FACTS, "id"]),
    ("ix_record_first_resolved_at", ["first_resolved_at"], ["kind", "opened_at", *FACTS, "id"]),
)


def upgrade() -> None:
    for name, before, extra in INDEXES:
        op.drop_index(name, table_name="record")
        op.create_index(name, "record", [*before, *extra])
    op.create_table(
        "sla_outcome",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), primary_key=True),
        sa.Column("policy", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.String(), nullable=True),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("first_response_at", sa.BigInteger(), nullable=True),
        sa.Column("first_resolved_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column("paused_s", sa.Integer(), nullable=False),
        sa.Column("response_met", sa.Boolean(), nullable=False),
        sa.Column("response_at", sa.BigInteger(), nullable=False),
        sa.Column("resolution_met", sa.Boolean(), nullable=False),
        sa.Column("resolution_at", sa.BigInteger(), nullable=False),
        sa.Column("suspect_pauses", sa.Integer(), nullable=False),
    )

    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # statement triggers: one call for a whole import's rows
        op.execute(f"""CREATE OR REPLACE FUNCTION {FORGET}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM sla_outcome WHERE record_id IN (SELECT record_id FROM gone);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    DELETE FROM sla_outcome WHERE record_id IN (SELECT record_id FROM came);
  END IF;
  RETURN NULL;
END $$""")
    for table in WATCHED:
        for name, when, tables, ids in TRIGGERS:
            action = (
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {FORGET}()"
                if postgresql
                else f"BEGIN DELETE FROM sla_outcome WHERE record_id IN ({ids}); END"
            )
            op.execute(
                f"CREATE TRIGGER sla_outcome_{table}_{name} AFTER {when} ON {table} {action}"
            )


def downgrade() -> None:
    for table in WATCHED:
        for name, *_rest in TRIGGERS:
            on = f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS sla_outcome_{table}_{name}{on}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FORGET}()")
    op.drop_table("sla_outcome")
    for name, before, _extra in INDEXES:
        op.drop_index(name, table_name="record")
        op.create_index(name, "record", before)
