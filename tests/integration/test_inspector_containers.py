"""The inspector against a real MCP server in a real container, reached through the product's own
container code (ContainerService creates and starts it; the Docker adapter attaches to it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import docker
import pytest

from mcp_console.audit.service import AuditService
from mcp_console.containers.docker import DockerAdapter
from mcp_console.containers.locks import ContainerLocks
from mcp_console.containers.schemas import CreateContainerRequest
from mcp_console.containers.service import Actor, ContainerService
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SsrfGuard, SsrfPolicy
from mcp_console.inspector.client import Limits
from mcp_console.inspector.pool import StdioSessionPool
from mcp_console.inspector.service import ContainerTarget, InspectorService
from mcp_console.wiring import remote_connector, stdio_pool
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker
LIMITS = Limits(init_seconds=5.0, call_seconds=10.0)
ALICE = Actor(owner="alice@example.com", session_hash=SessionHash("session-alice"))
MALLORY = Actor(owner="mallory@example.com", session_hash=SessionHash("session-mallory"))


class NoReferences:
    """The env of these containers holds plain values only, so nothing needs resolving."""

    async def resolve(
        self, session_hash: SessionHash, env: Mapping[str, str], secret_names: Collection[str] = ()
    ) -> dict[str, str]:
        return dict(env)


@dataclass
class Stack:
    containers: ContainerService
    inspector: InspectorService
    pool: StdioSessionPool
    docker: DockerAdapter

    async def create(self, image: BuiltImage, *, start: bool = True, **config: Any) -> str:
        request = CreateContainerRequest.model_validate(
            {"config": {"image": image.tag, "stdin_open": True, **config}, "start": start}
        )
        created = await self.containers.create(ALICE, request)
        return created.container_id

    def inspector_for(self, pool: StdioSessionPool) -> InspectorService:
        guard = SsrfGuard(SsrfPolicy())
        return InspectorService(self.containers, self.docker, pool, remote_connector(guard, LIMITS))


@pytest.fixture
async def stack(settings: Settings, docker_client: docker.DockerClient) -> AsyncIterator[Stack]:
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    database = Database(settings.database_url)
    redis = RedisService(settings.redis_url, 1.0)
    adapter = DockerAdapter(settings.docker_host)
    containers = ContainerService(
        adapter, database, NoReferences(), AuditService(database), ContainerLocks(redis), settings
    )
    pool = stdio_pool(adapter, LIMITS)
    built = Stack(
        containers, InspectorService(containers, adapter, pool, _no_remote), pool, adapter
    )
    yield built
    await pool.close()
    for container in docker_client.containers.list(
        all=True, filters={"label": f"mcp-console.owner={ALICE.owner}"}
    ):
        container.remove(force=True)
    await adapter.close()
    await redis.close()
    await database.close()


@contextlib.asynccontextmanager
async def _no_remote(_server: Any) -> AsyncIterator[Any]:
    raise AssertionError("these tests inspect containers only")
    yield  # pragma: no cover


@pytest.fixture
async def server(stack: Stack, mcp_server_image: BuiltImage) -> ContainerTarget:
    return ContainerTarget(ALICE, await stack.create(mcp_server_image))


async def test_capabilities_tools_resources_and_prompts_are_listed(
    stack: Stack, server: ContainerTarget
) -> None:
    capabilities = await stack.inspector.capabilities(server)
    assert capabilities.server_name == "console-test-server"
    assert capabilities.server_version == "1.0.0"
    assert capabilities.protocol_version
    assert capabilities.instructions and "Test server" in capabilities.instructions
    flags = capabilities.capabilities
    assert flags.tools and flags.resources and flags.prompts
    assert not flags.resource_subscribe

    tools = {tool.name: tool for tool in (await stack.inspector.tools(server)).tools}
    assert set(tools) == {"echo", "env_value", "add", "fail"}
    assert sorted(tools["add"].input_schema["required"]) == ["a", "b"]
    assert tools["echo"].description == "Return the given text unchanged."

    resources = (await stack.inspector.resources(server)).resources
    assert {r.uri for r in resources} == {"test://greeting", "test://environment"}
    assert {r.mime_type for r in resources} == {"text/plain"}

    (prompt,) = (await stack.inspector.prompts(server)).prompts
    assert prompt.name == "summarize"
    assert [(a.name, a.required) for a in prompt.arguments] == [("topic", True)]


async def test_tool_call_resource_read_and_prompt_get_round_trip(
    stack: Stack, server: ContainerTarget
) -> None:
    added = await stack.inspector.call_tool(server, "add", {"a": 2, "b": 3.5})
    assert not added.is_error
    assert added.content == [{"type": "text", "text": "5.5"}]
    assert added.structured_content == {"result": 5.5}

    greeting = await stack.inspector.read_resource(server, "test://greeting")
    assert greeting.contents[0]["text"] == "hello from the console test server"

    prompt = await stack.inspector.get_prompt(server, "summarize", {"topic": "MCP"})
    assert prompt.messages[0]["content"]["text"] == "Please summarize MCP in three sentences."


async def test_invalid_arguments_answer_422_with_every_schema_error(
    stack: Stack, server: ContainerTarget
) -> None:
    with pytest.raises(AppError) as caught:
        await stack.inspector.call_tool(server, "add", {"a": "two"})
    error = caught.value
    assert (error.status, error.code) == (422, "INVALID_TOOL_ARGUMENTS")
    problems = {(e["path"], e["validator"]) for e in error.details["errors"]}
    assert problems == {("a", "type"), ("", "required")}
    assert any("'b' is a required property" in e["message"] for e in error.details["errors"])

    with pytest.raises(AppError) as unknown:
        await stack.inspector.call_tool(server, "no-such-tool", {})
    assert (unknown.value.status, unknown.value.code) == (404, "TOOL_NOT_FOUND")


async def test_tool_error_result_is_returned_as_data(stack: Stack, server: ContainerTarget) -> None:
    result = await stack.inspector.call_tool(server, "fail", {"reason": "on purpose"})
    assert result.is_error
    assert "tool failed: on purpose" in result.content[0]["text"]


async def test_ten_concurrent_calls_each_get_their_own_result(
    stack: Stack, server: ContainerTarget
) -> None:
    texts = [f"call-{index}-{'x' * index}" for index in range(10)]
    results = await asyncio.gather(
        *(stack.inspector.call_tool(server, "echo", {"text": text}) for text in texts),
        *(stack.inspector.call_tool(server, "add", {"a": index, "b": 1000}) for index in range(10)),
    )
    assert [r.content[0]["text"] for r in results[:10]] == texts
    assert [r.structured_content for r in results[10:]] == [
        {"result": float(index + 1000)} for index in range(10)
    ]
    assert len(stack.pool) == 1, "one shared session per container"


async def test_a_second_attached_client_never_receives_our_answers(
    stack: Stack, server: ContainerTarget
) -> None:
    """Two pools = two console processes attached to one container: stdout reaches both."""
    other_pool = stdio_pool(stack.docker, LIMITS)
    other = stack.inspector_for(other_pool)
    try:
        ours = [stack.inspector.call_tool(server, "echo", {"text": f"ours-{i}"}) for i in range(5)]
        theirs = [other.call_tool(server, "echo", {"text": f"theirs-{i}"}) for i in range(5)]
        results = await asyncio.gather(*ours, *theirs)
    finally:
        await other_pool.close()
    texts = [r.content[0]["text"] for r in results]
    assert texts == [f"ours-{i}" for i in range(5)] + [f"theirs-{i}" for i in range(5)]


async def test_stopped_container_answers_409_and_restart_reconnects(
    stack: Stack, server: ContainerTarget
) -> None:
    assert (await stack.inspector.capabilities(server)).server_name == "console-test-server"
    await stack.containers.stop(ALICE, server.container_id)
    with pytest.raises(AppError) as caught:
        await stack.inspector.tools(server)
    assert (caught.value.status, caught.value.code) == (409, "CONTAINER_NOT_RUNNING")

    await stack.containers.start(ALICE, server.container_id)
    result = await stack.inspector.call_tool(server, "echo", {"text": "back again"})
    assert result.content[0]["text"] == "back again"


async def test_never_started_container_answers_409(
    stack: Stack, mcp_server_image: BuiltImage
) -> None:
    target = ContainerTarget(ALICE, await stack.create(mcp_server_image, start=False))
    with pytest.raises(AppError) as caught:
        await stack.inspector.capabilities(target)
    assert (caught.value.status, caught.value.code) == (409, "CONTAINER_NOT_RUNNING")


async def test_non_mcp_program_answers_502_within_the_time_limit(
    stack: Stack, busybox_image: BuiltImage
) -> None:
    target = ContainerTarget(ALICE, await stack.create(busybox_image))
    started = time.monotonic()
    with pytest.raises(AppError) as caught:
        await stack.inspector.capabilities(target)
    elapsed = time.monotonic() - started
    assert (caught.value.status, caught.value.code) == (502, "MCP_HANDSHAKE_FAILED")
    assert LIMITS.init_seconds - 0.5 <= elapsed < LIMITS.init_seconds + 2.0
    assert len(stack.pool) == 0


async def test_container_without_stdin_open_answers_502_at_once(
    stack: Stack, mcp_server_image: BuiltImage
) -> None:
    target = ContainerTarget(ALICE, await stack.create(mcp_server_image, stdin_open=False))
    started = time.monotonic()
    with pytest.raises(AppError) as caught:
        await stack.inspector.tools(target)
    assert (caught.value.status, caught.value.code) == (502, "MCP_HANDSHAKE_FAILED")
    assert "stdin" in (caught.value.hint or "")
    assert time.monotonic() - started < 1.0


async def test_another_users_container_is_not_found(stack: Stack, server: ContainerTarget) -> None:
    with pytest.raises(AppError) as caught:
        await stack.inspector.capabilities(ContainerTarget(MALLORY, server.container_id))
    assert (caught.value.status, caught.value.code) == (404, "CONTAINER_NOT_FOUND")


async def test_tool_arguments_and_output_are_never_logged(
    stack: Stack, server: ContainerTarget, caplog: pytest.LogCaptureFixture
) -> None:
    """Not even redacted: a value this process never registered is kept out all the same."""
    unregistered = "inspector-payload-value-4711"
    with caplog.at_level(logging.DEBUG):
        result = await stack.inspector.call_tool(
            server, "echo", {"text": f"the value is {unregistered} ok"}
        )
    assert result.content[0]["text"] == f"the value is {unregistered} ok", (
        "the caller gets the data itself"
    )
    (record,) = [r for r in caplog.records if r.getMessage() == "mcp tool called"]
    assert (record.__dict__["tool"], record.__dict__["is_error"]) == ("echo", False)
    assert record.__dict__["items"] == 1 and record.__dict__["output_bytes"] > len(unregistered)
    assert all(unregistered not in repr(r.__dict__) for r in caplog.records)
