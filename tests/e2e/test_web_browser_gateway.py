"""The Gateway page in headless Chromium against real `api` and `web` processes, a real container
running the test MCP server and the fake `bw`: create a profile → pick tools from the server's
live list → save → create a token (shown once) → copy a snippet holding it → revoke the token →
an API error on a section's form is shown without losing the section."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import sign_in
from tests.support.auth import bearer
from tests.support.containers import remove_containers_of, wait_for
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.web import ApiProcess, running_web
from tests.support.web_containers import api_fixture  # noqa: F401

pytestmark = pytest.mark.docker

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(name="web_url")
def web_url_fixture(api: ApiProcess) -> Iterator[str]:
    with running_web(api.env, api.base_url) as url:
        yield url


def _session(page: Page) -> dict[str, str]:
    session = next(c["value"] for c in page.context.cookies() if c["name"] == "mcp_session")
    return bearer(session)


def test_create_a_profile_pick_tools_create_a_token_copy_a_snippet_and_revoke_it(
    browser: Browser,
    api: ApiProcess,
    web_url: str,
    mcp_server_image: BuiltImage,
    docker_client: docker.DockerClient,
) -> None:
    account = api.bitwarden.add_account(f"gateway-{uuid.uuid4().hex[:8]}@example.com")
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{web_url}/login")
        sign_in(page, account)
        created = httpx.post(
            f"{api.base_url}/api/containers",
            json={"config": {"image": mcp_server_image.tag, "stdin_open": True}},
            headers=_session(page),
            timeout=60,
        )
        assert created.status_code == 201, created.text
        server_id = created.json()["container_id"]
        _wait_for_tools(api, page, server_id)
        _create_profile(page)
        _pick_tools_and_save(page, server_id)
        token = _create_token_and_copy_a_snippet(page)
        _revoke(page, token)
        _an_api_error_keeps_the_section(api, page)
        assert not [p for p in problems if "Content Security Policy" in p], problems
    finally:
        context.close()
        remove_containers_of(docker_client, [account.email])


def _wait_for_tools(api: ApiProcess, page: Page, server_id: str) -> None:
    """Readiness: the server answers the inspector (its MCP handshake is done)."""

    def listed() -> bool:
        url = f"{api.base_url}/api/inspector/{server_id}/tools"
        return httpx.get(url, headers=_session(page), timeout=60).status_code == 200

    wait_for(listed, timeout=120, interval=0.5)


def _create_profile(page: Page) -> None:
    page.get_by_role("link", name="Gateway", exact=True).click()
    expect(page.get_by_test_id("profile-row")).to_have_count(1)  # default
    page.get_by_label("Name", exact=True).fill("assistant")
    page.get_by_label("Description (optional)").fill("Tools for my assistant")
    page.get_by_role("button", name="Create profile").click()
    expect(page.get_by_test_id("profile-name")).to_have_text("assistant")
    expect(page.get_by_test_id("endpoint-url")).to_contain_text("/mcp/assistant")


def _pick_tools_and_save(page: Page, server_id: str) -> None:
    row = page.locator(f'[data-testid="server-row"][data-server-id="{server_id}"]')
    expect(row.get_by_test_id("tool-echo")).to_be_visible()
    row.get_by_test_id("server-enabled").check()
    row.get_by_test_id("server-all-tools").uncheck()
    for tool in ("add", "env_value", "fail"):
        row.get_by_test_id(f"tool-{tool}").uncheck()
    row.get_by_test_id("server-prefix").fill("test")
    page.get_by_test_id("profile-save").click()
    expect(page.get_by_test_id("notice")).to_contain_text("saved")
    expect(page.get_by_text("Editing version 2")).to_be_visible()
    exposed = page.get_by_test_id("exposed-tools")
    expect(exposed).to_contain_text("1 tool")
    exposed.locator("summary").click()
    expect(exposed).to_contain_text("test_echo")
    saved = page.locator(f'[data-testid="server-row"][data-server-id="{server_id}"]')
    expect(saved.get_by_test_id("tool-echo")).to_be_checked()
    expect(saved.get_by_test_id("tool-add")).not_to_be_checked()


def _create_token_and_copy_a_snippet(page: Page) -> str:
    page.get_by_label("Token name").fill("e2e laptop")
    page.get_by_test_id("token-create").click()
    new_token = page.get_by_test_id("new-token")
    expect(new_token).to_contain_text("shown only this once")
    token = page.get_by_test_id("new-token-value").inner_text()
    assert token.startswith("mcpgw_")
    snippet = page.get_by_test_id("new-snippet-claude-code-text")
    expect(snippet).to_contain_text(token)
    copy = page.get_by_test_id("copy-new-snippet-claude-code-text")
    copy.click()
    expect(copy).to_have_attribute("data-copied", "true")
    expect(copy).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == snippet.inner_text()
    assert token in copied
    # caret="initial": hiding the caret would inject a style, which the CSP refuses.
    page.screenshot(path=str(SCREENSHOTS / "gateway.png"), caret="initial", full_page=True)
    expect(page.get_by_test_id("snippet-claude-code-text")).not_to_contain_text(token)
    page.reload()
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    assert token not in page.content(), "the token is shown once only"
    return token


def _revoke(page: Page, token: str) -> None:
    row = page.get_by_test_id("token-row")
    expect(row).to_contain_text("e2e laptop")
    row.get_by_role("button", name="Revoke").first.click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Revoke the token e2e laptop?")
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("notice")).to_contain_text("revoked")
    expect(page.get_by_test_id("token-row")).to_have_count(0)
    assert token not in page.content()


def _an_api_error_keeps_the_section(api: ApiProcess, page: Page) -> None:
    """The profile is deleted elsewhere: the token form's answer is an error page, which holds
    no tokens section; htmx puts its alert into the page's error region, the section stays."""
    url = f"{api.base_url}/api/gateway/profiles/assistant"
    assert httpx.delete(url, headers=_session(page), timeout=60).status_code == 204
    page.get_by_label("Token name").fill("after the delete")
    page.get_by_test_id("token-create").click()
    expect(page.get_by_test_id("request-error")).to_contain_text("PROFILE_NOT_FOUND")
    expect(page.locator("#gateway-tokens")).to_be_visible()
    expect(page.get_by_label("Token name")).to_have_value("after the delete")
