"""A gateway ready for outside clients: a real `mcp-console api` process, a logged-in user (fake
`bw`), a managed container running `@modelcontextprotocol/server-everything` over stdio, a profile
exposing it, and a client token, all made through the public API as a user would.

Outside clients (the conformance suite, the Inspector CLI, the SDK client) reach the API over
real HTTP, so the API runs as a process (`tests.support.web.api_process`); several processes may
share one database and Redis (`replica_env`, for the replica test).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import httpx

from tests.support.auth import bearer, login_user
from tests.support.containers import remove_containers_of
from tests.support.images import BuiltImage
from tests.support.processes import running_api
from tests.support.web import api_process

TIMEOUT = 60.0


@dataclass
class GatewayUser:
    """A logged-in user of one API, with helpers for the calls that set a gateway up."""

    api_url: str
    email: str
    session_id: str
    containers: list[str] = field(default_factory=list)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method,
            f"{self.api_url}{path}",
            headers=bearer(self.session_id),
            timeout=TIMEOUT,
            **kwargs,
        )
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def create_server(self, image: BuiltImage) -> str:
        """A managed container from `image`, stdin open (an MCP server over stdio), started."""
        created = self._call(
            "POST", "/api/containers", json={"config": {"image": image.tag, "stdin_open": True}}
        )
        container_id: str = created["container_id"]
        self.containers.append(container_id)
        return container_id

    def expose(self, profile: str, servers: list[dict[str, Any]]) -> dict[str, Any]:
        """Replace `profile`'s servers (PUT with the version just read)."""
        current = self._call("GET", f"/api/gateway/profiles/{profile}")
        body = {"description": current["description"], "servers": servers}
        updated: dict[str, Any] = self._call(
            "PUT",
            f"/api/gateway/profiles/{profile}",
            json={**body, "version": current["version"]},
        )
        return updated

    def create_token(self, profile: str) -> str:
        created = self._call(
            "POST",
            "/api/gateway/tokens",
            json={"name": f"test-{uuid.uuid4().hex[:6]}", "profile": profile},
        )
        token: str = created["token"]
        return token


def login(api_url: str, vaults_dir: Path) -> GatewayUser:
    email = f"gateway-{uuid.uuid4().hex[:10]}@example.test"
    with httpx.Client(base_url=api_url, timeout=TIMEOUT) as client:
        session_id = login_user(client, email, vaults_dir=vaults_dir)
    return GatewayUser(api_url, email, session_id)


@dataclass(frozen=True)
class Gateway:
    """One user's profile endpoint on one or more API processes sharing database and Redis."""

    api_urls: list[str]
    user: GatewayUser
    profile: str
    token: str
    servers: list[str]

    @property
    def path(self) -> str:
        return f"/mcp/{self.profile}"

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@contextmanager
def running_gateway(
    root: Path,
    docker_client: docker.DockerClient,
    image: BuiltImage,
    *,
    replicas: int = 1,
    profile: str = "default",
    server: Mapping[str, Any] | None = None,
) -> Iterator[Gateway]:
    """`replicas` API processes on one database and Redis; the user's `profile` exposes one
    container from `image` with the profile-server fields in `server` (e.g. `tools`, `prefix`)."""
    root.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        first = stack.enter_context(api_process(root))
        urls = [first.base_url]
        urls += [stack.enter_context(running_api(first.env)) for _ in range(replicas - 1)]
        user = login(first.base_url, root / "vaults")
        stack.callback(remove_containers_of, docker_client, [user.email])
        container_id = user.create_server(image)
        user.expose(profile, [{"server_id": container_id, **(server or {})}])
        token = user.create_token(profile)
        yield Gateway(urls, user, profile, token, [container_id])
