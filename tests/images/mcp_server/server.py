"""A small but real MCP server over stdio, built on the official `mcp` SDK, for container tests.

It runs inside the locally built test image (see tests/support/images.py) and offers tools with
input schemas (one echoes, one returns an environment variable, one adds, one always answers
with an error result), two resources and a prompt, so the inspector can exercise every kind of
capability through the container code.

Environment switches for untrusted-output tests and benchmarks:
- `MCP_TEST_BOM=1`: write a UTF-8 byte-order mark on stdout before the first message;
- `MCP_TEST_LARGE_TOOL=1`: offer `large`, which answers a text of as many bytes as asked;
- `MCP_TEST_EXTRA_TOOLS=N`: offer N more tools `tool_0` ... (each echoes its text);
- `MCP_TEST_SUBSCRIBE=1`: accept `resources/subscribe` and `resources/unsubscribe` (announcing
  `resources.subscribe`) and offer `update_resource`, which sends `notifications/resources/updated`
  for the URI it is given.
"""

from __future__ import annotations

import os
import sys

import anyio
import mcp_types as mt
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

# Several copies in one gateway profile need distinct resource URIs (TEST_RESOURCE_BASE), and
# the gateway tests need a few more tools (TEST_SERVER_EXTRAS=1); neither changes the default.
BASE = os.environ.get("TEST_RESOURCE_BASE", "test")
EXTRAS = os.environ.get("TEST_SERVER_EXTRAS") == "1"

server = MCPServer(
    name="console-test-server",
    version="1.0.0",
    instructions="Test server for the MCP Gateway Console; every tool is harmless.",
)


def log(message: str) -> None:
    """A line on stderr (stdout carries the protocol), for the console's log viewers."""
    print(message, file=sys.stderr, flush=True)


@server.tool(description="Return the given text unchanged.")
def echo(text: str) -> str:
    log(f"echo called with {len(text)} characters")
    return text


@server.tool(description="Return the value of one of the container's environment variables.")
def env_value(name: str) -> str:
    """For canary tests: the value a `{{ bw:... }}` reference resolved to, as the server sees it."""
    log(f"env_value called for {name}")
    return os.environ.get(name, "")


@server.tool(description="Add two numbers.")
def add(a: float, b: float) -> float:
    return a + b


@server.tool(description="Always fails with an error result (for error pass-through tests).")
def fail(reason: str = "requested failure") -> str:
    raise ToolError(f"tool failed: {reason}")


def large(size: int) -> str:
    return "x" * size


if os.environ.get("MCP_TEST_LARGE_TOOL") == "1":
    server.add_tool(large, description="Return a text of the given size in bytes.")


def _extra_tool(index: int) -> None:
    def tool(text: str) -> str:
        return text

    server.add_tool(tool, name=f"tool_{index}", description=f"Extra tool {index}: echoes its text.")


for _index in range(int(os.environ.get("MCP_TEST_EXTRA_TOOLS", "0"))):
    _extra_tool(_index)


@server.resource(f"{BASE}://greeting", name="greeting", mime_type="text/plain")
def greeting() -> str:
    return "hello from the console test server"


@server.resource(f"{BASE}://environment", name="environment", mime_type="text/plain")
def environment() -> str:
    """Names (never values) of the variables the container received."""
    return "\n".join(sorted(os.environ))


@server.prompt(description="Ask for a summary of a topic.")
def summarize(topic: str) -> str:
    return f"Please summarize {topic} in three sentences."


async def count_steps(steps: int, ctx: Context) -> str:
    """Reports `steps` progress notifications, then answers."""
    for step in range(1, steps + 1):
        await ctx.report_progress(step, steps, f"step {step}")
    return f"{steps} steps"


async def wait_forever() -> str:
    """Never answers; a cancellation is written to stderr (the container log shows it)."""
    try:
        await anyio.sleep(3600)
    except anyio.get_cancelled_exc_class():
        log("wait_forever cancelled")
        raise
    return "woke up"


async def announce_change(ctx: Context) -> str:
    """Tells the client its tool list changed (nothing changes: a test hook)."""
    await ctx.session.send_tool_list_changed()
    return "announced"


def item(item_id: str) -> str:
    return f"item {item_id}"


if EXTRAS:
    server.tool(description="Report progress in steps.")(count_steps)
    server.tool(description="Wait until cancelled.")(wait_forever)
    server.tool(description="Announce a tool list change.")(announce_change)
    server.resource(f"{BASE}://item/{{item_id}}", name="item", mime_type="text/plain")(item)


async def accept_subscription(
    _ctx: object, _params: mt.SubscribeRequestParams | mt.UnsubscribeRequestParams
) -> mt.EmptyResult:
    return mt.EmptyResult()


async def update_resource(uri: str, ctx: Context) -> str:
    """Tells the client the resource at `uri` changed (nothing changes: a test hook)."""
    await ctx.session.send_resource_updated(uri)
    return "updated"


if os.environ.get("MCP_TEST_SUBSCRIBE") == "1":
    # MCPServer has no public hook for the legacy subscribe pair; its low-level server does.
    lowlevel = server._lowlevel_server
    lowlevel.add_request_handler(
        "resources/subscribe", mt.SubscribeRequestParams, accept_subscription
    )
    lowlevel.add_request_handler(
        "resources/unsubscribe", mt.UnsubscribeRequestParams, accept_subscription
    )
    server.tool(description="Announce an update of a resource.")(update_resource)


if __name__ == "__main__":
    log("console-test-server ready; variables received: " + ", ".join(sorted(os.environ)))
    if os.environ.get("MCP_TEST_BOM") == "1":
        sys.stdout.buffer.write(b"\xef\xbb\xbf")
        sys.stdout.buffer.flush()
    server.run("stdio")
