"""`/mcp/{profile}` end to end: the API served over HTTP, the official SDK client with a gateway
token, real containers running the test MCP server, real Redis and database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import docker
import pytest
from mcp.shared.exceptions import MCPError

from mcp_console.core.settings import Settings
from tests.support.containers import remove_containers_of
from tests.support.gateway import LiveApi, bearer_client, live_api, mcp_session
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker


@pytest.fixture
async def api(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient
) -> AsyncIterator[LiveApi]:
    async with live_api(settings, tmp_path) as live:
        try:
            yield live
        finally:
            remove_containers_of(docker_client, [owner.email for owner in live.owners])


async def test_sdk_client_lists_the_profile_tools_and_calls_one(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    owner = api.owner()
    first = await api.server(owner, mcp_server_image)
    second = await api.server(owner, mcp_server_image, base="two")
    await api.profile(
        owner,
        [
            {"server_id": first, "tools": ["echo", "add"]},
            {"server_id": second, "tools": ["add", "fail"], "prefix": "two"},
        ],
    )
    token = await api.token(owner)

    async with mcp_session(api.endpoint(), token.token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == {"echo", "add", "two_add", "two_fail"}
        assert tools["two_add"].description == "Add two numbers."
        assert sorted(tools["two_add"].input_schema["required"]) == ["a", "b"]

        added = await session.call_tool("two_add", {"a": 40, "b": 2})
        assert not added.is_error
        assert added.structured_content == {"result": 42.0}
        assert added.content[0].model_dump()["text"] == "42.0"

        failed = await session.call_tool("two_fail", {"reason": "on purpose"})
        assert failed.is_error
        assert "tool failed: on purpose" in failed.content[0].model_dump()["text"]

        with pytest.raises(MCPError) as unknown:
            await session.call_tool("env_value", {"name": "PATH"})
        assert "Unknown tool: env_value" in unknown.value.message

        resources = {str(r.uri) for r in (await session.list_resources()).resources}
        assert resources == {
            "test://greeting",
            "test://environment",
            "two://greeting",
            "two://environment",
        }
        templates = (await session.list_resource_templates()).resource_templates
        assert sorted(t.uri_template for t in templates) == [
            "test://item/{item_id}",
            "two://item/{item_id}",
        ]
        item = await session.read_resource("two://item/7")
        assert item.contents[0].model_dump()["text"] == "item 7"
        greeting = await session.read_resource("test://greeting")
        assert greeting.contents[0].model_dump()["text"] == "hello from the console test server"
        prompts = [p.name for p in (await session.list_prompts()).prompts]
        assert prompts == ["summarize", "two_summarize"]
        prompt = await session.get_prompt("two_summarize", {"topic": "MCP"})
        assert prompt.messages[0].content.model_dump()["text"].startswith("Please summarize MCP")


async def test_requests_without_a_valid_token_get_401(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with bearer_client(None) as http:
        missing = await http.post(api.endpoint(), json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "GATEWAY_TOKEN_REQUIRED"

    async with bearer_client("mcpgw_" + "x" * 43) as http:
        invalid = await http.post(api.endpoint(), json=body)
    assert invalid.status_code == 401
    assert 'error="invalid_token"' in invalid.headers["www-authenticate"]
