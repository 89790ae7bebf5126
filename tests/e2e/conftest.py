"""Browser tests: headless Debian Chromium through Playwright, against real console processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.bitwarden import Account

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


def sign_in(page: Page, account: Account) -> None:
    """Fill in the login form the page shows (e-mail + master password) and submit it."""
    page.get_by_label("E-mail", exact=True).fill(account.email)
    page.get_by_label("Master password", exact=True).fill(account.master_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("user-email")).to_have_text(account.email)
