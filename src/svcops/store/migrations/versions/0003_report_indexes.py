"""Indexes for the report queries: first resolution and last stage change of records.

Revision ID: 0003_report_indexes
Revises: 0002_query_indexes
"""

from alembic import op

revision = "0003_report_indexes"
down_revision = "0002_query_indexes"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_record_first_resolved_at", "record", ["first_resolved_at"]),
    ("ix_record_stage_entered_at", "record", ["stage_entered_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
