"""Catalog source ids are never reused: SQLite recreates the table with AUTOINCREMENT (without
it SQLite hands a deleted row's id out again, and an id names the source's cache key).
PostgreSQL's sequence never reuses ids, so there is nothing to do there.

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "catalog_0003"
down_revision: str | None = "catalog_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    table_kwargs = {"sqlite_autoincrement": autoincrement}
    with op.batch_alter_table("catalog_sources", recreate="always", table_kwargs=table_kwargs):
        pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
