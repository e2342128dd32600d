"""The fields a record kind defines for itself (domain/fields.py `define`), kept as one JSON
object per record, so that a new kind needs no column of its own.

Revision ID: 0005_record_attributes
Revises: 0004_import_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_record_attributes"
down_revision = "0004_import_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("attributes", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_column("attributes")
