"""`mcp-console audit-secrets` as an operator runs it: a real subprocess over a seeded database
(SQLite, and PostgreSQL) and the test Redis. It names each place and rule, never the value; it
leaves the places meant for ciphertext alone; it exits 0 clean, 1 on findings, 2 unreachable."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis
from sqlalchemy import insert

from mcp_console.audit.models import AuditEntry
from mcp_console.containers.models import ManagedContainer
from mcp_console.core.db import Database
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.credentials.models import StoredCredential
from mcp_console.scan.matching import CHUNK_CHARS
from tests.conftest import TEST_REDIS_URL
from tests.support.databases import scratch_postgres_database
from tests.support.processes import base_env, console_command, free_port, fresh_key

# Built at run time, so the repository holds no secret-shaped literal.
GITHUB = "ghp_" + "Zq7Lm" * 8
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiJhdWRpdCJ9" + "." + "c2lnbmF0dXJlLWF1ZGl0"
SLACK = "xoxb-" + "2718281828-" + "QwErTyUiOp"
AWS = "AKIA" + "AUDITSCAN7" + "TEST42"
GOOGLE = "AIza" + "Sy" + "audit-scan-google-key_0123456789a"
SK = "sk-" + "auditScanApiKey" * 2
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + "TUlJQm9n" * 8 + "\n-----END RSA PRIVATE KEY-----"


def fernet_token() -> str:
    return Fernet(fresh_key()).encrypt(b"audit-scan-ciphertext").decode()


FERNET_STRAY, FERNET_HOME = fernet_token(), fernet_token()
VALUES = (GITHUB, JWT, SLACK, AWS, GOOGLE, SK, PEM, FERNET_STRAY)


def _audit(database_url: str, redis_url: str = TEST_REDIS_URL) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        console_command("audit-secrets"),
        env=base_env(DATABASE_URL=database_url, REDIS_URL=redis_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _seed_database(url: str, *, dirty: bool) -> None:
    await asyncio.to_thread(upgrade_to_head, url)
    env = {"LOG_LEVEL": "debug", "MAX_TOKENS": "4096"}
    if dirty:
        env["GITHUB_TOKEN"] = GITHUB
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                insert(ManagedContainer),
                [{"id": "c1", "owner": "o@example.test", "name": "c1", "config": {"env": env}}],
            )
            await connection.execute(
                insert(StoredCredential),
                [
                    {
                        "owner": "o@example.test",
                        "kind": "github",
                        "name": "token",
                        "key_purpose": "credential",
                        "ciphertext": FERNET_HOME,  # where ciphertext belongs: not a finding
                    }
                ],
            )
            detail = f"copied {FERNET_STRAY}" if dirty else "changed keys: env"
            await connection.execute(
                insert(AuditEntry),
                [
                    {
                        "actor": "o@example.test",
                        "action": "x",
                        "target": "c1",
                        "outcome": "success",
                        "detail": detail,
                    }
                ],
            )
    finally:
        await database.close()


async def _seed_redis(client: Redis, *, dirty: bool) -> str:
    """Every Redis type; returns the id of the stream entry."""
    big = " " * (CHUNK_CHARS - 10) + (PEM if dirty else "plain") + " " * 100
    async with client.pipeline(transaction=False) as pipe:
        pipe.xadd("scan:stream", {"key": AWS if dirty else "plain"})
        pipe.hset("session:auth:s1", mapping={"email": "o@example.test", "bw_key": FERNET_HOME})
        pipe.set("cache:secret:s1:item:password", FERNET_HOME)
        pipe.set("plain:string", "hello")
        pipe.hset("scan:hash", mapping={"region": "eu", "authorization": JWT if dirty else "x"})
        pipe.rpush("scan:list", "first", SLACK if dirty else "second")
        pipe.sadd("scan:set", "member", *([GOOGLE] if dirty else []))
        pipe.zadd("scan:zset", {"member": 1.0, **({SK: 2.0} if dirty else {})})
        pipe.set("scan:big", big)  # longer than one window: the PEM header spans the seam
        # A public catalog's placeholder (AWS's documented example key) is not a finding.
        pipe.hset("cache:catalog:docker", mapping={"items": "example: AKIAIOSFODNN7EXAMPLE"})
        if dirty:
            pipe.set(f"leak:{GITHUB}", "1")
            pipe.hset("session:auth:s2", mapping={"email": FERNET_STRAY})
        results = await pipe.execute()
    return str(results[0])


def _findings(stdout: str) -> set[str]:
    return {line for line in stdout.splitlines() if not line.startswith("audit-secrets:")}


def _expected_database_lines() -> set[str]:
    return {"managed_containers/config/id=c1: github-token", "audit_log/detail/id=1: fernet-token"}


async def test_findings_name_place_and_rule_never_the_value(
    sqlite_url: str, redis_client: Redis
) -> None:
    await _seed_database(sqlite_url, dirty=True)
    entry = await _seed_redis(redis_client, dirty=True)

    result = await asyncio.to_thread(_audit, sqlite_url)

    assert result.returncode == 1, result.stderr
    assert _findings(result.stdout) == _expected_database_lines() | {
        "redis scan:hash/authorization: jwt",
        "redis scan:list/1: slack-token",
        "redis scan:set (member): google-api-key",
        "redis scan:zset (member): sk-api-key",
        f"redis scan:stream/{entry}/key: aws-access-key",
        "redis scan:big: pem-private-key",
        "redis leak:*** (key name): github-token",
        "redis session:auth:s2/email: fernet-token",
    }
    assert result.stdout.splitlines()[-1].startswith("audit-secrets: 10 finding(s); scanned ")
    for value in VALUES:
        assert value not in result.stdout + result.stderr


async def test_clean_stores_exit_0(sqlite_url: str, redis_client: Redis) -> None:
    """Ordinary values, Fernet tokens in their own places (credential ciphertext, the session
    record's `bw_key`, the secret cache) and public catalog copies are not findings."""
    await _seed_database(sqlite_url, dirty=False)
    await _seed_redis(redis_client, dirty=False)

    result = await asyncio.to_thread(_audit, sqlite_url)

    assert result.returncode == 0, result.stdout + result.stderr
    [summary] = result.stdout.splitlines()
    assert summary.startswith("audit-secrets: clean; scanned ")
    assert summary.endswith(
        "; 10 Redis key(s), 12 value(s); 1 key(s) of public catalog data, values not searched"
    )


def test_unreachable_stores_exit_2_with_a_clear_message(sqlite_url: str, tmp_path: Path) -> None:
    asyncio.run(_seed_database(sqlite_url, dirty=False))
    closed_port = free_port()
    cases = {
        "cannot reach Redis; check REDIS_URL": (
            sqlite_url,
            f"redis://127.0.0.1:{closed_port}/0",
        ),
        "the SQLite file of DATABASE_URL does not exist": (
            f"sqlite+aiosqlite:///{tmp_path}/missing.db",
            TEST_REDIS_URL,
        ),
        "cannot read the database": (
            f"postgresql+asyncpg://postgres:pw-not-shown@127.0.0.1:{closed_port}/none",
            TEST_REDIS_URL,
        ),
    }
    for message, (database_url, redis_url) in cases.items():
        result = _audit(database_url, redis_url)
        assert result.returncode == 2, result.stdout + result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr and "pw-not-shown" not in result.stderr
    assert not (tmp_path / "missing.db").exists()  # the scan never creates a database


@pytest.mark.postgres
async def test_postgres_database_is_scanned_the_same_way(
    postgres_url: str, redis_client: Redis
) -> None:
    await _seed_redis(redis_client, dirty=False)
    async with scratch_postgres_database(postgres_url) as url:
        await _seed_database(url, dirty=True)
        result = await asyncio.to_thread(_audit, url)
    assert result.returncode == 1, result.stderr
    assert _findings(result.stdout) == _expected_database_lines()
    for value in VALUES:
        assert value not in result.stdout + result.stderr
