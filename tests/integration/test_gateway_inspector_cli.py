"""A client nobody here wrote uses the gateway: the pinned MCP Inspector's CLI mode
(`@modelcontextprotocol/inspector`, exact version in package.json) lists a profile's tools and
calls one through `/mcp/{profile}` with the bearer header, and sees the profile's allow-list and
prefix applied."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.support.gateway_processes import Gateway, running_gateway
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    everything_image_fixture,
)
from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.docker
INSPECTOR = (
    REPO_ROOT
    / "node_modules"
    / "@modelcontextprotocol"
    / "inspector"
    / "clients"
    / "launcher"
    / "build"
    / "index.js"
)
ALLOWED = ["echo", "get-sum"]


def inspector_cli(gateway: Gateway, home: Path, *args: str) -> Any:
    """One Inspector CLI run against the gateway; its JSON output, parsed."""
    node = shutil.which("node")
    if node is None or not INSPECTOR.exists():
        pytest.fail("Node or the MCP Inspector is missing: run `npm ci` (see package.json)")
    home.mkdir(exist_ok=True)
    completed = subprocess.run(
        [
            node,
            str(INSPECTOR),
            "--cli",
            f"{gateway.api_urls[0]}{gateway.path}",
            "--transport",
            "http",
            "--header",
            f"Authorization: Bearer {gateway.token}",
            *args,
        ],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(completed.stdout)


def test_inspector_cli_lists_and_calls_through_the_gateway(
    tmp_path: Path, docker_client: docker.DockerClient, everything_image: BuiltImage
) -> None:
    server = {"tools": ALLOWED, "prefix": "ev"}
    with running_gateway(
        tmp_path / "api", docker_client, everything_image, server=server
    ) as gateway:
        listed = inspector_cli(gateway, tmp_path / "home", "--method", "tools/list")
        called = inspector_cli(
            gateway,
            tmp_path / "home",
            "--method",
            "tools/call",
            "--tool-name",
            "ev_echo",
            "--tool-arg",
            "message=from the inspector cli",
        )

    tools = {tool["name"]: tool for tool in listed["tools"]}
    assert sorted(tools) == ["ev_echo", "ev_get-sum"]
    assert tools["ev_echo"]["inputSchema"]["required"] == ["message"]
    assert called.get("isError") in (None, False), called
    assert called["content"] == [{"type": "text", "text": "Echo: from the inspector cli"}]
