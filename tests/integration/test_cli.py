"""CLI commands as a user runs them: keygen, migrate, rotate-keys, doctor."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr

from mcp_console.core.db import Database
from mcp_console.core.keys import DecryptionError, KeyManager, parse_key_list
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.settings import Settings
from mcp_console.credentials.service import CredentialService
from tests.support.auth import fake_bw_env
from tests.support.fake_bw.cli import VERSION as FAKE_BW_VERSION
from tests.support.processes import base_env, console_command, fresh_key


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        console_command(*args), env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_keygen_prints_a_key_that_passes_strict_validation() -> None:
    result = _cli("keygen", env=base_env())
    key = result.stdout.strip()
    assert result.returncode == 0
    assert parse_key_list("X", key) == [key.encode()]
    assert _cli("keygen", env=base_env()).stdout.strip() != key


def _keys(credential: str) -> KeyManager:
    settings = Settings(
        _env_file=None,
        credential_encryption_key=SecretStr(credential),
        oauth_token_encryption_key=SecretStr(fresh_key()),
    )
    return KeyManager.from_settings(settings, SecretRegistry())


async def test_rotate_keys_moves_stored_values_to_the_first_key(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    old, new = fresh_key(), fresh_key()
    env = base_env(DATABASE_URL=url)
    assert _cli("migrate", env=env).returncode == 0
    database = Database(url)
    await CredentialService(database, _keys(old)).store(
        "a@example.com", "github", "token", "credential", "ghp_value_under_old_key"
    )

    rotating = CredentialService(database, _keys(f"{new},{old}"))
    assert await rotating.load("a@example.com", "github", "token") == "ghp_value_under_old_key"
    result = _cli("rotate-keys", env={**env, "CREDENTIAL_ENCRYPTION_KEY": f"{new},{old}"})
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 1 stored value" in result.stdout

    only_new = CredentialService(database, _keys(new))
    assert await only_new.load("a@example.com", "github", "token") == "ghp_value_under_old_key"
    only_old = CredentialService(database, _keys(old))
    with pytest.raises(DecryptionError):
        await only_old.load("a@example.com", "github", "token")
    await database.close()


def test_doctor_reports_each_problem_with_a_fix(tmp_path: Path) -> None:
    env = base_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        REDIS_URL="redis://127.0.0.1:1/0",
        DOCKER_HOST=f"unix://{tmp_path}/missing.sock",
        BITWARDEN_CLI_PATH=str(tmp_path / "no-bw"),
        CREDENTIAL_ENCRYPTION_KEY="not-a-real-key-value",
    )
    result = _cli("doctor", env=env)
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    failed = {line.split("]")[1].split(":")[0].strip() for line in lines if "[FAIL]" in line}
    assert failed == {"encryption keys", "redis", "database", "docker", "bitwarden cli", "worker"}
    assert all("fix:" in line for line in lines if "[FAIL]" in line)
    assert "[FAIL] docker: DOCKER_UNAVAILABLE at DOCKER_HOST" in result.stdout
    assert "[FAIL] bitwarden cli: not found" in result.stdout
    assert "not-a-real-key-value" not in result.stdout


@pytest.mark.docker
def test_doctor_asks_the_docker_engine_and_bw_through_their_adapters(tmp_path: Path) -> None:
    env = base_env(**fake_bw_env(tmp_path / "vaults"))
    result = _cli("doctor", env=env)
    assert "[ok  ] docker: engine " in result.stdout
    assert f"[ok  ] bitwarden cli: version {FAKE_BW_VERSION}" in result.stdout


def test_doctor_passes_database_after_migrate(tmp_path: Path) -> None:
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")
    assert _cli("migrate", env=env).returncode == 0
    result = _cli("doctor", env=env)
    assert "[ok  ] database" in result.stdout
    assert "[ok  ] encryption keys" in result.stdout
    assert "[ok  ] redis" in result.stdout


def test_rotate_keys_refuses_bad_keys_without_touching_data(tmp_path: Path) -> None:
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")
    env["CREDENTIAL_ENCRYPTION_KEY"] = "not-a-key"
    result = _cli("rotate-keys", env=env)
    assert result.returncode == 2
    assert "CREDENTIAL_ENCRYPTION_KEY" in result.stderr
    assert "not-a-key" not in result.stderr
