"""An in-process console whose Docker catalog (a local stand-in) holds one echo server entry
with a declared secret, a parameter and an env template: the install tests' common ground."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker

from mcp_console.core.settings import Settings
from tests.support.containers import Console, running_console
from tests.support.registry_servers import SnapshotServer, docker_catalog, registry_servers

ITEM_ID = "docker:echo-server"
SECRET_NAME = "echo-server.api_key"


def echo_server_yaml(image: str) -> dict[str, Any]:
    """A `server.yaml`-shaped entry: secret `ECHO_API_KEY`, env `ECHO_REGION` from `region`."""
    return {
        "name": "echo-server",
        "image": image,
        "type": "server",
        "about": {"title": "Echo server", "description": "Test entry"},
        "meta": {"category": "test", "tags": ["test"]},
        "config": {
            "description": "Configure the echo server",
            "secrets": [{"name": SECRET_NAME, "env": "ECHO_API_KEY", "example": "x"}],
            "env": [{"name": "ECHO_REGION", "value": "{{echo-server.region}}"}],
            "parameters": {
                "type": "object",
                "properties": {"region": {"type": "string", "enum": ["eu", "us"]}},
                "required": ["region"],
            },
        },
    }


@contextmanager
def installer_console(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient, image: str
) -> Iterator[Console]:
    with registry_servers() as servers:
        entry = SnapshotServer("echo-server", echo_server_yaml(image), None, {})
        servers.state.docker_yaml = docker_catalog([entry])
        with running_console(
            settings,
            tmp_path,
            docker_client,
            catalog_docker_url=servers.docker_url,
            catalog_sources="docker",
            allow_insecure_endpoint=True,
            ssrf_allow_cidrs="127.0.0.1/32",
        ) as console:
            yield console
