"""The result size cap through `/mcp/{profile}`: the official SDK client, a gateway token, a real
container running the test server with its `large` tool. A result far over the cap is dropped
unparsed while a concurrent call still answers, and a prompt over the cap is refused (a result a
little over it, cut with the notice: `test_gateway_limits.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import docker
import mcp_types as mt
import pytest
from mcp.shared.exceptions import MCPError

from mcp_console.core.settings import Settings
from tests.support.containers import remove_containers_of
from tests.support.gateway import LiveApi, live_api, mcp_session
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker
CAP = 16_384
NOTICE_START = "[truncated by MCP Gateway Console: result was "


@pytest.fixture
async def endpoint(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    mcp_server_image: BuiltImage,
) -> AsyncIterator[tuple[str, str]]:
    """(URL, token) of a profile whose one server offers `large`."""
    async with live_api(settings, tmp_path, mcp_max_result_bytes=CAP) as api:
        try:
            yield await _profile_with_large_tool(api, mcp_server_image)
        finally:
            remove_containers_of(docker_client, [owner.email for owner in api.owners])


async def _profile_with_large_tool(api: LiveApi, image: BuiltImage) -> tuple[str, str]:
    owner = api.owner()
    server = await api.server(owner, image, MCP_TEST_LARGE_TOOL="1")
    await api.profile(owner, [{"server_id": server}])
    return api.endpoint(), (await api.token(owner)).token


def _text(block: mt.ContentBlock) -> str:
    assert isinstance(block, mt.TextContent)
    return block.text


async def test_a_huge_result_is_dropped_and_a_concurrent_call_still_answers(
    endpoint: tuple[str, str],
) -> None:
    url, token = endpoint
    async with mcp_session(url, token) as session:
        await session.call_tool("echo", {"text": "warm"})
        huge, small = await asyncio.gather(
            session.call_tool("large", {"size": 8 * 1024 * 1024}),
            session.call_tool("echo", {"text": "still here"}),
        )
        assert [_text(block) for block in small.content] == ["still here"]
        (notice,) = huge.content
        assert _text(notice).startswith(NOTICE_START) and huge.is_error


async def test_a_prompt_over_the_cap_is_refused(endpoint: tuple[str, str]) -> None:
    url, token = endpoint
    async with mcp_session(url, token) as session:
        with pytest.raises(MCPError) as caught:
            await session.get_prompt("summarize", {"topic": "t" * CAP})
        assert f"over the limit of {CAP}" in caught.value.message
