"""Editing a container's stored config through `PATCH /api/containers/{id}/config`, against the
real Docker engine, SQLite and Redis: round trip, optimistic concurrency, when the change reaches
Docker, the secrets policy and mounts before anything is stored, ownership and the audit entry."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import docker
import pytest

from mcp_console.containers.repository import ContainerRepository
from mcp_console.core.db import Database
from tests.support.containers import (  # noqa: F401
    Console,
    User,
    VaultSecret,
    console_fixture,
    run_worker,
    stored_text,
)
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)

pytestmark = pytest.mark.docker

TOKEN = "ghp_" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7d"
SECRET = VaultSecret("edit-item", "edit-canary-Hq4-secret-value")
SLEEPER = "trap 'exit 0' TERM; while true; do sleep 0.2; done"


def _create(console: Console, user: User, image: BuiltImage, **config: Any) -> str:
    body = {"image": image.tag, "command": ["sh", "-c", SLEEPER], **config}
    container_id: str = console.create(user, body)["container_id"]
    return container_id


def _patch(console: Console, user: User, container_id: str, version: int, **changes: Any) -> Any:
    params = changes.pop("params", {})
    return console.client.patch(
        f"/api/containers/{container_id}/config",
        json={"config_version": version, "config": changes},
        params=params,
        headers=user.headers,
    )


def _config(console: Console, user: User, container_id: str) -> Any:
    response = console.client.get(f"/api/containers/{container_id}/config", headers=user.headers)
    assert response.status_code == 200, response.text
    return response


def _docker_env(
    console: Console, client: docker.DockerClient, user: User, container_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The env and labels Docker runs the container with right now."""
    attrs = client.containers.get(console.docker_id(user, container_id)).attrs
    env = dict(item.split("=", 1) for item in attrs["Config"]["Env"])
    return env, attrs["Config"]["Labels"]


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def test_an_edit_is_stored_as_the_next_version_and_reaches_docker_on_restart(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    container_id = _create(console, user, busybox_image, env={"LOG_LEVEL": "info", "KEEP": "1"})

    response = _patch(
        console,
        user,
        container_id,
        1,
        env={"LOG_LEVEL": "debug", "KEEP": "1", "ADDED": "yes"},
        ports=[{"container_port": 8080}],
        memory="256m",
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["config_version"] == 2 and edited["restart"] == "pending"
    assert edited["changed"] == ["env.ADDED", "env.LOG_LEVEL", "ports", "memory"]
    stored = _config(console, user, container_id).json()
    assert stored["config_version"] == 2
    assert stored["config"]["env"] == {"LOG_LEVEL": "debug", "KEEP": "1", "ADDED": "yes"}
    assert stored["config"]["ports"][0]["container_port"] == 8080
    assert stored["config"]["command"] == ["sh", "-c", SLEEPER]  # left out: unchanged
    assert stored["config"]["image"] == busybox_image.tag

    env, labels = _docker_env(console, docker_client, user, container_id)
    assert env["LOG_LEVEL"] == "info" and "ADDED" not in env  # not before the restart
    assert labels["mcp-console.config-version"] == "1"

    assert console.action(user, container_id, "restart")["status"] == "running"
    env, labels = _docker_env(console, docker_client, user, container_id)
    assert env["LOG_LEVEL"] == "debug" and env["ADDED"] == "yes"
    assert labels["mcp-console.config-version"] == "2"
    host = docker_client.containers.get(console.docker_id(user, container_id)).attrs["HostConfig"]
    assert host["Memory"] == 256 * 1024 * 1024
    assert host["PortBindings"]["8080/tcp"][0]["HostIp"] == "127.0.0.1"

    audit = console.client.get(
        "/api/audit", params={"action": "container.config.update"}, headers=user.headers
    ).json()["entries"]
    assert [(e["target"], e["outcome"]) for e in audit] == [(container_id, "success")]
    assert audit[0]["detail"] == "changed: env.ADDED, env.LOG_LEVEL, ports, memory"
    assert "debug" not in audit[0]["detail"] and "256m" not in audit[0]["detail"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    container_id = _create(console, user, busybox_image, env={"MODE": "a"})
    assert _patch(console, user, container_id, 1, env={"MODE": "b"}).status_code == 200
    before = _config(console, user, container_id).content

    stale = _patch(console, user, container_id, 1, env={"MODE": "c"})
    error = _error(stale, 409, "CONFIG_CONFLICT")
    assert "Reload" in error["hint"] and error["config_version"] == 2
    assert _config(console, user, container_id).content == before
    audit = console.client.get(
        "/api/audit", params={"action": "container.config.update"}, headers=user.headers
    ).json()["entries"]
    assert (audit[0]["outcome"], audit[0]["detail"]) == ("failure", "CONFIG_CONFLICT")


def test_of_two_concurrent_edits_of_one_version_exactly_one_wins(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    container_id = _create(console, user, busybox_image, env={"MODE": "a"})
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def edit(value: str) -> None:
        barrier.wait()
        statuses.append(_patch(console, user, container_id, 1, env={"MODE": value}).status_code)

    threads = [threading.Thread(target=edit, args=(value,)) for value in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    stored = _config(console, user, container_id).json()
    assert stored["config_version"] == 2 and stored["config"]["env"]["MODE"] in ("x", "y")


def test_the_version_check_is_one_atomic_update(
    console: Console, busybox_image: BuiltImage
) -> None:
    """Without the lock, too: the second update of version 1 finds no row to change."""
    user = console.login()
    container_id = _create(console, user, busybox_image)
    config = _config(console, user, container_id).json()["config"]

    async def replace_twice() -> list[bool]:
        database = Database(console.settings.database_url)
        try:
            outcomes = []
            for value in ("first", "second"):
                async with database.sessions.begin() as session:
                    outcomes.append(
                        await ContainerRepository(session).replace_config(
                            container_id, user.email, 1, {**config, "env": {"MODE": value}}
                        )
                    )
            return outcomes
        finally:
            await database.close()

    assert asyncio.run(replace_twice()) == [True, False]
    stored = _config(console, user, container_id).json()
    assert (stored["config_version"], stored["config"]["env"]) == (2, {"MODE": "first"})


def test_restart_true_applies_the_edit_at_once(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    container_id = _create(console, user, busybox_image, env={"MODE": "old"})
    response = _patch(
        console, user, container_id, 1, env={"MODE": "new"}, params={"restart": "true"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["restart"] == "applied"
    env, labels = _docker_env(console, docker_client, user, container_id)
    assert env["MODE"] == "new" and labels["mcp-console.config-version"] == "2"
    assert console.listing(user)[container_id]["status"] == "running"


def test_restart_as_a_job_applies_the_edit_and_reports_only_ids(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login(SECRET)
    container_id = _create(console, user, busybox_image, env={"API_TOKEN": SECRET.reference})
    params = {"restart": "true", "async": "true"}
    env = {"API_TOKEN": SECRET.reference, "MODE": "queued"}
    response = _patch(console, user, container_id, 1, env=env, params=params)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["config_version"] == 2 and accepted["changed"] == ["env.MODE"]

    run_worker(console)
    job = console.client.get(f"/api/jobs/{accepted['job_id']}", headers=user.headers).json()
    assert job["status"] == "succeeded", job
    assert set(job["result"]) == {"container_id", "name", "status", "action", "at"}
    assert job["result"]["container_id"] == container_id
    running, labels = _docker_env(console, docker_client, user, container_id)
    assert running["MODE"] == "queued" and running["API_TOKEN"] == SECRET.value
    assert labels["mcp-console.config-version"] == "2"
    assert SECRET.value not in str(stored_text(console))


def test_a_plain_text_token_is_refused_before_anything_is_stored(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    container_id = _create(console, user, busybox_image, env={"MODE": "a"})
    before = _config(console, user, container_id).content

    response = _patch(console, user, container_id, 1, env={"MODE": "a", "GITHUB_TOKEN": TOKEN})
    error = _error(response, 422, "SECRET_IN_PLAIN_TEXT")
    assert [f["field"] for f in error["fields"]] == ["config.env.GITHUB_TOKEN"]
    assert TOKEN not in response.text
    response = _patch(console, user, container_id, 1, command=["run", f"--token={TOKEN}"])
    error = _error(response, 422, "SECRET_IN_PLAIN_TEXT")
    assert [f["field"] for f in error["fields"]] == ["config.command.1"]

    assert _config(console, user, container_id).content == before
    assert TOKEN not in str(stored_text(console))


def test_a_declared_secret_stays_a_reference_and_the_image_is_not_editable(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login(SECRET)
    container_id = _create(
        console, user, busybox_image, env={"API_KEY": SECRET.reference}, secret_env=["API_KEY"]
    )
    response = _patch(console, user, container_id, 1, env={"API_KEY": "short-plain"})
    error = _error(response, 422, "SECRET_IN_PLAIN_TEXT")
    assert error["fields"][0]["field"] == "config.env.API_KEY"
    assert "short-plain" not in response.text
    for field, value in (("image", "busybox:latest"), ("secret_env", []), ("stdin_open", True)):
        response = _patch(console, user, container_id, 1, **{field: value})
        error = _error(response, 422, "VALIDATION_ERROR")
        assert [f["field"] for f in error["fields"]] == [f"body.config.{field}"]
    response = _patch(console, user, container_id, 1, env={"API_KEY": "{{ bw:other:password }}"})
    assert response.status_code == 200, response.text
    assert response.json()["config"]["secret_env"] == ["API_KEY"]


def test_mounts_outside_the_allowed_roots_and_bad_values_name_their_field(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    container_id = _create(console, user, busybox_image)
    before = _config(console, user, container_id).content
    outside = [{"host_path": "/etc", "container_path": "/x"}]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"volumes": outside}, "config.volumes.0.host_path"),
        ({"memory": "lots"}, "config.memory"),
        ({"env": {"BAD-NAME": "x"}}, "config.env"),
        ({"restart_policy": "sometimes"}, "body.config.restart_policy"),
        ({"network_mode": "host"}, "body.config.network_mode"),
    ]
    for changes, field in cases:
        error = _error(_patch(console, user, container_id, 1, **changes), 422, "VALIDATION_ERROR")
        assert [f["field"] for f in error["fields"]] == [field], changes
    assert _config(console, user, container_id).content == before

    mount = Path(console.settings.allowed_mount_root_list[0]) / "data"
    mount.mkdir()
    volumes = [{"host_path": str(mount), "container_path": "/data"}]
    assert _patch(console, user, container_id, 1, volumes=volumes).status_code == 200


def test_another_users_container_is_not_found(console: Console, busybox_image: BuiltImage) -> None:
    owner, stranger = console.login(), console.login()
    container_id = _create(console, owner, busybox_image, env={"MODE": "a"})
    before = _config(console, owner, container_id).content
    response = _patch(console, stranger, container_id, 1, env={"MODE": "b"})
    _error(response, 404, "CONTAINER_NOT_FOUND")
    assert _config(console, owner, container_id).content == before
