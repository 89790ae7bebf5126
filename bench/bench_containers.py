"""Container install end-to-end through a real API process (image present) next to a plain
`docker run -d` of the same image, measured interleaved in one run; and log streaming lines/s
through the SSE route next to `docker logs`."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import docker
import httpx
from tests.support.auth import bearer, fake_bw_env, login_user
from tests.support.containers import OWNER_LABEL, VaultSecret, remove_containers_of
from tests.support.images import build_busybox_image
from tests.support.processes import base_env, running_api

from bench.support import markdown_table
from mcp_console.core.migrate import upgrade_to_head

ROUNDS = 15
LOG_LINES = 20_000
SECRET = VaultSecret("bench-item", "bench-secret-value-5521")


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _docker_run(image: str, label: str) -> None:
    subprocess.run(
        ["docker", "run", "-d", "--label", f"{OWNER_LABEL}={label}", image],
        check=True,
        capture_output=True,
    )


def _install(client: httpx.Client, headers: dict[str, str], config: Mapping[str, object]) -> None:
    response = client.post("/api/containers", json={"config": config}, headers=headers)
    assert response.status_code == 201, response.text


def _stream_logs(client: httpx.Client, headers: dict[str, str], container_id: str) -> int:
    count = 0
    with client.stream(
        "GET", f"/api/containers/{container_id}/logs", params={"follow": False}, headers=headers
    ) as response:
        for line in response.iter_lines():
            count += line.startswith('data: {"stream"')
    return count


def _log_rates(
    client: httpx.Client, headers: dict[str, str], image: str, docker_client: docker.DockerClient
) -> tuple[float, float]:
    config = {"image": image, "command": ["seq", "1", str(LOG_LINES)]}
    response = client.post("/api/containers", json={"config": config}, headers=headers)
    container_id = response.json()["container_id"]
    listed = client.get("/api/containers", params={"all": True, "stats": False}, headers=headers)
    docker_id = next(
        c["docker_id"] for c in listed.json()["containers"] if c["container_id"] == container_id
    )
    docker_client.containers.get(docker_id).wait(timeout=60)
    started = time.perf_counter()
    received = _stream_logs(client, headers, container_id)
    api_seconds = time.perf_counter() - started
    assert received == LOG_LINES, received
    started = time.perf_counter()
    subprocess.run(["docker", "logs", "-t", docker_id], check=True, capture_output=True)
    cli_seconds = time.perf_counter() - started
    return LOG_LINES / api_seconds, LOG_LINES / cli_seconds


def _measure(base_url: str, vaults: Path, image: str, docker_client: docker.DockerClient) -> str:
    label = f"bench-{uuid.uuid4().hex[:8]}"
    email = f"{label}@example.test"
    with httpx.Client(base_url=base_url, timeout=60) as client:
        headers = bearer(login_user(client, email, items=[SECRET.item()], vaults_dir=vaults))
        plain = {"image": image}
        with_secret = {"image": image, "env": {"TOKEN": SECRET.reference}}
        _install(client, headers, with_secret)  # warm the secret cache and the code paths
        api_plain, api_secret, cli = [], [], []
        for _ in range(ROUNDS):
            api_plain.append(_timed(lambda: _install(client, headers, plain)))
            api_secret.append(_timed(lambda: _install(client, headers, with_secret)))
            cli.append(_timed(lambda: _docker_run(image, label)))
        api_rate, cli_rate = _log_rates(client, headers, image, docker_client)
    remove_containers_of(docker_client, [email, label])
    median = statistics.median
    rows = [
        ["`docker run -d` (CLI)", f"{median(cli):.0f}", "1.00"],
        ["POST /api/containers, plain env", f"{median(api_plain):.0f}",
         f"{median(api_plain) / median(cli):.2f}"],
        ["POST /api/containers, one `{{ bw }}` ref (cached)", f"{median(api_secret):.0f}",
         f"{median(api_secret) / median(cli):.2f}"],
    ]  # fmt: skip
    logs = [
        ["SSE `/api/containers/{id}/logs`", f"{api_rate:,.0f}"],
        ["`docker logs -t` (CLI)", f"{cli_rate:,.0f}"],
    ]
    return (
        "## Containers\n\n"
        f"Create + start of a running container (image present), median of {ROUNDS} "
        "interleaved rounds, through a real API process (session check, validation, database "
        "record, audit entry) versus the Docker CLI:\n\n"
        + markdown_table(["path", "median ms", "ratio"], rows)
        + f"\nLog streaming, {LOG_LINES:,} lines read back (`follow=false`, redaction applied):\n\n"
        + markdown_table(["reader", "lines/s"], logs)
    )


def run() -> str:
    docker_client = docker.DockerClient(
        base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    )
    image = build_busybox_image(docker_client).tag
    with tempfile.TemporaryDirectory(prefix="bench-containers-") as workdir:
        database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'console.db'}"
        upgrade_to_head(database_url)
        vaults = Path(workdir) / "vaults"
        env = base_env(**fake_bw_env(vaults), DATABASE_URL=database_url,
                       DATA_DIR=str(Path(workdir) / "data"), LOG_LEVEL="WARNING")  # fmt: skip
        with running_api(env) as base_url:
            report = _measure(base_url, vaults, image, docker_client)
    docker_client.close()
    return report
