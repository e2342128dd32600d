"""Where an imported record came from, so that importing the same rows again adds nothing:
the source system's id for it (`external_id`, unique per kind) and a fingerprint of the row
or case it was built from (`source_hash`).

Revision ID: 0004_import_identity
Revises: 0003_report_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_import_identity"
down_revision = "0003_report_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("external_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("source_hash", sa.String(length=32), nullable=True))
    op.create_index("uq_record_kind_external_id", "record", ["kind", "external_id"], unique=True)
    op.create_index("ix_record_kind_source_hash", "record", ["kind", "source_hash"])


def downgrade() -> None:
    op.drop_index("ix_record_kind_source_hash", table_name="record")
    op.drop_index("uq_record_kind_external_id", table_name="record")
    with op.batch_alter_table("record") as batch:
        batch.drop_column("source_hash")
        batch.drop_column("external_id")
