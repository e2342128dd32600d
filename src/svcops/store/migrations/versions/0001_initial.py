"""The first schema: customers, records, events, contacts, feedback, key counters.

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.BigInteger  # UTC epoch seconds (svcops.store.tables.EpochSeconds)


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("email", sa.String, nullable=True),
        sa.Column("org", sa.String, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(2), nullable=True),
        sa.Column("priority_overridden", sa.Boolean, nullable=False),
        sa.Column("impact", sa.Integer, nullable=True),
        sa.Column("urgency", sa.Integer, nullable=True),
        sa.Column("service", sa.String, nullable=True),
        sa.Column("category", sa.String, nullable=True),
        sa.Column("channel", sa.String, nullable=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=True),
        sa.Column("assignee", sa.String, nullable=True),
        sa.Column("team", sa.String, nullable=True),
        sa.Column("problem_id", sa.Integer, sa.ForeignKey("record.id"), nullable=True),
        sa.Column("root_cause", sa.String, nullable=True),
        sa.Column("workaround", sa.String, nullable=True),
        sa.Column("model", sa.String, nullable=True),
        sa.Column("due_at", TIME, nullable=True),
        sa.Column("hold_reason", sa.String, nullable=True),
        sa.Column("held_from", sa.String, nullable=True),
        sa.Column("held_since", TIME, nullable=True),
        sa.Column("paused_s", sa.Integer, nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("stage_entered_at", TIME, nullable=False),
        sa.Column("first_response_at", TIME, nullable=True),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("first_resolved_at", TIME, nullable=True),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("reopen_count", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("kind", "number", name="uq_record_kind_number"),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("record.id"), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_value", sa.String, nullable=True),
        sa.Column("to_value", sa.String, nullable=True),
        sa.Column("note", sa.String, nullable=True),
    )
    op.create_index("ix_event_record_at", "event", ["record_id", "at"])
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("record.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("agent", sa.String, nullable=True),
        sa.Column("note", sa.String, nullable=True),
    )
    op.create_index("ix_contact_record_at", "contact", ["record_id", "at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("record.id"), nullable=False),
        sa.Column("csat", sa.Integer, nullable=True),
        sa.Column("ces", sa.Integer, nullable=True),
        sa.Column("comment", sa.String, nullable=True),
        sa.Column("received_at", TIME, nullable=False),
    )
    op.create_table(
        "feedback_score",
        sa.Column("feedback_id", sa.Integer, sa.ForeignKey("feedback.id"), primary_key=True),
        sa.Column("dimension", sa.String(32), primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
    )
    counters = op.create_table(
        "key_counter",
        sa.Column("prefix", sa.String(8), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.bulk_insert(counters, [{"prefix": p, "last": 0} for p in ("INC", "PRB", "REQ", "FB", "CUS")])


def downgrade() -> None:
    for table in ("key_counter", "feedback_score", "feedback", "contact", "event", "record"):
        op.drop_table(table)
    op.drop_table("customer")
