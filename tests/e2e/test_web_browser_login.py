"""End to end in headless Debian Chromium: real `api` and `web` processes, the fake `bw`."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.support.auth import bearer, fake_bw_env
from tests.support.bitwarden import FakeBitwarden
from tests.support.processes import (
    base_env,
    free_port,
    running_api,
    spawn_console,
    stop_process,
    wait_for_http,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian chromium is not installed (scripts/test.sh installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, str, FakeBitwarden]]:
    """(api URL, web URL, fake vaults): the UI reaches the API only through API_URL."""
    env = base_env(
        **fake_bw_env(tmp_path / "vaults"),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        DATA_DIR=str(tmp_path / "data"),
    )
    with running_api(env) as api_url:
        port = free_port()
        web = spawn_console(["web", "--port", str(port)], {**env, "API_URL": api_url})
        web_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{web_url}/login", process=web)
            yield api_url, web_url, FakeBitwarden(tmp_path / "vaults")
        finally:
            stop_process(web)


def test_browser_logs_in_sees_jobs_cancels_one_with_htmx_and_logs_out(
    browser: Browser, stack: tuple[str, str, FakeBitwarden]
) -> None:
    api_url, web_url, bitwarden = stack
    account = bitwarden.add_account(f"browser-{uuid.uuid4().hex[:8]}@example.com")
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )

    page.goto(f"{web_url}/jobs")
    expect(page).to_have_url(f"{web_url}/login?next=%2Fjobs")
    page.get_by_label("E-mail", exact=True).fill(account.email)
    page.get_by_label("Master password", exact=True).fill(account.master_password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{web_url}/jobs")
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    expect(page.get_by_test_id("user-email")).to_have_text(account.email)
    expect(page.get_by_test_id("jobs-empty")).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["mcp_session"]["httpOnly"] and cookies["mcp_session"]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == "", "no UI cookie is readable by scripts"

    started = httpx.post(
        f"{api_url}/api/secrets/resolve",
        json={"env": {"TOKEN": "{{ bw:no-worker-item:password }}"}},
        headers=bearer(cookies["mcp_session"]["value"]),
    )
    assert started.status_code == 202, started.text
    page.reload()
    row = page.get_by_test_id("job-row")
    expect(row.get_by_test_id("job-status")).to_have_text("queued")
    page.evaluate("window.fullLoadMarker = true")
    row.get_by_role("button", name="Cancel").click()
    expect(row.get_by_test_id("job-status")).to_have_text("cancelled")
    assert page.evaluate("window.fullLoadMarker === true"), "htmx swapped the table in place"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("notice")).to_contain_text("signed out")
    assert not [c for c in context.cookies() if c["name"] == "mcp_session"]
    assert not [p for p in problems if "Content Security Policy" in p], problems
    context.close()
