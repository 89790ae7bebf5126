"""Container lifecycle against the real Docker engine, through the API: create, start, logs, stop,
restart, delete; isolation between users; safe defaults; validation; errors; rollback; locks."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import docker
import pytest
from fastapi.testclient import TestClient

from mcp_console.app import create_app
from mcp_console.containers.locks import ContainerLocks
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from tests.support.containers import (  # noqa: F401
    Console,
    console_fixture,
    container_settings,
    running_console,
    wait_for,
)
from tests.support.databases import scratch_postgres_database
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker

TICKER = "trap 'exit 0' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"


def _ticker(image: BuiltImage, **extra: Any) -> dict[str, Any]:
    return {"image": image.tag, "command": ["sh", "-c", TICKER], **extra}


def _sse_lines(console: Console, headers: dict[str, str], path: str, **params: Any) -> list[Any]:
    with console.client.stream("GET", path, params=params, headers=headers) as response:
        assert response.status_code == 200, response.read()
        return [
            json.loads(line.removeprefix("data: "))
            for line in response.iter_lines()
            if line.startswith("data: ")
        ]


def test_full_lifecycle_is_reflected_in_the_list(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    created = console.create(user, _ticker(busybox_image), start=False, name=None)
    container_id = created["container_id"]
    assert created["status"] == "created"
    assert created["name"].startswith("mcp-busybox-")
    assert console.listing(user)[container_id]["status"] == "created"
    assert container_id not in console.listing(user, all=False)

    assert console.action(user, container_id, "start")["status"] == "running"
    listed = console.listing(user, all=False)[container_id]
    assert listed["status"] == "running" and listed["started_at"]
    logs_path = f"/api/containers/{container_id}/logs"
    lines = wait_for(
        lambda: [
            e for e in _sse_lines(console, user.headers, logs_path, follow=False) if "line" in e
        ]
    )
    assert lines[0]["line"] == "tick 0" and lines[0]["stream"] == "stdout"

    assert console.action(user, container_id, "stop")["status"] == "exited"
    assert container_id not in console.listing(user, all=False)
    assert console.listing(user)[container_id]["status"] == "exited"

    docker_before = console.docker_id(user, container_id)
    assert console.action(user, container_id, "restart")["status"] == "running"
    # No references in this config: the same Docker container is restarted, not re-created.
    assert console.docker_id(user, container_id) == docker_before

    response = console.client.delete(f"/api/containers/{container_id}", headers=user.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "CONTAINER_RUNNING"
    response = console.client.delete(
        f"/api/containers/{container_id}", params={"force": True}, headers=user.headers
    )
    assert response.status_code == 204
    assert container_id not in console.listing(user)
    assert not docker_client.containers.list(all=True, filters={"id": docker_before})


def test_running_container_reports_usage_and_labels(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    created = console.create(user, _ticker(busybox_image), server_name="ticker")
    response = console.client.get("/api/containers", headers=user.headers)
    (view,) = response.json()["containers"]
    assert view["usage"]["memory_bytes"] > 0
    assert view["usage"]["memory_limit_bytes"] == 512 * 1024 * 1024
    labels = docker_client.containers.get(view["docker_id"]).labels
    assert labels["mcp-console.managed"] == "true"
    assert labels["mcp-console.owner"] == user.email
    assert labels["mcp-console.id"] == created["container_id"]
    assert labels["mcp-console.server"] == "ticker"
    assert labels["mcp-console.source"] == "manual"
    assert labels["mcp-console.config-version"] == "1"


def test_other_users_cannot_see_or_touch_a_container(
    console: Console, busybox_image: BuiltImage
) -> None:
    owner, stranger = console.login(), console.login()
    container_id = console.create(owner, _ticker(busybox_image))["container_id"]
    assert console.listing(stranger) == {}
    for method, suffix in [
        ("GET", "/config"),
        ("POST", "/stop"),
        ("POST", "/start"),
        ("POST", "/restart"),
        ("DELETE", ""),
        ("GET", "/logs"),
    ]:
        response = console.client.request(
            method, f"/api/containers/{container_id}{suffix}", headers=stranger.headers
        )
        assert response.status_code == 404, (method, suffix)
        assert response.json()["error"]["code"] == "CONTAINER_NOT_FOUND"
    assert console.listing(owner)[container_id]["status"] == "running"


def test_safe_defaults_hold_on_the_created_container(
    console: Console,
    busybox_image: BuiltImage,
    docker_client: docker.DockerClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MCP_CONSOLE_HOST_CANARY", "host-env-must-not-leak")
    user = console.login()
    mount = Path(console.settings.allowed_mount_root_list[0]) / "data"
    mount.mkdir()
    config = _ticker(
        busybox_image,
        env={"VISIBLE": "yes"},
        volumes=[{"host_path": str(mount), "container_path": "/data"}],
        ports=[{"container_port": 8080}],
    )
    container_id = console.create(user, config)["container_id"]
    container = docker_client.containers.get(console.docker_id(user, container_id))
    host = container.attrs["HostConfig"]
    assert host["Memory"] == 512 * 1024 * 1024
    assert host["NanoCpus"] == 1_000_000_000
    assert host["Privileged"] is False
    assert not host.get("CapAdd")
    assert host["PidMode"] in ("", "private")
    assert host["NetworkMode"] == "bridge"
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Binds"] == [f"{mount}:/data:ro"]
    assert host["PortBindings"]["8080/tcp"][0]["HostIp"] == "127.0.0.1"
    exit_code, output = container.exec_run(["env"])
    assert exit_code == 0
    assert b"VISIBLE=yes" in output
    assert b"MCP_CONSOLE_HOST_CANARY" not in output and b"host-env-must-not-leak" not in output
    exit_code, _ = container.exec_run(["touch", "/data/x"])
    assert exit_code != 0  # read-only by default


def _bad(image: str, **changes: Any) -> dict[str, Any]:
    return {"config": {"image": image, **changes}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"config": {"image": "UPPER/Case!"}}, "body.config.image"),
        (_bad("busybox", ports=[{"container_port": 65536}]), "body.config.ports.0.container_port"),
        (_bad("busybox", env={"BAD-NAME": "x"}), "body.config.env"),
        (_bad("busybox", privileged=True), "body.config.privileged"),
        (_bad("busybox", network_mode="host"), "body.config.network_mode"),
        (_bad("busybox", cap_add=["NET_ADMIN"]), "body.config.cap_add"),
        (
            _bad("busybox", volumes=[{"host_path": "/etc", "container_path": "/etc2"}]),
            "config.volumes.0.host_path",
        ),
    ],
)
def test_invalid_config_is_422_naming_the_field(
    console: Console, body: dict[str, Any], field: str
) -> None:
    user = console.login()
    response = console.client.post("/api/containers", json=body, headers=user.headers)
    assert response.status_code == 422, response.text
    fields = [entry["field"] for entry in response.json()["error"]["fields"]]
    assert field in fields
    assert console.listing(user) == {}


def test_missing_image_and_name_conflict(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    response = console.client.post(
        "/api/containers",
        json={"config": {"image": "mcp-console-test/absent:1"}},
        headers=user.headers,
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "IMAGE_NOT_AVAILABLE"
    name = f"conflict-{user.email.split('@')[0]}"
    console.create(user, _ticker(busybox_image), name=name)
    response = console.client.post(
        "/api/containers",
        json={"config": _ticker(busybox_image), "name": name},
        headers=user.headers,
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONTAINER_EXISTS"
    assert len(console.listing(user)) == 1


def test_failure_after_create_rolls_back(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    response = console.client.post(
        "/api/containers",
        json={"config": {"image": busybox_image.tag, "command": ["/no/such/program"]}},
        headers=user.headers,
    )
    assert response.status_code == 502, response.text
    assert response.json()["error"]["code"] == "DOCKER_ERROR"
    assert console.listing(user) == {}
    leftovers = docker_client.containers.list(
        all=True, filters={"label": f"mcp-console.owner={user.email}"}
    )
    assert leftovers == []


def test_docker_socket_missing_is_503(settings: Settings, tmp_path: Path) -> None:
    broken = container_settings(settings, tmp_path, docker_host="unix:///nonexistent/docker.sock")
    app = create_app(broken, KeyManager.from_settings(broken, secret_registry))
    with TestClient(app) as client:
        console = Console(client, broken)
        user = console.login()
        response = client.get("/api/containers", headers=user.headers)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "DOCKER_UNAVAILABLE"
        response = client.post(
            "/api/containers", json={"config": {"image": "busybox"}}, headers=user.headers
        )
        assert response.status_code == 503


def test_actions_on_one_container_are_serialised(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    container_id = console.create(user, _ticker(busybox_image))["container_id"]
    redis = RedisService(console.settings.redis_url)
    locks = ContainerLocks(redis)
    results: dict[str, Any] = {}
    held, release = threading.Event(), threading.Event()

    async def hold_lock() -> None:
        async with locks.hold(container_id):
            held.set()
            await asyncio.to_thread(release.wait, 30)
        await redis.close()

    holder = threading.Thread(target=asyncio.run, args=(hold_lock(),))
    holder.start()
    held.wait(10)
    stopper = threading.Thread(
        target=lambda: results.update(stop=console.action(user, container_id, "stop"))
    )
    stopper.start()
    stopper.join(1.0)
    assert stopper.is_alive(), "stop ran while another action held the container"
    assert console.listing(user)[container_id]["status"] == "running"
    release.set()
    stopper.join(30)
    holder.join(10)
    assert results["stop"]["status"] == "exited"

    # Racing actions: each answer is the state its own action left (read under the lock), and
    # the answer read last is the final state.
    racers = ["start", "stop", "restart", "stop", "start"]
    answers: list[dict[str, Any]] = []
    threads = [
        threading.Thread(target=lambda a=a: answers.append(console.action(user, container_id, a)))
        for a in racers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    expected = {"start": "running", "restart": "running", "stop": "exited"}
    assert all(answer["status"] == expected[answer["action"]] for answer in answers)
    last = max(answers, key=lambda answer: answer["at"])
    assert console.listing(user)[container_id]["status"] == last["status"]


def test_config_is_returned_as_stored(console: Console, busybox_image: BuiltImage) -> None:
    user = console.login()
    config = _ticker(busybox_image, env={"PLAIN": "value"}, memory="64m", cpus=0.5)
    container_id = console.create(user, config)["container_id"]
    response = console.client.get(f"/api/containers/{container_id}/config", headers=user.headers)
    stored = response.json()
    assert stored["config"]["env"] == {"PLAIN": "value"}
    assert stored["config"]["memory"] == "64m" and stored["config"]["cpus"] == 0.5
    assert stored["catalog_source"] == "manual"
    assert os.environ.get("PLAIN") is None


@pytest.fixture(name="postgres_database")
async def postgres_database_fixture(postgres_url: str) -> AsyncIterator[str]:
    async with scratch_postgres_database(postgres_url) as url:
        yield url


@pytest.mark.postgres
def test_lifecycle_on_postgresql(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    busybox_image: BuiltImage,
    postgres_database: str,
) -> None:
    with running_console(
        settings, tmp_path, docker_client, database_url=postgres_database
    ) as console:
        user = console.login()
        created = console.create(user, _ticker(busybox_image, env={"PLAIN": "1"}))
        container_id = created["container_id"]
        assert console.action(user, container_id, "stop")["status"] == "exited"
        assert console.action(user, container_id, "start")["status"] == "running"
        response = console.client.get("/api/audit", headers=user.headers)
        assert [e["action"] for e in response.json()["entries"]] == [
            "container.start",
            "container.stop",
            "container.create",
        ]
        response = console.client.delete(
            f"/api/containers/{container_id}", params={"force": True}, headers=user.headers
        )
        assert response.status_code == 204
        assert console.listing(user) == {}
