"""Stored credentials: the id of the key that encrypted each value, and non-secret details.

Revision ID: credentials_0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credentials_0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this revision have no key id: `rotate-keys` re-encrypts and labels them.
    with op.batch_alter_table("stored_credentials") as batch:
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stored_credentials") as batch:
        batch.drop_column("details")
        batch.drop_column("key_id")
