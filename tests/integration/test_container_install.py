"""Install from a catalog item (served by a local stand-in for Docker's catalog): parameters fill
the item's env templates, the required secret is a `{{ bw:... }}` reference that the process in
the container sees resolved, and the catalog cannot add anything the request did not carry."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from redis.asyncio import Redis

from mcp_console.core.logging import configure_logging
from mcp_console.core.settings import Settings
from tests.support.containers import (
    Console,
    VaultSecret,
    run_worker,
    stored_text,
)
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.installer import installer_console

pytestmark = pytest.mark.docker

SECRET = VaultSecret("install-item", "install-canary-Lk2-value-314")


@pytest.fixture(name="installer")
def installer_fixture(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    busybox_image: BuiltImage,
    redis_client: Redis,
) -> Iterator[Console]:
    with installer_console(settings, tmp_path, docker_client, busybox_image.tag) as console:
        yield console


def _install(console: Console, headers: dict[str, str], **params: Any) -> Any:
    body = {
        "item_id": "docker:echo-server",
        "parameters": {"region": "eu"},
        "secrets": {"echo-server.api_key": SECRET.reference},
        "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    }
    return console.client.post("/api/containers/install", params=params, json=body, headers=headers)


def test_install_from_catalog_item_resolves_the_reference_inside(
    installer: Console, docker_client: docker.DockerClient
) -> None:
    user = installer.login(SECRET)
    preview = _install(installer, user.headers, dry_run=True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["config"]["env"] == {
        "ECHO_REGION": "eu",
        "ECHO_API_KEY": SECRET.reference,
    }
    assert installer.listing(user) == {}  # a preview creates nothing

    response = _install(installer, user.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "running"
    view = installer.listing(user)[created["container_id"]]
    assert view["catalog_source"] == "docker" and view["server_name"] == "echo-server"
    container = docker_client.containers.get(view["docker_id"])
    _, output = container.exec_run(["sh", "-c", "echo $ECHO_API_KEY/$ECHO_REGION"])
    assert output.decode().strip() == f"{SECRET.value}/eu"
    assert container.labels["mcp-console.source"] == "docker"
    assert container.attrs["Config"]["OpenStdin"] is True  # stdio transport
    stored = installer.client.get(
        f"/api/containers/{created['container_id']}/config", headers=user.headers
    ).json()
    assert stored["catalog_item"] == "docker:echo-server"
    assert SECRET.value not in str(stored)


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")  # arq's close()
def test_async_install_keeps_the_value_out_of_every_store(
    installer: Console, docker_client: docker.DockerClient
) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", json_output=True, stream=stream)
    try:
        user = installer.login(SECRET)
        response = _install(installer, user.headers, **{"async": True})
        assert response.status_code == 202, response.text
        job_id = response.json()["job_id"]
        run_worker(installer)
        job = installer.client.get(f"/api/jobs/{job_id}", headers=user.headers).json()
        assert job["status"] == "succeeded", job
        docker_id = installer.listing(user)[job["result"]["container_id"]]["docker_id"]
        _, output = docker_client.containers.get(docker_id).exec_run(
            ["sh", "-c", "echo $ECHO_API_KEY"]
        )
        assert output.decode().strip() == SECRET.value
        places = {"job": str(job), "logs": stream.getvalue(), **stored_text(installer)}
    finally:
        configure_logging("INFO", json_output=False)
    assert SECRET.reference in places["database"]
    for where, text in places.items():
        assert SECRET.value not in text, where


def test_install_answers_422_for_missing_answers(installer: Console) -> None:
    user = installer.login(SECRET)
    response = installer.client.post(
        "/api/containers/install",
        json={"item_id": "docker:echo-server", "parameters": {"region": "mars"}},
        headers=user.headers,
    )
    assert response.status_code == 422
    fields = {entry["field"] for entry in response.json()["error"]["fields"]}
    assert fields == {"parameters.region", "secrets.echo-server.api_key"}
    unknown = installer.client.post(
        "/api/containers/install", json={"item_id": "docker:nope"}, headers=user.headers
    )
    assert unknown.status_code == 404
