"""End to end in headless Debian Chromium: real `api` and `web` processes, the fake `bw`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import sign_in
from tests.support.auth import bearer, fake_bw_env
from tests.support.bitwarden import FakeBitwarden
from tests.support.processes import (
    base_env,
    running_api,
)
from tests.support.web import running_web


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, str, FakeBitwarden]]:
    """(api URL, web URL, fake vaults): the UI reaches the API only through API_URL."""
    env = base_env(
        **fake_bw_env(tmp_path / "vaults"),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        DATA_DIR=str(tmp_path / "data"),
    )
    with running_api(env) as api_url, running_web(env, api_url) as web_url:
        yield api_url, web_url, FakeBitwarden(tmp_path / "vaults")


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
    sign_in(page, account)

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
