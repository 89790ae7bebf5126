"""Apply Alembic migrations programmatically (used by `mcp-console migrate` and `run`)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from mcp_console.core.db import ensure_sqlite_directory


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("mcp_console") / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Synchronous on purpose: Alembic's env runs its own event loop.

    Upgrades to every head: each domain adds its tables in its own revision off the base chain,
    so independent domains never have to agree on one linear order.
    """
    ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(database_url), "heads")


def head_revisions(database_url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())
