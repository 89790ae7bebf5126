"""The gateway's limits and pass-through of a call's life: rate limit, call timeout, progress,
cancellation (notification and disconnect, reaching the upstream server), and the call log
(names, durations, outcomes; never arguments or results: canary scan of DB, Redis and logs)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import docker
import pytest
from mcp.shared.exceptions import MCPError

from mcp_console.core.settings import Settings
from mcp_console.gateway.calls import CallLog
from tests.support.canary import leaks, random_text, stored_bytes
from tests.support.containers import remove_containers_of
from tests.support.gateway import LiveApi, bearer_client, live_api, mcp_session, until
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.log_capture import captured_fixture  # noqa: F401

pytestmark = pytest.mark.docker
RATE = 5


@pytest.fixture
async def api(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient
) -> AsyncIterator[LiveApi]:
    # Request bodies would be logged if /mcp were not a sensitive route (canary test below).
    overrides = {
        "gateway_rate_limit_per_minute": RATE,
        "gateway_call_timeout_seconds": 2.0,
        "log_request_body": True,
    }
    async with live_api(settings, tmp_path, **overrides) as live:
        try:
            yield live
        finally:
            remove_containers_of(docker_client, [owner.email for owner in live.owners])


def _log_of(client: docker.DockerClient, container_id: str) -> str:
    (container,) = client.containers.list(
        all=True, filters={"label": f"mcp-console.id={container_id}"}
    )
    text: str = container.logs().decode(errors="replace")
    return text


async def test_rate_limit_answers_an_mcp_error_and_is_logged(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server}])
    token = await api.token(owner)
    async with mcp_session(api.endpoint(), token.token) as session:
        answered, refused = 0, None
        # A clock minute may end in between: then the count starts over once.
        for _ in range(2 * RATE + 1):
            try:
                await session.call_tool("add", {"a": 1, "b": 1})
            except MCPError as exc:
                refused = exc
                break
            answered += 1
    assert answered >= RATE
    assert refused is not None
    assert "Rate limit reached" in refused.message
    assert refused.data["code"] == "RATE_LIMITED"
    await api.flush_call_log()
    calls = (await api.get(CallLog).recent(owner.email, "default")).calls
    assert any(call.error_code == "RATE_LIMITED" for call in calls)


async def test_timeout_progress_and_cancellation_reach_the_upstream_server(
    api: LiveApi, mcp_server_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server, "tools": ["count_steps", "wait_forever"]}])
    token = await api.token(owner)
    reported: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reported.append((progress, total, message))

    async with mcp_session(api.endpoint(), token.token) as session:
        counted = await session.call_tool(
            "count_steps", {"steps": 3}, progress_callback=on_progress
        )
        assert counted.content[0].model_dump()["text"] == "3 steps"
        assert reported == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]

        with pytest.raises(MCPError) as timed_out:
            await session.call_tool("wait_forever", {})
        assert timed_out.value.data == {"code": "MCP_TIMEOUT"}
        assert "did not answer within 2 s" in timed_out.value.message
        await until(lambda: _log_of(docker_client, server).count("wait_forever cancelled") == 1)

    async with mcp_session(api.endpoint(), token.token) as session:
        with anyio.move_on_after(1.0):
            await session.call_tool("wait_forever", {}, read_timeout_seconds=30)
        await until(lambda: _log_of(docker_client, server).count("wait_forever cancelled") == 2)


async def test_a_client_disconnect_cancels_the_upstream_call(
    api: LiveApi, mcp_server_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server}])
    token = await api.token(owner)
    call: dict[str, Any] = {"jsonrpc": "2.0", "id": 9, "method": "tools/call"}
    call["params"] = {"name": "wait_forever", "arguments": {}}
    async with bearer_client(token.token, Accept="application/json, text/event-stream") as http:
        with anyio.move_on_after(1.0):
            async with http.stream("POST", api.endpoint(), json=call) as response:
                assert response.status_code == 200
                async for _chunk in response.aiter_bytes():
                    pass
    await until(lambda: "wait_forever cancelled" in _log_of(docker_client, server))


async def test_call_log_has_names_and_no_payload_anywhere(
    api: LiveApi, mcp_server_image: BuiltImage, captured: io.StringIO
) -> None:
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server, "prefix": "srv"}])
    token = await api.token(owner)
    canary = "canary-" + random_text(24)
    async with mcp_session(api.endpoint(), token.token) as session:
        echoed = await session.call_tool("srv_echo", {"text": canary})
        assert echoed.content[0].model_dump()["text"] == canary
        await session.get_prompt("srv_summarize", {"topic": canary})
        await session.read_resource("test://greeting")
        with pytest.raises(MCPError):
            await session.call_tool("nope", {"text": canary})
    await api.flush_call_log()

    calls = (await api.get(CallLog).recent(owner.email, "default")).calls
    seen = {(c.method, c.name, c.outcome, c.error_code) for c in calls}
    assert ("tools/call", "srv_echo", "success", None) in seen
    assert ("prompts/get", "srv_summarize", "success", None) in seen
    assert ("resources/read", "test://greeting", "success", None) in seen
    assert ("tools/call", "nope", "failure", "TOOL_NOT_FOUND") in seen
    echo = next(c for c in calls if c.name == "srv_echo")
    assert echo.token_name == token.name and echo.profile == "default"
    assert echo.server and echo.server.startswith("mcp-")

    places: dict[str, Any] = await asyncio.to_thread(
        stored_bytes, api.settings.database_url, api.settings.redis_url
    )
    places["log"] = captured.getvalue().encode()
    assert leaks(places, {"argument": canary}) == []


async def test_a_result_over_the_size_cap_is_truncated_with_a_notice(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    mcp_server_image: BuiltImage,
) -> None:
    async with live_api(settings, tmp_path, mcp_max_result_bytes=4096) as api:
        try:
            owner = api.owner()
            server = await api.server(owner, mcp_server_image, MCP_TEST_LARGE_TOOL="1")
            await api.profile(owner, [{"server_id": server, "tools": ["large"]}])
            token = await api.token(owner)
            async with mcp_session(api.endpoint(), token.token) as session:
                result = await session.call_tool("large", {"size": 100_000})
        finally:
            remove_containers_of(docker_client, [owner.email for owner in api.owners])
    texts = [block.model_dump()["text"] for block in result.content]
    assert sum(len(text) for text in texts) < 4096
    assert "truncated by MCP Gateway Console" in texts[-1]
    assert result.meta and "mcp-gateway-console/truncated" in result.meta
