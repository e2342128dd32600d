"""Indexes for the queue and report queries: records by kind and opening time or stage, by
assignee, customer and problem; feedback by record and arrival.

Revision ID: 0002_query_indexes
Revises: 0001_initial
"""

from alembic import op

revision = "0002_query_indexes"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_record_kind_opened", "record", ["kind", "opened_at"]),
    ("ix_record_kind_stage", "record", ["kind", "stage"]),
    ("ix_record_assignee", "record", ["assignee"]),
    ("ix_record_customer_id", "record", ["customer_id"]),
    ("ix_record_problem_id", "record", ["problem_id"]),
    ("ix_feedback_record_id", "feedback", ["record_id"]),
    ("ix_feedback_received_at", "feedback", ["received_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
