"""Tool arguments against hostile `inputSchema`s of a real MCP server (a loopback stand-in that
speaks streamable HTTP with JSON answers), through the inspector and the `mcp` SDK client: no
`$ref` outside the schema is fetched or read, recursion and nesting answer 422, and the tool
is never called with arguments that were not checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mcp_console.core.errors import AppError
from mcp_console.core.settings import Settings
from mcp_console.inspector.client import Limits
from mcp_console.inspector.schemas import RemoteServer
from mcp_console.inspector.service import InspectorService
from tests.support.hostile_servers import HostileServers, hostile_servers
from tests.support.remote_inspector import remote_inspector

LIMITS = Limits(init_seconds=5.0, call_seconds=10.0)


def _tool(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": name, "inputSchema": {"type": "object", **schema}}


def _deep(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _deep_schema(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for _ in range(depth):
        schema = {"items": schema}
    return schema


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServers]:
    with hostile_servers() as servers:
        silent = f"http://127.0.0.1:{servers.silent.port}/x.json"
        servers.state.tools = [
            _tool("ref-loopback", {"properties": {"a": {"$ref": servers.url("/schema.json")}}}),
            _tool("ref-file", {"properties": {"a": {"$ref": "file:///etc/passwd#/x"}}}),
            _tool("ref-silent", {"properties": {"a": {"$ref": silent}}}),
            _tool("ref-self", {"properties": {"a": {"$ref": "#/properties/a"}}}),
            _tool("deep-schema", {"properties": {"a": _deep_schema(100)}}),
            _tool("plain", {"properties": {"a": {}}}),
        ]
        yield servers


async def _refused(
    inspector: InspectorService, hostile: HostileServers, tool: str, arguments: dict[str, Any]
) -> AppError:
    target = RemoteServer(url=hostile.url("/mcp"), transport="streamable_http")
    with pytest.raises(AppError) as caught:
        await inspector.call_tool(target, tool, arguments)
    assert caught.value.status == 422
    return caught.value


@pytest.mark.parametrize(
    ("tool", "ref"),
    [
        ("ref-loopback", "/schema.json"),
        ("ref-file", "file:///etc/passwd#/x"),
        ("ref-silent", "silent"),
    ],
)
async def test_refs_outside_the_tool_schema_are_refused_unfetched(
    settings: Settings, hostile: HostileServers, tool: str, ref: str
) -> None:
    calls_before = hostile.state.hits["/mcp"]
    error = await _refused(remote_inspector(settings, LIMITS), hostile, tool, {"a": "x"})
    assert error.code == "SCHEMA_REF_REFUSED"
    expected = {
        "/schema.json": hostile.url("/schema.json"),
        "silent": f"http://127.0.0.1:{hostile.silent.port}/x.json",
    }.get(ref, ref)
    assert error.details == {"ref": expected}
    assert "root:" not in str(error.details) + error.message
    assert hostile.state.hits["/schema.json"] == 0
    assert hostile.silent.accepted == []
    # initialize, initialized, tools/list: the stand-in counts POSTs; tools/call never came
    assert hostile.state.hits["/mcp"] - calls_before == 3


@pytest.mark.parametrize(
    ("tool", "arguments", "part", "limit"),
    [
        ("ref-self", {"a": "x"}, "schema", "recursion without end"),
        ("deep-schema", {"a": "x"}, "schema", "nested deeper than 64"),
        ("plain", {"a": _deep(20_000, "x")}, "arguments", "nested deeper than 64"),
    ],
)
async def test_recursion_and_nesting_answer_422(
    settings: Settings,
    hostile: HostileServers,
    tool: str,
    arguments: dict[str, Any],
    part: str,
    limit: str,
) -> None:
    error = await _refused(remote_inspector(settings, LIMITS), hostile, tool, arguments)
    assert (error.code, error.details) == ("SCHEMA_TOO_COMPLEX", {"part": part, "limit": limit})
