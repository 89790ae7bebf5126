"""Catalog source ownership: `scope` (global | private) and `owner` (the e-mail of a private
source's owner). Every source that existed before is global: all users saw and searched it, so it
stays visible to everyone and from now on only operators (ADMIN_EMAILS) may change it.

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "catalog_0002"
down_revision: str | None = "catalog_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_sources") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="global"))
        batch.add_column(sa.Column("owner", sa.String(320), nullable=True))
    op.create_index("ix_catalog_sources_owner", "catalog_sources", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_catalog_sources_owner", table_name="catalog_sources")
    with op.batch_alter_table("catalog_sources") as batch:
        batch.drop_column("owner")
        batch.drop_column("scope")
