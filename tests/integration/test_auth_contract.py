"""Contract with the real, pinned Bitwarden CLI: every subcommand and flag the adapter passes
exists in `bw <command> --help`. The flags are taken from what the adapter really sent to the
fake `bw`, so a new flag in the adapter is checked without editing this test."""

from __future__ import annotations

import asyncio
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from mcp_console.vault.bitwarden import BitwardenCli
from tests.support.bitwarden import FAKE_BW, FakeBitwarden, fake_bw_fixture  # noqa: F401
from tests.support.processes import REPO_ROOT

REAL_BW = REPO_ROOT / "node_modules" / ".bin" / "bw"
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
_OBJECTS = re.compile(r"Valid objects are:(.*?)\n  \S", re.S)
_OPTIONS_SECTION = re.compile(r"^Options:\n(.*?)(?:\n\S|\Z)", re.S | re.M)


async def _adapter_usage(fake: FakeBitwarden, tmp_path: Path) -> dict[str, set[str]]:
    """Drive every adapter method against the fake and collect what it passed, per command."""
    account = fake.add_account("contract@example.test", two_step_code="123456")
    cli = BitwardenCli(str(FAKE_BW), 10)
    await cli.login_api_key(tmp_path / "a", account.client_id, account.client_secret)
    key = await cli.unlock(tmp_path / "a", account.master_password)
    await cli.sync(tmp_path / "a", key)
    await cli.status(tmp_path / "a", key)
    ids = ["0f5a8f5e-1111-4c8e-9d1a-aaaaaaaaaaa1", "0f5a8f5e-2222-4c8e-9d1a-aaaaaaaaaaa2"]
    await cli.items(tmp_path / "a", key, ids[:1])
    await cli.items(tmp_path / "a", key, ids)
    await cli.lock(tmp_path / "a")
    await cli.login_password(tmp_path / "b", account.email, account.master_password, (0, "123456"))
    usage: dict[str, set[str]] = defaultdict(set)
    for entry in fake.invocations():
        usage[entry["command"]] |= set(entry["options"])
        usage[entry["command"]] |= {
            f"<{arg}>" for arg in entry["args"][:1] if entry["command"] in ("get", "list")
        }
    return dict(usage)


async def _help(tmp_path: Path, *command: str) -> str:
    env = {**os.environ, "BITWARDENCLI_APPDATA_DIR": str(tmp_path / "real-bw")}
    process = await asyncio.create_subprocess_exec(
        str(REAL_BW),
        *command,
        "--help",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, f"bw {' '.join(command)} --help failed"
    return stdout.decode()


def _objects(help_text: str) -> set[str]:
    """The `Valid objects are: a, b, ...` list of `get`/`list` (wrapped over several lines)."""
    found = _OBJECTS.search(help_text)
    return set(re.split(r"[\s,]+", found.group(1).strip())) if found else set()


def _flags(help_text: str) -> set[str]:
    section = _OPTIONS_SECTION.search(help_text)
    return set(_FLAG.findall(section.group(1))) if section else set()


async def test_every_flag_the_adapter_passes_exists_in_the_real_cli(
    fake_bw: FakeBitwarden, tmp_path: Path
) -> None:
    if not REAL_BW.exists():
        pytest.fail("the pinned @bitwarden/cli is not installed: run `npm ci` (make install)")
    usage = await _adapter_usage(fake_bw, tmp_path)
    assert set(usage) == {"login", "unlock", "sync", "status", "get", "list", "lock"}
    commands = sorted(usage)
    texts = await asyncio.gather(_help(tmp_path), *(_help(tmp_path, c) for c in commands))
    global_flags = _flags(texts[0])
    assert {"--nointeraction", "--raw"} <= global_flags
    assert "--not-a-real-flag" not in global_flags, "the parser must be able to fail"

    for command, text in zip(commands, texts[1:], strict=True):
        assert text.startswith(f"Usage: bw {command}"), text[:80]
        known = _flags(text) | global_flags
        flags = {option for option in usage[command] if option.startswith("--")}
        assert flags <= known, f"bw {command} has no {sorted(flags - known)}"
        for obj in (o.strip("<>") for o in usage[command] if o.startswith("<")):
            assert obj in _objects(text), f"bw {command} has no object {obj}"
