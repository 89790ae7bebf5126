"""Migrations and the credential repository on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import inspect

from mcp_console.core.db import Database
from mcp_console.core.migrate import current_revisions, head_revisions, upgrade_to_head
from mcp_console.credentials.repository import CredentialRepository
from mcp_console.tables import metadata
from tests.support.databases import scratch_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def migrated_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        await asyncio.to_thread(upgrade_to_head, sqlite_url)
        yield sqlite_url
        return
    async with scratch_postgres_database(request.getfixturevalue("postgres_url")) as url:
        await asyncio.to_thread(upgrade_to_head, url)
        yield url


async def test_migrations_create_every_table_at_head(migrated_url: str) -> None:
    database = Database(migrated_url)
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revisions = await connection.run_sync(current_revisions)
    await database.close()
    assert set(metadata.tables) <= tables
    assert revisions == head_revisions(migrated_url)


async def test_migrations_are_idempotent(migrated_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, migrated_url)


async def test_credential_repository_round_trip(migrated_url: str) -> None:
    database = Database(migrated_url)
    async for session in database.unit_of_work():
        repo = CredentialRepository(session)
        await repo.upsert("a@example.com", "github", "token", "credential", "cipher-1", key_id="k1")
        await repo.upsert("a@example.com", "github", "token", "credential", "cipher-2", key_id="k1")
        await repo.upsert("b@example.com", "github", "token", "credential", "cipher-3", key_id="k1")
    async for session in database.unit_of_work():
        repo = CredentialRepository(session)
        row = await repo.get("a@example.com", "github", "token")
        assert row is not None and row.ciphertext == "cipher-2"
        assert [r.owner async for r in repo.iterate_all()] == ["a@example.com", "b@example.com"]
        assert await repo.delete("a@example.com", "github", "token")
        assert not await repo.delete("a@example.com", "github", "token")
    await database.close()


async def test_unit_of_work_rolls_back_on_error(migrated_url: str) -> None:
    database = Database(migrated_url)

    async def failing_work() -> None:
        async for session in database.unit_of_work():
            await CredentialRepository(session).upsert(
                "c@example.com", "k", "n", "oauth", "c", key_id="k1"
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await failing_work()
    async for session in database.unit_of_work():
        assert await CredentialRepository(session).get("c@example.com", "k", "n") is None
    await database.close()
