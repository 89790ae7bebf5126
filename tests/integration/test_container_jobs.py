"""Asynchronous create/install through a real ARQ worker, and secrets that reach only the
container: the process inside sees the resolved value; the database, Redis (job records
included), the job view, the audit log and the logs never contain it."""

from __future__ import annotations

import io
from typing import Any

import docker
import pytest

from mcp_console.containers.docker import DockerAdapter
from mcp_console.core.logging import configure_logging
from tests.support.containers import (  # noqa: F401
    Console,
    User,
    VaultSecret,
    console_fixture,
    run_worker,
    stored_text,
    wait_for,
)
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)

pytestmark = [
    pytest.mark.docker,
    # arq's Worker.close() calls redis-py's deprecated close(); not ours to fix.
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]

SECRET = VaultSecret("job-item-1", "canary-7Qz-secret-in-env-99")


def _enqueue(console: Console, user: User, body: dict[str, Any]) -> str:
    response = console.client.post(
        "/api/containers", params={"async": True}, json=body, headers=user.headers
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued"
    job_id: str = accepted["job_id"]
    return job_id


def _job(console: Console, user: User, job_id: str) -> dict[str, Any]:
    response = console.client.get(f"/api/jobs/{job_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def test_async_create_succeeds_with_the_container_id(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    job_id = _enqueue(console, user, {"config": {"image": busybox_image.tag}})
    assert _job(console, user, job_id)["status"] == "queued"
    run_worker(console)
    job = _job(console, user, job_id)
    assert job["status"] == "succeeded", job
    container_id = job["result"]["container_id"]
    assert job["result"]["status"] == "running"
    assert console.listing(user, all=False)[container_id]["status"] == "running"
    assert (
        console.client.get(f"/api/jobs/{job_id}", headers=console.login().headers).status_code
        == 404
    )


def test_one_worker_process_builds_one_docker_client_for_all_its_jobs(
    console: Console, busybox_image: BuiltImage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's composition root builds the Docker client at start-up, not per job: the real
    constructor runs, and is counted, for a worker that runs three install jobs."""
    constructed: list[DockerAdapter] = []
    real_init = DockerAdapter.__init__

    def counting_init(adapter: DockerAdapter, *args: Any, **kwargs: Any) -> None:
        constructed.append(adapter)
        real_init(adapter, *args, **kwargs)

    monkeypatch.setattr(DockerAdapter, "__init__", counting_init)
    user = console.login()
    job_ids = [_enqueue(console, user, {"config": {"image": busybox_image.tag}}) for _ in range(3)]
    run_worker(console)
    statuses = [_job(console, user, job_id)["status"] for job_id in job_ids]
    assert statuses == ["succeeded"] * 3
    assert len(constructed) == 1


def test_async_create_with_a_token_in_plain_text_is_422_and_queues_nothing(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    token = "ghp_" + "a" * 36
    body = {"config": {"image": busybox_image.tag, "env": {"NOTE": token}}}
    response = console.client.post(
        "/api/containers", params={"async": True}, json=body, headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "SECRET_IN_PLAIN_TEXT"
    assert token not in response.text
    assert console.client.get("/api/jobs", headers=user.headers).json()["jobs"] == []


def test_async_install_of_a_missing_image_fails_and_leaves_nothing(
    console: Console, docker_client: docker.DockerClient
) -> None:
    user = console.login()
    job_id = _enqueue(console, user, {"config": {"image": "mcp-console-test/not-here:1.0"}})
    run_worker(console)
    job = _job(console, user, job_id)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "IMAGE_NOT_AVAILABLE"
    assert console.listing(user) == {}
    owned = docker_client.containers.list(
        all=True, filters={"label": f"mcp-console.owner={user.email}"}
    )
    assert owned == []


def test_secret_reaches_only_the_container(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", json_output=True, stream=stream)
    try:
        user = console.login(SECRET)
        reference = SECRET.reference
        body = {
            "config": {"image": busybox_image.tag, "env": {"API_TOKEN": reference, "MODE": "x"}},
            "server_name": "secret-test",
        }
        job_id = _enqueue(console, user, body)
        run_worker(console)
        job = _job(console, user, job_id)
        assert job["status"] == "succeeded", job
        container_id = job["result"]["container_id"]
        container = docker_client.containers.get(console.docker_id(user, container_id))
        exit_code, output = container.exec_run(["sh", "-c", "echo $API_TOKEN"])
        assert (exit_code, output.decode().strip()) == (0, SECRET.value)

        # Restart re-creates the container with a freshly resolved value.
        old_docker_id = container.id
        assert console.action(user, container_id, "restart")["status"] == "running"
        new_docker_id = console.docker_id(user, container_id)
        assert new_docker_id != old_docker_id
        exit_code, output = docker_client.containers.get(new_docker_id).exec_run(
            ["sh", "-c", "echo $API_TOKEN"]
        )
        assert output.decode().strip() == SECRET.value

        config = console.client.get(
            f"/api/containers/{container_id}/config", headers=user.headers
        ).json()
        assert config["config"]["env"]["API_TOKEN"] == reference
        audit = console.client.get("/api/audit", headers=user.headers).text
        everywhere = {
            "job": str(job),
            "audit": audit,
            "config": str(config),
            "logs": stream.getvalue(),
            **stored_text(console),
        }
    finally:
        configure_logging("INFO", json_output=False)
    assert reference in everywhere["database"]  # the reference is stored...
    for where, text in everywhere.items():
        assert SECRET.value not in text, where  # ...the value nowhere


def test_sync_install_with_reference_and_start_resolve_again(
    console: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = console.login(SECRET)
    created = console.create(
        user,
        {"image": busybox_image.tag, "env": {"API_TOKEN": SECRET.reference}},
        start=False,
    )
    assert created["status"] == "created"
    assert console.action(user, created["container_id"], "start")["status"] == "running"
    container = docker_client.containers.get(console.docker_id(user, created["container_id"]))
    _, output = container.exec_run(["sh", "-c", "echo $API_TOKEN"])
    assert output.decode().strip() == SECRET.value
    wait_for(lambda: console.listing(user)[created["container_id"]]["status"] == "running")
