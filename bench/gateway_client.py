"""The client side of the gateway benchmark, run as its own process so it never shares the
server's event loop. Reads a JSON plan on stdin, prints JSON samples (seconds) on stdout.

Paths measured side by side, interleaved in rounds so each sees the same machine noise:
- `gateway`: `tools/call` through `/mcp/{profile}` with the official SDK client, one session;
- `inspector`: `POST /api/inspector/{id}/tools/echo/call` on a keep-alive HTTP connection;
- `raw`: JSON-RPC lines on a Docker attach socket of the same container (no console at all).
Then warm `tools/list` per profile size, and bursts of concurrent calls from several clients.
A plan with `breakdown` runs only gateway calls (while the server times its stages).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import httpx
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from bench.bench_inspector import RawPeer
from mcp_console.containers.docker import DockerAdapter

Timed = Callable[[int], Awaitable[object]]


@contextlib.asynccontextmanager
async def gateway_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    """One SDK client session. Closing several at once can race in the SDK client (an answer
    delivered to a read stream that just closed); that is ignored once the work is done."""
    headers = {"Authorization": f"Bearer {token}"}
    done = False
    try:
        async with (
            httpx2.AsyncClient(
                headers=headers, timeout=120, event_hooks={"response": [_report_refusal]}
            ) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session
            done = True
    except* anyio.ClosedResourceError:
        if not done:
            raise


async def _report_refusal(response: httpx2.Response) -> None:
    """An HTTP error from the gateway is printed (the SDK client only says "error response")."""
    if response.status_code >= 400:
        await response.aread()
        print(f"gateway answered {response.status_code}: {response.text[:500]}", file=sys.stderr)


async def _timed(call: Timed, count: int, offset: int = 0) -> list[float]:
    samples = []
    for index in range(offset, offset + count):
        started = time.perf_counter()
        await call(index)
        samples.append(time.perf_counter() - started)
    return samples


async def _inspector_call(http: httpx.AsyncClient, url: str, index: int) -> None:
    response = await http.post(url, json={"arguments": {"text": f"inspector-{index}"}})
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code} {response.json()['error']['code']}")


async def _counted(call: Timed, index: int, errors: collections.Counter[str]) -> list[float]:
    """One call's latency (failures included); a failure is counted under its message."""
    started = time.perf_counter()
    try:
        await call(index)
    except Exception as exc:  # the bench reports failures under load, it does not stop
        errors[(getattr(exc, "message", None) or str(exc))[:120]] += 1
    return [time.perf_counter() - started]


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
            errors: collections.Counter[str] = collections.Counter()
            started = time.perf_counter()
            for burst in range(bursts):
                batches = [
                    _counted(call, (burst * clients + c) * per_client + k, errors)
                    for c, call in enumerate(calls)
                    for k in range(per_client)
                ]
                for sample in await asyncio.gather(*batches):
                    latencies += sample
            out[name] = {
                "seconds": time.perf_counter() - started,
                "samples": latencies,
                "errors": dict(errors),
            }
    return out


async def breakdown_calls(plan: dict[str, Any]) -> dict[str, list[float]]:
    """Only gateway calls, one at a time, per profile (the server times its stages meanwhile)."""
    out: dict[str, list[float]] = {}
    for label, target in plan["breakdown"].items():
        async with gateway_session(target["url"], target["token"]) as session:
            await _gateway_call(session, target["tool"], -1)
            call = functools.partial(_gateway_call, session, target["tool"])
            out[label] = await _timed(call, plan["calls"])
    return out


async def main() -> None:
    plan = json.load(sys.stdin)
    if "breakdown" in plan:
        json.dump(await breakdown_calls(plan), sys.stdout)
        return
    figures = {
        "single": await single_calls(plan),
        "lists": await tool_lists(plan),
        "concurrent": await concurrent_calls(plan),
    }
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
