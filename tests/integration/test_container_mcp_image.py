"""The locally built MCP server image runs a real MCP server over stdio in a managed container,
reached through the product's own container code (create with stdin open, attach to stdio)."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest

from mcp_console.containers.docker import DockerAdapter, demux_frames
from tests.support.containers import Console, console_fixture  # noqa: F401
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker


class StdioPeer:
    """Newline-delimited JSON-RPC over an attached socket (stdout frames demultiplexed)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(20)
        self.buffer = b""
        self.stdout = b""

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def receive(self) -> dict[str, Any]:
        while b"\n" not in self.stdout:
            frames, self.buffer = demux_frames(self.buffer + self.sock.recv(65536))
            for stream_id, payload in frames:
                if stream_id == 1:
                    self.stdout += payload
        line, _, self.stdout = self.stdout.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message

    def request(self, request_id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        response = self.receive()
        assert response["id"] == request_id, response
        return response


def test_mcp_server_image_speaks_mcp_over_attached_stdio(
    console: Console, mcp_server_image: BuiltImage
) -> None:
    user = console.login()
    created = console.create(user, {"image": mcp_server_image.tag, "stdin_open": True})
    assert created["status"] == "running"
    docker_id = console.docker_id(user, created["container_id"])

    async def attach() -> socket.socket:
        adapter = DockerAdapter(console.settings.docker_host)
        try:
            return await adapter.attach_stdio(docker_id)
        finally:
            await adapter.close()

    sock = asyncio.run(attach())
    try:
        peer = StdioPeer(sock)
        init = peer.request(
            1,
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "container-test", "version": "1"},
            },
        )["result"]
        assert init["serverInfo"]["name"] == "console-test-server"
        assert {"tools", "resources", "prompts"} <= set(init["capabilities"])
        peer.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = peer.request(2, "tools/list", {})["result"]["tools"]
        assert {tool["name"] for tool in tools} == {"echo", "env_value", "add", "fail"}
        add = next(tool for tool in tools if tool["name"] == "add")
        assert add["inputSchema"]["required"] == ["a", "b"]
        result = peer.request(3, "tools/call", {"name": "add", "arguments": {"a": 2, "b": 40}})
        assert result["result"]["structuredContent"] == {"result": 42.0}
        failed = peer.request(4, "tools/call", {"name": "fail", "arguments": {}})["result"]
        assert failed["isError"] is True
        resources = peer.request(5, "resources/list", {})["result"]["resources"]
        assert {r["uri"] for r in resources} == {"test://greeting", "test://environment"}
        prompts = peer.request(6, "prompts/list", {})["result"]["prompts"]
        assert [p["name"] for p in prompts] == ["summarize"]
    finally:
        sock.close()
