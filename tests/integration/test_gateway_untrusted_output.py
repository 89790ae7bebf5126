"""The result size cap through `/mcp/{profile}`: the official SDK client, a gateway token, a real
container running the test server with its `large` tool. A result a little over the cap keeps
what fits and ends with the notice; one far over it is dropped unparsed while a concurrent call
still answers; a prompt over the cap is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import docker
import mcp_types as mt
import pytest
from mcp.shared.exceptions import MCPError

from mcp_console.containers.schemas import CreateContainerRequest
from mcp_console.containers.service import ContainerService
from mcp_console.core.settings import Settings
from mcp_console.inspector.result_cap import TRUNCATED_META
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
    request = CreateContainerRequest.model_validate(
        {
            "config": {"image": image.tag, "stdin_open": True, "env": {"MCP_TEST_LARGE_TOOL": "1"}},
            "start": True,
        }
    )
    created = await api.get(ContainerService).create(owner.actor, request)
    await api.profile(owner, [{"server_id": created.container_id}])
    return api.endpoint(), (await api.token(owner)).token


def _text(block: mt.ContentBlock) -> str:
    assert isinstance(block, mt.TextContent)
    return block.text


async def test_a_result_over_the_cap_reaches_the_client_cut_with_a_notice(
    endpoint: tuple[str, str],
) -> None:
    url, token = endpoint
    async with mcp_session(url, token) as session:
        result = await session.call_tool("large", {"size": CAP * 2})
        first, last = result.content
        assert set(_text(first)) == {"x"} and 0 < len(_text(first)) < CAP
        assert _text(last).startswith(NOTICE_START)
        assert result.is_error and result.structured_content is None
        assert result.meta is not None and result.meta[TRUNCATED_META]["limit"] == CAP


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
