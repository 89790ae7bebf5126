"""Untrusted output of a real stdio MCP server in a real container, through the inspector: a
20 MiB tool result is dropped while it streams and answered with a visible notice while a
concurrent small call on the same session still answers; a result a little over the cap keeps
what fits; a server that writes a byte-order mark before its first message is inspected."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import docker
import pytest

from mcp_console.containers.docker import ContainerSpec, DockerAdapter
from mcp_console.containers.service import Actor
from mcp_console.core.errors import AppError
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.inspector.client import Limits
from mcp_console.inspector.result_cap import ENVELOPE_MARGIN
from mcp_console.inspector.schemas import RemoteServer
from mcp_console.inspector.service import ContainerTarget, InspectorService
from mcp_console.wiring import stdio_pool
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker
CAP = 16_384
LIMITS = Limits(init_seconds=20.0, call_seconds=120.0, max_result_bytes=CAP)
ACTOR = Actor(owner="untrusted-output@example.test", session_hash=SessionHash("untrusted"))
LABEL = "mcp-console.test-untrusted-output"
NOTICE_START = "[truncated by MCP Gateway Console: result was "

Started = Callable[..., Awaitable[tuple[InspectorService, ContainerTarget]]]


class _Known:
    """Container lookup for containers this module created (no database needed)."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    async def docker_id_of(self, actor: Actor, container_id: str) -> str:
        return self.ids[container_id]


def _no_remote(_server: RemoteServer) -> Any:
    raise AssertionError("these tests inspect containers only")


@pytest.fixture
async def started(
    settings: Settings, docker_client: docker.DockerClient, mcp_server_image: BuiltImage
) -> AsyncIterator[Started]:
    adapter = DockerAdapter(settings.docker_host)
    known = _Known()
    pool = stdio_pool(adapter, LIMITS)
    inspector = InspectorService(known, adapter, pool, _no_remote)
    run = uuid.uuid4().hex[:8]

    async def start(**switches: str) -> tuple[InspectorService, ContainerTarget]:
        name = f"mcp-console-untrusted-{run}-{len(known.ids)}"
        spec = ContainerSpec(
            name=name,
            image=mcp_server_image.tag,
            labels={LABEL: run},
            env={"MCP_TEST_LARGE_TOOL": "1", **switches},
            stdin_open=True,
            mem_limit="512m",
        )
        docker_id = await adapter.create(spec)
        known.ids[name] = docker_id
        await adapter.start(docker_id)
        return inspector, ContainerTarget(ACTOR, name)

    yield start
    await pool.close()
    for container in docker_client.containers.list(all=True, filters={"label": f"{LABEL}={run}"}):
        container.remove(force=True)
    await adapter.close()


async def test_a_huge_result_is_dropped_unparsed_and_a_concurrent_call_still_answers(
    started: Started,
) -> None:
    inspector, target = await started()
    await inspector.capabilities(target)  # the session is up before the race
    huge, small = await asyncio.gather(
        inspector.call_tool(target, "large", {"size": 20 * 1024 * 1024}),
        inspector.call_tool(target, "echo", {"text": "still here"}),
    )
    assert small.content == [{"type": "text", "text": "still here"}] and not small.truncated
    assert huge.truncated and huge.is_error
    (block,) = huge.content
    assert block["text"].startswith(NOTICE_START) and block["text"].endswith(f"limit {CAP}]")
    size = int(block["text"].removeprefix(NOTICE_START).split(" ")[0])
    assert size > 20 * 1024 * 1024, "the size counted is the whole message's"
    after = await inspector.call_tool(target, "echo", {"text": "and after"})
    assert after.content == [{"type": "text", "text": "and after"}]


async def test_a_result_just_over_the_cap_keeps_what_fits(started: Started) -> None:
    inspector, target = await started()
    result = await inspector.call_tool(target, "large", {"size": CAP * 2})
    assert result.truncated and result.structured_content is None
    first, last = result.content
    assert set(first["text"]) == {"x"} and CAP // 2 < len(first["text"]) < CAP
    assert last["text"].startswith(NOTICE_START)


@pytest.mark.parametrize("size", [CAP, CAP + ENVELOPE_MARGIN], ids=["parsed", "dropped"])
async def test_a_prompt_over_the_cap_is_refused(started: Started, size: int) -> None:
    """Refused both when the answer is parsed and cut, and when it is dropped while it streams
    (the JSON-RPC error the bridge answers with becomes the same error)."""
    inspector, target = await started()
    with pytest.raises(AppError) as caught:
        await inspector.get_prompt(target, "summarize", {"topic": "t" * size})
    assert (caught.value.status, caught.value.code) == (502, "MCP_RESULT_TOO_LARGE")
    assert caught.value.details["limit"] == CAP


async def test_a_server_that_writes_a_byte_order_mark_first_is_inspected(
    started: Started,
) -> None:
    inspector, target = await started(MCP_TEST_BOM="1")
    capabilities = await inspector.capabilities(target)
    assert capabilities.server_name == "console-test-server"
    tools = await inspector.tools(target)
    assert "echo" in {tool.name for tool in tools.tools}
