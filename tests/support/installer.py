"""An in-process console whose Docker catalog (a local stand-in) holds one echo server entry
with a declared secret, a parameter and an env template: the install tests' common ground."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pytest
from redis.asyncio import Redis

from mcp_console.core.settings import Settings
from tests.support.containers import Console, running_console
from tests.support.images import BuiltImage
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
def loopback_catalog_console(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient, **overrides: Any
) -> Iterator[Console]:
    """A console that may read catalogs from the tests' stand-ins on loopback (plain http and
    127.0.0.1 let through the SSRF policy for them only)."""
    with running_console(
        settings,
        tmp_path,
        docker_client,
        allow_insecure_endpoint=True,
        ssrf_allow_cidrs="127.0.0.1/32",
        **overrides,
    ) as console:
        yield console


@contextmanager
def installer_console(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    image: str,
    extra: Sequence[dict[str, Any]] = (),
    **overrides: Any,
) -> Iterator[Console]:
    """The echo server entry plus `extra` `server.yaml`-shaped entries in the Docker catalog."""
    with registry_servers() as servers:
        entries = [echo_server_yaml(image), *extra]
        servers.state.docker_yaml = docker_catalog(
            [SnapshotServer(entry["name"], entry, None, {}) for entry in entries]
        )
        with loopback_catalog_console(
            settings,
            tmp_path,
            docker_client,
            catalog_docker_url=servers.docker_url,
            catalog_sources="docker",
            **overrides,
        ) as console:
            yield console


@pytest.fixture(name="installer")
def installer_fixture(
    request: pytest.FixtureRequest,
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    busybox_image: BuiltImage,
    redis_client: Redis,
) -> Iterator[Console]:
    """The installer console on the busybox image; settings overrides come as an indirect
    parameter (`@pytest.mark.parametrize("installer", [{...}], indirect=True)`)."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    with installer_console(
        settings, tmp_path, docker_client, busybox_image.tag, **overrides
    ) as console:
        yield console


@pytest.fixture(name="registry_console")
def registry_console_fixture(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    redis_client: Redis,  # a flushed database: no catalog cached by an earlier run
) -> Iterator[Console]:
    """A console whose only source is the GitHub stand-in serving the real registry snapshot
    (item ids `github:<name>`); its allowed mount root is `settings.allowed_mount_root_list[0]`."""
    with (
        registry_servers() as servers,
        running_console(
            settings,
            tmp_path,
            docker_client,
            catalog_sources="github",
            github_api_url=servers.base_url,
            allow_insecure_endpoint=True,
            ssrf_allow_cidrs="127.0.0.1/32",
        ) as console,
    ):
        yield console
