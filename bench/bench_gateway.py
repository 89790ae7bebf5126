"""The MCP gateway (`/mcp/{profile}`) against the inspector API and a raw attach socket, measured
side by side in one run: single tool calls, warm `tools/list` over profiles of 1 to 20 servers
(25 tools each), and 50 concurrent calls from 5 clients.

The API runs in this process (uvicorn, one worker, its own event loop) on real Redis, SQLite and
Docker; the clients run in another process (`bench/gateway_client.py`), so they never share the
server's loop. Set BENCH_REDIS_URL to a Redis database the run may use.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import docker
import httpx
from pydantic import SecretStr
from tests.support.auth import login_user
from tests.support.containers import remove_containers_of
from tests.support.gateway import LiveApi, Owner, live_api
from tests.support.images import BuiltImage, build_mcp_server_image
from tests.support.processes import REPO_ROOT, fresh_key

from bench.support import markdown_table
from mcp_console.containers.schemas import CreateContainerRequest
from mcp_console.containers.service import ContainerService
from mcp_console.core.settings import Settings

SERVERS = 20
TOOLS_PER_SERVER = 25
BASE_TOOLS = 4  # echo, env_value, add, fail
PROFILE_SIZES = (1, 5, 10, 20)
CALLS, ROUNDS = 300, 6
LIST_CALLS = 30
CLIENTS, PER_CLIENT, BURSTS = 5, 10, 10


def _settings(root: Path) -> Settings:
    return Settings(
        _env_file=None,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        database_url=f"sqlite+aiosqlite:///{root / 'console.db'}",
        data_dir=root / "data",
        credential_encryption_key=SecretStr(fresh_key()),
        oauth_token_encryption_key=SecretStr(fresh_key()),
        log_level="WARNING",
    )


async def _server(api: LiveApi, owner: Owner, image: BuiltImage, index: int) -> str:
    env = {
        "TEST_RESOURCE_BASE": f"s{index}",
        "MCP_TEST_EXTRA_TOOLS": str(TOOLS_PER_SERVER - BASE_TOOLS),
    }
    request = CreateContainerRequest.model_validate(
        {"config": {"image": image.tag, "stdin_open": True, "env": env}, "start": True}
    )
    created = await api.get(ContainerService).create(owner.actor, request)
    return created.container_id


async def _plan(api: LiveApi, image: BuiltImage) -> dict[str, Any]:
    owner = api.owner()
    session_id = await asyncio.to_thread(_login, api.base_url, owner.email)
    servers = [await _server(api, owner, image, index) for index in range(SERVERS)]
    await api.profile(owner, [{"server_id": servers[0]}], name="single")
    lists = {}
    for size in PROFILE_SIZES:
        name = f"wide-{size}"
        chosen = [{"server_id": s, "prefix": f"s{i}"} for i, s in enumerate(servers[:size])]
        await api.profile(owner, chosen, name=name)
        token = await api.token(owner, profile=name)
        lists[str(size)] = {"url": api.endpoint(name), "token": token.token}
    single = await api.token(owner, profile="single")
    docker_id = await api.get(ContainerService).docker_id_of(owner.actor, servers[0])
    return {
        "api": api.base_url,
        "session_id": session_id,
        "container_id": servers[0],
        "docker_id": docker_id,
        "single_url": api.endpoint("single"),
        "single_token": single.token,
        "calls": CALLS,
        "rounds": ROUNDS,
        "lists": lists,
        "list_calls": LIST_CALLS,
        "clients": CLIENTS,
        "per_client": PER_CLIENT,
        "bursts": BURSTS,
    }


def _login(base_url: str, email: str) -> str:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        return login_user(client, email)


async def _client(plan: dict[str, Any]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.gateway_client",
        cwd=REPO_ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate(json.dumps(plan).encode())
    if process.returncode != 0:
        raise RuntimeError(f"the gateway bench client failed ({process.returncode})")
    figures: dict[str, Any] = json.loads(out)
    return figures


async def _measure(root: Path) -> dict[str, Any]:
    client = docker.DockerClient(
        base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    )
    image = build_mcp_server_image(client)
    async with live_api(_settings(root), root, gateway_rate_limit_per_minute=100_000) as api:
        try:
            return await _client(await _plan(api, image))
        finally:
            remove_containers_of(client, [owner.email for owner in api.owners])
            client.close()


def _ms(samples: list[float], cut: int) -> float:
    return round(statistics.quantiles(samples, n=100, method="inclusive")[cut - 1] * 1000, 2)


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        figures = asyncio.run(_measure(Path(tmp)))
    return _report(figures)


def _report(figures: dict[str, Any]) -> str:
    single = figures["single"]
    p50 = {name: _ms(samples, 50) for name, samples in single.items()}
    rows_a = [
        [label, len(single[name]), p50[name], _ms(single[name], 95), _ms(single[name], 99)]
        for name, label in (
            ("gateway", "gateway `/mcp/single` (SDK client, one session)"),
            ("inspector", "inspector API `POST .../tools/echo/call`"),
            ("raw", "raw JSON-RPC on the attach socket"),
        )
    ]
    ratio = p50["gateway"] / p50["inspector"]
    rows_b = [
        [size, entry["tools"], _ms(entry["samples"], 50), _ms(entry["samples"], 95)]
        for size, entry in figures["lists"].items()
    ]
    rows_c = []
    for name, entry in figures["concurrent"].items():
        samples = entry["samples"]
        rate = round(len(samples) / entry["seconds"], 1)
        rows_c.append([name, len(samples), rate, _ms(samples, 50), _ms(samples, 99)])
    verdict = "met" if ratio <= 1.5 else "NOT met"
    return (
        "## MCP gateway (`bench/bench_gateway.py`)\n\n"
        "The API in the bench process (uvicorn, 1 worker) on Redis, SQLite and Docker; the clients "
        "in a second process. Test image servers (official SDK, stdio) with 25 tools each; the "
        "tool called is `echo`. Paths are interleaved in rounds so they share machine noise.\n\n"
        "**(a) One tool call at a time**\n\n"
        + markdown_table(["path", "calls", "p50 ms", "p95 ms", "p99 ms"], rows_a)
        + f"\nGateway p50 is {ratio:.2f}x the inspector API's (goal ≤ 1.5x: {verdict}) and "
        f"{p50['gateway'] / p50['raw']:.1f}x the raw round trip; the inspector API is "
        f"{p50['inspector'] / p50['raw']:.1f}x raw.\n\n"
        f"**(b) Warm `tools/list` by profile size** ({TOOLS_PER_SERVER} tools per server)\n\n"
        + markdown_table(["servers", "tools listed", "p50 ms", "p95 ms"], rows_b)
        + f"\n**(c) {CLIENTS * PER_CLIENT} concurrent calls from {CLIENTS} clients** "
        f"({CLIENTS} sessions x {PER_CLIENT} calls in flight, {BURSTS} bursts, one server)\n\n"
        + markdown_table(["path", "calls", "calls/s", "p50 ms", "p99 ms"], rows_c)
    )
