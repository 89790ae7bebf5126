"""The `bw` adapter against the fake CLI (a real subprocess): how secrets reach it, deadlines,
per-login data directories, and that the event loop keeps running while `bw` works."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest

from mcp_console.core.errors import AppError
from mcp_console.vault.bitwarden import BitwardenCli
from tests.support.bitwarden import (
    FAKE_BW,
    FakeBitwarden,
    fake_bw_fixture,  # noqa: F401
)


def _cli(timeout: float = 10) -> BitwardenCli:
    return BitwardenCli(str(FAKE_BW), timeout)


async def test_secrets_reach_bw_only_through_the_environment(
    fake_bw: FakeBitwarden, tmp_path: Path
) -> None:
    account = fake_bw.add_account("env@example.test")
    cli = _cli()
    await cli.login_api_key(tmp_path / "a", account.client_id, account.client_secret)
    key = await cli.unlock(tmp_path / "a", account.master_password)
    await cli.sync(tmp_path / "a", key)
    assert (await cli.status(tmp_path / "a", key))["userEmail"] == "env@example.test"
    other = await cli.login_password(tmp_path / "b", account.email, account.master_password)
    assert other != key, "each data directory has its own CLI session"

    entries = fake_bw.invocations()
    assert [e["command"] for e in entries] == ["login", "unlock", "sync", "status", "login"]
    argv_text = repr([(e["args"], e["options"]) for e in entries])
    for secret in (account.master_password, account.client_secret, account.client_id, key):
        assert secret not in argv_text
    assert all(e["options"].get("--nointeraction") for e in entries)
    assert [e["appdata"] for e in entries] == [str(tmp_path / "a")] * 4 + [str(tmp_path / "b")]
    assert [e["has_session"] for e in entries] == [False, False, True, True, False]


def test_the_fake_refuses_what_the_real_cli_would_hang_or_leak_on(
    fake_bw: FakeBitwarden, tmp_path: Path
) -> None:
    """The fake is strict so that the adapter tests above can fail."""
    env = {**os.environ, "BITWARDENCLI_APPDATA_DIR": str(tmp_path)}
    prompt = subprocess.run([str(FAKE_BW), "status"], env=env, capture_output=True, check=False)
    assert prompt.returncode == 4
    argv = [str(FAKE_BW), "login", "x@example.test", "pw", "--nointeraction"]
    assert subprocess.run(argv, env=env, capture_output=True, check=False).returncode == 3
    unknown = [str(FAKE_BW), "list", "items", "--bogus", "--nointeraction"]
    assert subprocess.run(unknown, env=env, capture_output=True, check=False).returncode == 1


async def test_wrong_credentials_are_auth_failed_without_echoing_output(
    fake_bw: FakeBitwarden, tmp_path: Path
) -> None:
    account = fake_bw.add_account("wrong@example.test")
    with pytest.raises(AppError) as caught:
        await _cli().login_password(tmp_path, account.email, "not-the-password")
    assert (caught.value.code, caught.value.status) == ("AUTH_FAILED", 401)
    assert "incorrect" not in caught.value.message.lower()


async def test_missing_cli_is_bitwarden_unavailable(tmp_path: Path) -> None:
    with pytest.raises(AppError) as caught:
        await BitwardenCli(str(tmp_path / "nope"), 5).run(tmp_path, "status")
    assert (caught.value.code, caught.value.status) == ("BITWARDEN_UNAVAILABLE", 503)


async def test_timeout_is_504_and_kills_the_cli(
    fake_bw: FakeBitwarden, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BITWARDENCLI_FAKE_DELAY", "30")
    started = time.monotonic()
    with pytest.raises(AppError) as caught:
        await _cli(timeout=0.5).run(tmp_path, "status")
    assert time.monotonic() - started < 5
    assert (caught.value.code, caught.value.status) == ("BITWARDEN_TIMEOUT", 504)
    pid = fake_bw.invocations()[-1]["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_event_loop_keeps_running_while_bw_works(
    fake_bw: FakeBitwarden, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BITWARDENCLI_FAKE_DELAY", "0.6")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    await _cli().run(tmp_path, "status")
    task.cancel()
    assert ticks >= 15, f"the loop ran only {ticks} ticks during a 0.6 s bw call"


async def test_items_keep_only_requested_ids(fake_bw: FakeBitwarden, tmp_path: Path) -> None:
    account = fake_bw.add_account("items@example.test")
    cli = _cli()
    key = await cli.login_password(tmp_path, account.email, account.master_password)
    ids = ["0f5a8f5e-1111-4c8e-9d1a-aaaaaaaaaaa1", "missing-id"]
    found = await cli.items(tmp_path, key, ids)
    assert list(found.items) == ids[:1]
    assert (await cli.items(tmp_path, key, ["missing-id"])).items == {}


async def test_unreachable_server_is_unavailable_not_auth_failed(
    fake_bw: FakeBitwarden, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = fake_bw.add_account("offline@example.test")
    monkeypatch.setenv("BITWARDENCLI_FAKE_OFFLINE", "1")
    with pytest.raises(AppError) as caught:
        await _cli().login_password(tmp_path, account.email, account.master_password)
    assert (caught.value.code, caught.value.status) == ("BITWARDEN_UNAVAILABLE", 503)
