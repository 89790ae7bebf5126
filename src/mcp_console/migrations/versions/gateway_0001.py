"""Gateway profiles (current + backups), client tokens (keyed hashes) and the call log.

Revision ID: gateway_0001
Revises: containers_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gateway_0001"
down_revision: str | None = "containers_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gateway_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.UniqueConstraint("owner", "name"),
    )
    op.create_index("ix_gateway_profiles_owner", "gateway_profiles", ["owner"])
    op.create_table(
        "gateway_profile_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("saved_at", STAMP, nullable=False),
        sa.UniqueConstraint("owner", "name", "version"),
    )
    op.create_index("ix_gateway_profile_versions_owner", "gateway_profile_versions", ["owner"])
    op.create_table(
        "gateway_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("profile", sa.String(63), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("last_used_at", STAMP, nullable=True),
        sa.Column("expires_at", STAMP, nullable=True),
    )
    op.create_index("ix_gateway_tokens_owner", "gateway_tokens", ["owner"])
    op.create_table(
        "gateway_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("token_name", sa.String(100), nullable=False),
        sa.Column("profile", sa.String(63), nullable=False),
        sa.Column("server", sa.String(100), nullable=True),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
    )
    op.create_index("ix_gateway_calls_at", "gateway_calls", ["at"])
    op.create_index("ix_gateway_calls_owner", "gateway_calls", ["owner"])
    op.create_index("ix_gateway_calls_profile", "gateway_calls", ["profile"])


def downgrade() -> None:
    for table in (
        "gateway_calls",
        "gateway_tokens",
        "gateway_profile_versions",
        "gateway_profiles",
    ):
        op.drop_table(table)
