"""The config Edit form in headless Chromium against real `api` and `web` processes, real Docker
and the fake `bw`: edit an env value and a port and see the new config; a token-shaped value is
refused beside its field and never shown; a stale version shows the conflict and its reload."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import sign_in
from tests.support.auth import bearer
from tests.support.containers import remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.web import ApiProcess, running_web
from tests.support.web_containers import api_fixture, sleeper  # noqa: F401

pytestmark = pytest.mark.docker

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TOKEN = "ghp_" + "Lk8jHg7fDs6aPo5iUy4tRe3wQz2xCv1bNm0A"


@pytest.fixture(name="web_url")
def web_url_fixture(api: ApiProcess) -> Iterator[str]:
    with running_web(api.env, api.base_url) as url:
        yield url


def _session(page: Page) -> dict[str, str]:
    session = next(c["value"] for c in page.context.cookies() if c["name"] == "mcp_session")
    return bearer(session)


def _api(api: ApiProcess, page: Page, method: str, path: str, body: Any) -> httpx.Response:
    return httpx.request(
        method, f"{api.base_url}{path}", json=body, headers=_session(page), timeout=60
    )


def test_edit_the_config_in_the_browser(
    browser: Browser,
    api: ApiProcess,
    web_url: str,
    busybox_image: BuiltImage,
    docker_client: docker.DockerClient,
) -> None:
    account = api.bitwarden.add_account(f"edit-{uuid.uuid4().hex[:8]}@example.com")
    page = browser.new_context().new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    try:
        page.goto(f"{web_url}/login")
        sign_in(page, account)
        config = {**sleeper(busybox_image), "env": {"LOG_LEVEL": "info"}}
        created = _api(api, page, "POST", "/api/containers", {"config": config})
        assert created.status_code == 201, created.text
        container_id = created.json()["container_id"]
        _edit_env_and_port(page, web_url, container_id)
        _refuse_a_token(page)
        _show_the_conflict(page, api, container_id)
        assert not [p for p in problems if "Content Security Policy" in p]
    finally:
        page.context.close()
        remove_containers_of(docker_client, [account.email])


def _edit_env_and_port(page: Page, web_url: str, container_id: str) -> None:
    page.goto(f"{web_url}/containers/{container_id}")
    page.get_by_test_id("config-edit").click()
    expect(page.get_by_test_id("config-form")).to_be_visible()
    page.get_by_label("Variable 1 value", exact=True).fill("debug")
    page.get_by_test_id("add-port").click()
    page.get_by_label("Port 1 in the container", exact=True).fill("8080")
    page.get_by_test_id("config-save").click()
    expect(page.get_by_test_id("config-saved")).to_contain_text("version 2")
    config = page.get_by_test_id("tab-panel")
    expect(config.get_by_test_id("config-env")).to_contain_text("debug")
    expect(config).to_contain_text("8080/tcp")


def _refuse_a_token(page: Page) -> None:
    page.get_by_test_id("config-edit").click()
    page.get_by_label("Variable 1 value", exact=True).fill(TOKEN)
    page.get_by_test_id("config-save").click()
    error = page.locator("#env-0-value-error")
    expect(error).to_be_visible()
    value = page.get_by_label("Variable 1 value", exact=True)
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_value("")
    assert TOKEN not in page.content()
    # caret="initial": hiding the caret would inject a style, which the CSP refuses.
    page.screenshot(
        path=str(SCREENSHOTS / "container-config-edit.png"), caret="initial", full_page=True
    )


def _show_the_conflict(page: Page, api: ApiProcess, container_id: str) -> None:
    """Someone else saves version 2 while this form still edits it."""
    edit = {"config_version": 2, "config": {"env": {"LOG_LEVEL": "warning"}}}
    changed = _api(api, page, "PATCH", f"/api/containers/{container_id}/config", edit)
    assert changed.status_code == 200, changed.text
    page.get_by_label("Variable 1 value", exact=True).fill("error")
    page.get_by_test_id("config-save").click()
    expect(page.get_by_test_id("config-conflict")).to_be_visible()
    expect(page.get_by_test_id("error")).to_contain_text("CONFIG_CONFLICT")
    page.get_by_test_id("config-reload").click()
    expect(page.get_by_label("Variable 1 value", exact=True)).to_have_value("warning")
    expect(page.get_by_test_id("config-form")).to_contain_text("config version 3")
