"""An in-process console whose catalog (a local stand-in for Docker's) holds one `echo-server`
item: a required secret (`ECHO_API_KEY`), a `region` parameter and an env template for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker

from mcp_console.core.settings import Settings
from tests.support.containers import Console, User, running_console
from tests.support.registry_servers import SnapshotServer, docker_catalog, registry_servers

ITEM_ID = "docker:echo-server"
SLEEP_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def echo_catalog_entry(image: str) -> dict[str, Any]:
    return {
        "name": "echo-server",
        "image": image,
        "type": "server",
        "about": {"title": "Echo server", "description": "Test entry"},
        "meta": {"category": "test", "tags": ["test"]},
        "config": {
            "description": "Configure the echo server",
            "secrets": [{"name": "echo-server.api_key", "env": "ECHO_API_KEY", "example": "x"}],
            "env": [{"name": "ECHO_REGION", "value": "{{echo-server.region}}"}],
            "parameters": {
                "type": "object",
                "properties": {"region": {"type": "string", "enum": ["eu", "us"]}},
                "required": ["region"],
            },
        },
    }


@contextmanager
def running_installer(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    image: str,
    **overrides: Any,
) -> Iterator[Console]:
    with registry_servers() as servers:
        entry = SnapshotServer("echo-server", echo_catalog_entry(image), None, {})
        servers.state.docker_yaml = docker_catalog([entry])
        with running_console(
            settings,
            tmp_path,
            docker_client,
            catalog_docker_url=servers.docker_url,
            catalog_sources="docker",
            allow_insecure_endpoint=True,
            ssrf_allow_cidrs="127.0.0.1/32",
            **overrides,
        ) as console:
            yield console


def install(
    console: Console, user: User, api_key: str, *, params: Any = None, **fields: Any
) -> Any:
    """`POST /api/containers/install` of the echo server (`api_key`: its secret's answer)."""
    body = {
        "item_id": ITEM_ID,
        "parameters": {"region": "eu"},
        "secrets": {"echo-server.api_key": api_key},
        "command": SLEEP_COMMAND,
        **fields,
    }
    return console.client.post(
        "/api/containers/install", params=params or {}, json=body, headers=user.headers
    )
