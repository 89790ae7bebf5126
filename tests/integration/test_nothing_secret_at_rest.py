"""Nothing secret in logs or keys, whatever the process (issue 13), with real processes.

- MCP payloads are never logged: a tool call, a resource read and a prompt whose data hold a vault
  value, made on a freshly started API process (its exact-value registry knows nothing) against a
  container the worker created, leave the value in no log line of any process.
- Bearer session ids are credentials: after a login, a resolve job, an install and a log read,
  no Redis key nor value, no database byte and no data-directory name holds the token.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from mcp_console.core.migrate import upgrade_to_head
from tests.conftest import TEST_REDIS_URL
from tests.support.auth import bearer, login_user, session_hash
from tests.support.bitwarden import FakeBitwarden
from tests.support.containers import VaultSecret, remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.processes import base_env, running_api
from tests.support.redis_dump import dump_all
from tests.support.workers import running_worker

pytestmark = pytest.mark.docker

# No known secret shape: only "never logged" can keep it out of the logs, not a pattern.
CANARY = VaultSecret("canary-item-1", f"canary-vault-value-{uuid.uuid4().hex}")
FINAL = {"succeeded", "failed", "cancelled"}


@dataclass
class Deployment:
    """One console's settings shared by its processes, and everything they printed."""

    env: dict[str, str]
    data_dir: Path
    vaults: Path
    logs: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    def login(self, base_url: str) -> tuple[str, dict[str, str]]:
        email = f"atrest-{uuid.uuid4().hex[:8]}@example.test"
        self.emails.append(email)
        with httpx.Client(base_url=base_url, timeout=30) as client:
            token = login_user(client, email, items=[CANARY.item()], vaults_dir=self.vaults)
        return token, bearer(token)


@pytest.fixture
def deployment(
    tmp_path: Path, docker_client: docker.DockerClient, raw_redis: SyncRedis
) -> Iterator[Deployment]:
    """Every log line there is: DEBUG level and request bodies on (on a flushed Redis)."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    upgrade_to_head(database_url)
    vaults = tmp_path / "vaults"
    env = base_env(
        **FakeBitwarden(vaults).env(),
        DATABASE_URL=database_url,
        DATA_DIR=str(tmp_path / "data"),
        REDIS_URL=TEST_REDIS_URL,
        LOG_LEVEL="DEBUG",
        LOG_REQUEST_BODY="true",
    )
    console = Deployment(env, tmp_path / "data", vaults)
    try:
        yield console
    finally:
        remove_containers_of(docker_client, console.emails)


def _finished_job(base_url: str, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = httpx.get(
            f"{base_url}/api/jobs/{job_id}", headers=headers, timeout=10
        ).json()
        if job["status"] in FINAL:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def _install(base_url: str, headers: dict[str, str], image: BuiltImage) -> str:
    """An install run by the worker: it resolves the vault reference and starts the server."""
    config = {"image": image.tag, "stdin_open": True, "env": {"CANARY": CANARY.reference}}
    response = httpx.post(
        f"{base_url}/api/containers",
        params={"async": True},
        json={"config": config, "start": True},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 202, response.text
    job = _finished_job(base_url, headers, response.json()["job_id"])
    assert job["status"] == "succeeded", job
    container_id: str = job["result"]["container_id"]
    return container_id


def test_mcp_payloads_holding_a_vault_value_are_in_no_process_log(
    deployment: Deployment, mcp_server_image: BuiltImage
) -> None:
    with running_worker(deployment.env, logs=deployment.logs):
        with running_api(deployment.env, logs=deployment.logs) as first:
            _, headers = deployment.login(first)
            container_id = _install(first, headers, mcp_server_image)
        # A fresh process: nothing was resolved (so registered for redaction) in it.
        fresh_log: list[str] = []
        with running_api(deployment.env, logs=fresh_log) as fresh:
            inspector = f"{fresh}/api/inspector/{container_id}"
            called = httpx.post(
                f"{inspector}/tools/echo/call",
                json={"arguments": {"text": f"the value is {CANARY.value}"}},
                headers=headers,
                timeout=30,
            )
            prompt = httpx.post(
                f"{inspector}/prompts/summarize/get",
                json={"arguments": {"topic": CANARY.value}},
                headers=headers,
                timeout=30,
            )
            resource = httpx.get(
                f"{inspector}/resources/read",
                params={"uri": "test://environment"},
                headers=headers,
                timeout=30,
            )

    assert called.status_code == 200, called.text
    assert called.json()["content"][0]["text"] == f"the value is {CANARY.value}"
    assert prompt.status_code == 200 and CANARY.value in prompt.text, "the caller gets the data"
    assert resource.status_code == 200 and "CANARY" in resource.text
    assert len(deployment.logs) == 2, "the first API and the worker"
    lines = [line for out in [*fresh_log, *deployment.logs] for line in out.splitlines()]
    assert [line for line in lines if CANARY.value in line] == []
    for message in ("mcp tool called", "mcp prompt fetched", "mcp resource read"):
        assert message in fresh_log[0], "the exchange is logged, by size and outcome"
    assert "output_bytes" in fresh_log[0]


async def test_no_session_id_in_redis_database_or_data_directory_names(
    deployment: Deployment, mcp_server_image: BuiltImage, redis_client: Redis
) -> None:
    with (
        running_worker(deployment.env, logs=deployment.logs),
        running_api(deployment.env, logs=deployment.logs) as api,
    ):
        token, headers = deployment.login(api)
        resolve = httpx.post(
            f"{api}/api/secrets/resolve",
            json={"env": {"CANARY": CANARY.reference}},
            headers=headers,
            timeout=30,
        )
        assert resolve.status_code == 202, resolve.text
        job = _finished_job(api, headers, resolve.json()["job_id"])
        assert job["status"] == "succeeded", job
        container_id = _install(api, headers, mcp_server_image)
        logs = httpx.get(
            f"{api}/api/containers/{container_id}/logs",
            params={"follow": False},
            headers=headers,
            timeout=30,
        )
        assert logs.status_code == 200 and "event: end" in logs.text
        jobs = httpx.get(f"{api}/api/jobs", headers=headers, timeout=10).json()["jobs"]
        assert len(jobs) == 2, "the session still finds its jobs by the hash"

        dump = await dump_all(redis_client)
        named = [p.name for p in deployment.data_dir.rglob("*")]
        database = b"".join(p.read_bytes() for p in deployment.data_dir.parent.glob("console.db*"))

    at_rest = session_hash(deployment.env["CREDENTIAL_ENCRYPTION_KEY"], token)
    assert f"session:auth:{at_rest}" in dump, "the record is there, under the keyed hash"
    assert any(key.startswith(f"cache:secret:{at_rest}:") for key in dump)
    assert at_rest in named, "the login's CLI directory is named by the hash"
    for key, value in dump.items():
        assert token not in key and token not in value, key
    assert all(token not in name for name in named)
    assert token.encode() not in database
    for output in deployment.logs:
        assert token not in output
