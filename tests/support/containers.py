"""Fixtures for container tests: an in-process API on a migrated database, logged-in users, and
clean-up of every Docker container a test's users created (found by the owner label)."""

from __future__ import annotations

import asyncio
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from mcp_console.app import create_app
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.settings import Settings
from mcp_console.worker import build_worker
from tests.support.auth import fake_bw_settings, login_user
from tests.support.redis_dump import dump_all

OWNER_LABEL = "mcp-console.owner"


@dataclass(frozen=True)
class VaultSecret:
    """One password in the fake vault, and the reference that names it."""

    item_id: str
    value: str

    @property
    def reference(self) -> str:
        return f"{{{{ bw:{self.item_id}:password }}}}"

    def item(self) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "name": f"test item {self.item_id}",
            "type": 1,
            "login": {"username": "someone", "password": self.value},
        }


@dataclass
class User:
    email: str
    session_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session_id}"}


class Console:
    """The API in-process (TestClient runs its lifespan), with helpers for container calls."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.users: list[User] = []

    def login(self, *secrets: VaultSecret, items: Sequence[dict[str, Any]] = ()) -> User:
        """A new user (fresh e-mail) whose fake vault holds `secrets` and `items`, logged in."""
        email = f"user-{uuid.uuid4().hex[:8]}@example.test"
        vault = [*(secret.item() for secret in secrets), *items]
        session_id = login_user(self.client, email, items=vault)
        user = User(email, session_id)
        self.users.append(user)
        return user

    def create(self, user: User, config: dict[str, Any], **fields: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/containers", json={"config": config, **fields}, headers=user.headers
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def action(self, user: User, container_id: str, action: str) -> dict[str, Any]:
        response = self.client.post(
            f"/api/containers/{container_id}/{action}", headers=user.headers
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def listing(self, user: User, all: bool = True) -> dict[str, dict[str, Any]]:
        response = self.client.get(
            "/api/containers", params={"all": all, "stats": False}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        return {c["container_id"]: c for c in response.json()["containers"]}

    def docker_id(self, user: User, container_id: str) -> str:
        docker_id: str = self.listing(user)[container_id]["docker_id"]
        return docker_id


def stored_text(console: Console) -> dict[str, str]:
    """Everything the console persisted: the database files and every Redis value."""

    async def redis_values() -> dict[str, str]:
        client = Redis.from_url(console.settings.redis_url, decode_responses=True)
        try:
            return await dump_all(client)
        finally:
            await client.aclose()

    path = Path(make_url(console.settings.database_url).database or "")
    database = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return {"database": database.decode(errors="replace"), **asyncio.run(redis_values())}


def run_worker(console: Console) -> None:
    """A real ARQ worker in burst mode: runs every queued job, then returns."""

    async def burst() -> None:
        keys = KeyManager.from_settings(console.settings, secret_registry)
        worker = build_worker(console.settings, keys, burst=True)
        try:
            await worker.async_run()
        finally:
            with warnings.catch_warnings():  # arq's close() calls redis-py's deprecated close()
                warnings.filterwarnings("ignore", "Call to deprecated close", DeprecationWarning)
                await worker.close()

    asyncio.run(burst())


def remove_containers_of(client: docker.DockerClient, owners: list[str]) -> None:
    for owner in owners:
        for container in client.containers.list(
            all=True, filters={"label": f"{OWNER_LABEL}={owner}"}
        ):
            container.remove(force=True)


def wait_for(predicate: Any, timeout: float = 15.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not reached")


def container_settings(settings: Settings, tmp_path: Path, **overrides: Any) -> Settings:
    mounts = tmp_path / "mounts"
    mounts.mkdir(exist_ok=True)
    updated = fake_bw_settings(settings).model_copy(
        update={"allowed_mount_roots": str(mounts), **overrides}
    )
    upgrade_to_head(updated.database_url)
    return updated


@contextmanager
def running_console(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient, **overrides: Any
) -> Iterator[Console]:
    """An in-process API on `settings` (+ overrides); removes its users' containers after."""
    prepared = container_settings(settings, tmp_path, **overrides)
    app = create_app(prepared, KeyManager.from_settings(prepared, secret_registry))
    with TestClient(app) as client:
        console = Console(client, prepared)
        try:
            yield console
        finally:
            remove_containers_of(docker_client, [user.email for user in console.users])


@pytest.fixture(name="console")
def console_fixture(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient
) -> Iterator[Console]:
    with running_console(settings, tmp_path, docker_client) as console:
        yield console
