"""Signed-in users of the UI for the container pages' tests: a real API process on the real
Docker engine, one web client per user, and clean-up of every container they created."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docker
import httpx
import pytest
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from tests.support.auth import bearer
from tests.support.bitwarden import Account
from tests.support.containers import remove_containers_of
from tests.support.images import BuiltImage
from tests.support.web import HTMX, ApiProcess, api_process, login, web_client

DOCKER_HOST = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


@dataclass
class Browser:
    """One signed-in user of the UI, with the API session behind its cookie."""

    web: TestClient
    api: ApiProcess
    account: Account

    @property
    def session_id(self) -> str:
        return str(self.web.cookies["mcp_session"])

    def create(self, config: dict[str, Any], **fields: Any) -> str:
        """A container made through the API with this user's session (201: created, started)."""
        response = httpx.post(
            f"{self.api.base_url}/api/containers",
            json={"config": config, **fields},
            headers=bearer(self.session_id),
            timeout=60,
        )
        assert response.status_code == 201, response.text
        container_id: str = response.json()["container_id"]
        return container_id

    def state(self, container_id: str) -> dict[str, Any] | None:
        """The container as the API lists it (None once deleted)."""
        response = httpx.get(
            f"{self.api.base_url}/api/containers",
            params={"all": "true", "stats": "false"},
            headers=bearer(self.session_id),
            timeout=30,
        )
        response.raise_for_status()
        views = [c for c in response.json()["containers"] if c["container_id"] == container_id]
        return views[0] if views else None

    def post(self, path: str, htmx: bool = False, **data: str) -> Any:
        """A form post carrying the CSRF token, as every page's forms do (double submit: the
        token is the `mcp_csrf` cookie's value, see the first test)."""
        form = {"csrf_token": self.web.cookies["mcp_csrf"], **data}
        return self.web.post(path, data=form, headers=HTMX if htmx else {})


@pytest.fixture(scope="module", name="api")
def api_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    with api_process(tmp_path_factory.mktemp("web-containers"), DOCKER_HOST=DOCKER_HOST) as running:
        yield running


@pytest.fixture(name="browsers")
def browsers_fixture(
    settings: Settings, api: ApiProcess, docker_client: docker.DockerClient
) -> Iterator[Any]:
    """`browsers(items=None)` signs a new user in on a web client of its own; every container
    those users created is removed afterwards."""
    opened: list[Browser] = []

    def open_browser(items: list[dict[str, Any]] | None = None) -> Browser:
        client = web_client(settings, api.base_url).__enter__()
        browser = Browser(client, api, api.account(items))
        opened.append(browser)
        assert login(client, browser.account, "/containers").status_code == 303
        return browser

    yield open_browser
    remove_containers_of(docker_client, [browser.account.email for browser in opened])
    for browser in opened:
        browser.web.__exit__(None, None, None)


def sleeper(image: BuiltImage) -> dict[str, Any]:
    """The busybox image's own command: prints `ready`, then waits for TERM."""
    return {"image": image.tag}
