"""The client side of the gateway benchmark, run as its own process so it never shares the
server's event loop. Reads a JSON plan on stdin, prints JSON samples (seconds) on stdout.

Paths measured side by side, interleaved in rounds so each sees the same machine noise:
- `gateway`: `tools/call` through `/mcp/{profile}` with the official SDK client, one session;
- `inspector`: `POST /api/inspector/{id}/tools/echo/call` on a keep-alive HTTP connection;
- `raw`: JSON-RPC lines on a Docker attach socket of the same container (no console at all).
Then warm `tools/list` per profile size, and bursts of concurrent calls from several clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from bench.bench_inspector import RawPeer
from mcp_console.containers.docker import DockerAdapter

Timed = Callable[[int], Awaitable[object]]


@contextlib.asynccontextmanager
async def gateway_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=120) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def _timed(call: Timed, count: int, offset: int = 0) -> list[float]:
    samples = []
    for index in range(offset, offset + count):
        started = time.perf_counter()
        await call(index)
        samples.append(time.perf_counter() - started)
    return samples


async def _inspector_call(http: httpx.AsyncClient, url: str, index: int) -> None:
    response = await http.post(url, json={"arguments": {"text": f"inspector-{index}"}})
    response.raise_for_status()


async def _gateway_call(session: ClientSession, tool: str, index: int) -> None:
    result = await session.call_tool(tool, {"text": f"gateway-{index}"})
    if result.is_error:
        raise RuntimeError("the gateway call failed")


async def single_calls(plan: dict[str, Any]) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"gateway": [], "inspector": [], "raw": []}
    adapter = DockerAdapter(os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    raw = RawPeer(await adapter.attach_stdio(plan["docker_id"]))
    raw.initialize("bench-gateway-raw")
    headers = {"Authorization": f"Bearer {plan['session_id']}"}
    inspector_url = f"{plan['api']}/api/inspector/{plan['container_id']}/tools/echo/call"
    async with (
        gateway_session(plan["single_url"], plan["single_token"]) as session,
        httpx.AsyncClient(headers=headers, timeout=120) as http,
    ):
        await _gateway_call(session, "echo", -1)  # warm: session, pooled attach, tool cache
        await _inspector_call(http, inspector_url, -1)
        calls = plan["calls"] // plan["rounds"]
        for round_ in range(plan["rounds"]):
            offset = round_ * calls
            samples["gateway"] += await _timed(
                lambda i: _gateway_call(session, "echo", i), calls, offset
            )
            samples["inspector"] += await _timed(
                lambda i: _inspector_call(http, inspector_url, i), calls, offset
            )
            samples["raw"] += await asyncio.to_thread(raw.echo_calls, calls, offset)
    raw.sock.close()
    await adapter.close()
    return samples


async def tool_lists(plan: dict[str, Any]) -> dict[str, Any]:
    """Warm `tools/list` per profile: {label: {"tools": n, "samples": [...]}}."""
    out: dict[str, Any] = {}
    for label, target in plan["lists"].items():
        async with gateway_session(target["url"], target["token"]) as session:
            listed = await session.list_tools()  # warm: every server's session and tool list
            samples = await _timed(lambda _i: session.list_tools(), plan["list_calls"])
            out[label] = {"tools": len(listed.tools), "samples": samples}
    return out


async def concurrent_calls(plan: dict[str, Any]) -> dict[str, Any]:
    """`clients` sessions, each with `per_client` calls in flight at once, `bursts` times."""
    clients, per_client, bursts = plan["clients"], plan["per_client"], plan["bursts"]
    headers = {"Authorization": f"Bearer {plan['session_id']}"}
    inspector_url = f"{plan['api']}/api/inspector/{plan['container_id']}/tools/echo/call"
    out: dict[str, Any] = {}
    async with contextlib.AsyncExitStack() as stack:
        sessions = [
            await stack.enter_async_context(
                gateway_session(plan["single_url"], plan["single_token"])
            )
            for _ in range(clients)
        ]
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        https = [
            await stack.enter_async_context(
                httpx.AsyncClient(headers=headers, timeout=120, limits=limits)
            )
            for _ in range(clients)
        ]
        paths: dict[str, list[Timed]] = {
            "gateway": [functools.partial(_gateway_call, s, "echo") for s in sessions],
            "inspector": [functools.partial(_inspector_call, h, inspector_url) for h in https],
        }
        for call in [c for calls in paths.values() for c in calls]:
            await call(-1)  # warm every session and connection
        for name, calls in paths.items():
            latencies: list[float] = []
            started = time.perf_counter()
            for burst in range(bursts):
                batches = [
                    _timed(call, 1, (burst * clients + c) * per_client + k)
                    for c, call in enumerate(calls)
                    for k in range(per_client)
                ]
                for sample in await asyncio.gather(*batches):
                    latencies += sample
            out[name] = {"seconds": time.perf_counter() - started, "samples": latencies}
    return out


async def main() -> None:
    plan = json.load(sys.stdin)
    figures = {
        "single": await single_calls(plan),
        "lists": await tool_lists(plan),
        "concurrent": await concurrent_calls(plan),
    }
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
