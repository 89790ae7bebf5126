"""Secret resolution cold vs warm (10 references over 3 items), `bw` invocation counts, and the
cost of one `bw` invocation (the fake used in tests and the real pinned CLI), in one run.

The real CLI cannot log in here (no Bitwarden server), so its cost is measured on calls that need
no account (`--version`, `status`): that is Node start-up plus CLI initialisation, the floor of
every `get`/`list` call.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import SecretStr
from tests.support.bitwarden import FAKE_BW, FakeBitwarden, fixture_items
from tests.support.processes import REPO_ROOT, fresh_key

from bench.support import markdown_table
from mcp_console.auth.schemas import AuthSession, MasterPasswordLogin
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.vault.bitwarden import BitwardenCli
from mcp_console.wiring import build_auth_service, build_secret_resolver, build_vault

COLD_ROUNDS = 5
WARM_ROUNDS = 50
REAL_ROUNDS = 3
FIELDS = ["username", "password", "notes", "uri"]


def _references() -> dict[str, str]:
    """10 references over the fixture's 3 items."""
    ids = [item["id"] for item in fixture_items()]
    pairs = [(ids[i % 3], FIELDS[i % 4]) for i in range(10)]
    return {f"VAR_{i}": f"{{{{ bw:{item}:{field} }}}}" for i, (item, field) in enumerate(pairs)}


async def _timed(action: Callable[[], Awaitable[object]], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Bench:
    def __init__(self, tmp: Path) -> None:
        self.fake = FakeBitwarden(tmp / "vaults")
        os.environ["BITWARDENCLI_FAKE_VAULTS"] = str(self.fake.vaults_dir)
        self.settings = Settings(
            _env_file=None,
            redis_url=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
            data_dir=tmp / "data",
            bitwarden_cli_path=str(FAKE_BW),
            credential_encryption_key=SecretStr(fresh_key()),
            oauth_token_encryption_key=SecretStr(fresh_key()),
        )
        keys = KeyManager.from_settings(self.settings, secret_registry)
        self.redis = RedisService(self.settings.redis_url)
        vault = build_vault(self.settings, keys, self.redis)
        self.auth = build_auth_service(self.settings, keys, self.redis, vault)
        self.resolver = build_secret_resolver(keys, vault)
        self.account = self.fake.add_account("bench@example.test")

    async def login(self) -> AuthSession:
        request = MasterPasswordLogin(
            method="master_password",
            email=self.account.email,
            master_password=SecretStr(self.account.master_password),
        )
        return await self.auth.login(request, "bench")

    def reads(self) -> int:
        return self.fake.count("get", "list")

    async def cold(self, env: dict[str, str]) -> tuple[float, float]:
        samples, calls = [], []
        for _ in range(COLD_ROUNDS):
            session = await self.login()
            before = self.reads()
            started = time.perf_counter()
            await self.resolver.resolve(session.session_hash, env)
            samples.append((time.perf_counter() - started) * 1000)
            calls.append(self.reads() - before)
            await self.auth.logout(session.session_hash)
        return statistics.median(samples), statistics.mean(calls)

    async def warm(self, env: dict[str, str]) -> tuple[float, float]:
        session = await self.login()
        await self.resolver.resolve(session.session_hash, env)
        before = self.reads()
        median = await _timed(lambda: self.resolver.resolve(session.session_hash, env), WARM_ROUNDS)
        calls = (self.reads() - before) / WARM_ROUNDS
        await self.auth.logout(session.session_hash)
        return median, calls


async def _invocation_ms(cli: BitwardenCli, data_dir: Path, *args: str) -> float:
    return await _timed(lambda: cli.run(data_dir, *args), REAL_ROUNDS)


async def _measure(tmp: Path) -> list[list[object]]:
    bench = Bench(tmp)
    env = _references()
    try:
        cold_ms, cold_calls = await bench.cold(env)
        warm_ms, warm_calls = await bench.warm(env)
    finally:
        await bench.redis.close()
    fake_ms = await _invocation_ms(BitwardenCli(str(FAKE_BW), 30), tmp / "f", "lock")
    rows: list[list[object]] = [
        ["resolve 10 refs / 3 items, cold (fake bw)", round(cold_calls, 2), round(cold_ms, 1)],
        ["resolve 10 refs / 3 items, warm cache", round(warm_calls, 2), round(warm_ms, 2)],
        ["one fake `bw` invocation (`lock`)", 1, round(fake_ms, 1)],
    ]
    real = REPO_ROOT / "node_modules" / ".bin" / "bw"
    if real.exists():
        cli = BitwardenCli(str(real), 60)
        for args in (("--version",), ("status",)):
            ms = await _invocation_ms(cli, tmp / "real", *args)
            rows.append([f"one real `bw {args[0]}` invocation", 1, round(ms, 1)])
        per_call = rows[-1][2]
        assert isinstance(per_call, float)
        rows.append(["cold resolve with real bw, estimated (1 call)", 1, round(per_call, 1)])
        rows.append(["per-reference design, estimated (10 calls)", 10, round(per_call * 10, 1)])
    else:
        rows.append(["real `bw` not installed (`npm ci`)", "-", "-"])
    return rows


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        rows = asyncio.run(_measure(Path(tmp)))
    table = markdown_table(["scenario", "bw calls per resolve", "median ms"], rows)
    return (
        "## Secret resolution (`bench/bench_secrets.py`)\n\n"
        f"Cold: a fresh login each round ({COLD_ROUNDS} rounds); warm: the same session "
        f"({WARM_ROUNDS} rounds, answered from the encrypted Redis cache). Estimates multiply the "
        "measured real invocation cost; logged-in `get`/`list` calls cost more (3.5-3.8 s here, "
        "docs/AUTH.md).\n\n" + table
    )


if __name__ == "__main__":
    print(run())
