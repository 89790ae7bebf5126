"""Untrusted output of a remote MCP server (streamable HTTP, JSON answers) through the inspector:
an answer a little over the cap is truncated with a notice, one far over it is cut off at the
transport while it is read, and a compressed answer (which could inflate past any cap) is
refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcp_console.core.errors import AppError
from mcp_console.core.settings import Settings
from mcp_console.inspector.client import Limits
from mcp_console.inspector.result_cap import ENVELOPE_MARGIN
from mcp_console.inspector.schemas import RemoteServer, ToolCallResult
from tests.support.hostile_servers import HostileServers, hostile_servers
from tests.support.remote_inspector import remote_inspector

CAP = 16_384
LIMITS = Limits(init_seconds=5.0, call_seconds=10.0, max_result_bytes=CAP)
PLAIN = {"name": "plain", "inputSchema": {"type": "object"}}


@pytest.fixture
def hostile() -> Iterator[HostileServers]:
    with hostile_servers() as servers:
        servers.state.tools = [PLAIN]
        yield servers


async def _call(settings: Settings, hostile: HostileServers) -> ToolCallResult:
    target = RemoteServer(url=hostile.url("/mcp"), transport="streamable_http")
    return await remote_inspector(settings, LIMITS).call_tool(target, "plain", {})


async def test_an_answer_a_little_over_the_cap_is_truncated(
    settings: Settings, hostile: HostileServers
) -> None:
    hostile.state.call_text = "y" * (CAP * 2)
    result = await _call(settings, hostile)
    assert result.truncated
    first, notice = result.content
    assert set(first["text"]) == {"y"}
    assert notice["text"].startswith("[truncated by MCP Gateway Console: result was ")


@pytest.mark.parametrize("gzip_answers", [False, True])
async def test_an_answer_far_over_the_cap_or_compressed_is_refused(
    settings: Settings, hostile: HostileServers, gzip_answers: bool
) -> None:
    hostile.state.call_text = "z" * (CAP + ENVELOPE_MARGIN + 1) if not gzip_answers else "small"
    hostile.state.gzip_answers = gzip_answers
    with pytest.raises(AppError) as caught:
        await _call(settings, hostile)
    assert (caught.value.status, caught.value.code) == (502, "MCP_REQUEST_FAILED")
    expected = "compressed response was refused" if gzip_answers else f"over {CAP + 65536} bytes"
    assert expected in caught.value.message
