"""`mcp-console db copy` moves a populated SQLite database into PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient

from mcp_console.app import create_app
from mcp_console.audit.service import AuditService
from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.settings import Settings
from mcp_console.credentials.service import CredentialService
from tests.support.auth import bearer, fake_bw_settings, login_user
from tests.support.databases import scratch_postgres_database
from tests.support.processes import base_env, console_command

AUDITED_USER = "copied-user@example.test"


def _copy(source: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        console_command("db", "copy", "--from", source, "--to", target),
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_copy_sqlite_to_postgres_keeps_every_row(
    settings: Settings, sqlite_url: str, postgres_url: str
) -> None:
    await asyncio.to_thread(upgrade_to_head, sqlite_url)
    keys = KeyManager.from_settings(settings, secret_registry)
    source = CredentialService(Database(sqlite_url), keys)
    for index in range(3):
        await source.store(f"user{index}@example.com", "github", "token", "credential", f"v{index}")
    audit = AuditService(source.database)
    await audit.record(AUDITED_USER, "container.create", "c1", "success")
    await audit.record(AUDITED_USER, "container.start", "c1", "success")
    await source.database.close()

    async with scratch_postgres_database(postgres_url) as target_url:
        result = await asyncio.to_thread(_copy, sqlite_url, target_url)
        assert result.returncode == 0, result.stderr
        assert "stored_credentials: 3 row(s)" in result.stdout

        target = CredentialService(Database(target_url), keys)
        for index in range(3):
            assert await target.load(f"user{index}@example.com", "github", "token") == f"v{index}"
        # ids continue after the copied ones (sequences were moved past the copied maximum)
        await target.store("new@example.com", "github", "token", "credential", "fresh")
        assert await target.load("new@example.com", "github", "token") == "fresh"
        await target.database.close()

        again = await asyncio.to_thread(_copy, sqlite_url, target_url)
        assert again.returncode == 1
        assert "is not empty" in again.stderr

        served = await asyncio.to_thread(_audit_served_by_api, settings, target_url)
    assert served == ["container.start", "container.create"]


def _audit_served_by_api(settings: Settings, database_url: str) -> list[str]:
    """The API, pointed at the copied database, serves the entries written before the copy."""
    target = fake_bw_settings(settings).model_copy(update={"database_url": database_url})
    app = create_app(target, KeyManager.from_settings(target, secret_registry))
    with TestClient(app) as client:
        session_id = login_user(client, AUDITED_USER)
        entries = client.get("/api/audit", headers=bearer(session_id)).json()["entries"]
    return [entry["action"] for entry in entries]


def test_copy_refuses_an_unreachable_target(sqlite_url: str, tmp_path: Path) -> None:
    result = _copy(sqlite_url, "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "cannot use a database" in result.stderr
    assert "Traceback" not in result.stderr
