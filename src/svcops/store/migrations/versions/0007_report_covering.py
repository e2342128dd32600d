"""The metrics report's facts read from indexes alone: the reopens and due times on the
record indexes, the direction and channel on the contacts' index.

`report metrics` reads a period's records from disjoint ranges of the indexes on the opening
and on the first resolution (store/reports.py `record_sums`), as the SLA report does; with the
reopen count and the due time on them it needs no row of the table. The first-contact count
of each resolved record (inbound, attended contacts up to its resolution) is read from the
contacts' index once it carries the direction and the channel. The reopened records (the only
ones resolved before a period that can be open at its end) have an index of their own, by
the time their stage last changed, that carries the same columns.

Revision ID: 0007_report_covering
Revises: 0006_sla_outcomes
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_report_covering"
down_revision = "0006_sla_outcomes"
branch_labels = None
depends_on = None

# frozen copies: a migration is history, not shared code
BEFORE = (
    "first_response_at", "closed_at", "priority", "team", "paused_s", "held_since",
    "customer_id",
)  # fmt: skip
AFTER = (*BEFORE, "reopen_count", "due_at")
RECORD_INDEXES = (
    ("ix_record_kind_opened", ["kind", "opened_at", "first_resolved_at"]),
    ("ix_record_first_resolved_at", ["first_resolved_at", "kind", "opened_at"]),
)
CONTACT_INDEX = "ix_contact_record_at"
REOPENED = "ix_record_reopened"
REOPENED_WHERE = "reopen_count > 0"


def _record_indexes(facts: tuple[str, ...]) -> None:
    for name, leading in RECORD_INDEXES:
        op.drop_index(name, table_name="record")
        op.create_index(name, "record", [*leading, *facts, "id"])


def upgrade() -> None:
    _record_indexes(AFTER)
    op.drop_index(CONTACT_INDEX, table_name="contact")
    op.create_index(CONTACT_INDEX, "contact", ["record_id", "at", "direction", "channel"])
    where = sa.text(REOPENED_WHERE)
    op.create_index(
        REOPENED, "record", ["stage_entered_at", *RECORD_INDEXES[1][1], *AFTER, "id"],
        sqlite_where=where, postgresql_where=where,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(REOPENED, table_name="record")
    op.drop_index(CONTACT_INDEX, table_name="contact")
    op.create_index(CONTACT_INDEX, "contact", ["record_id", "at"])
    _record_indexes(BEFORE)
