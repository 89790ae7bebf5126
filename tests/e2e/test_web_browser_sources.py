"""Catalog source ownership in headless Chromium against real `api` and `web` processes: an
operator adds a global source; a user sees it without edit or delete controls, adds a private
source and finds its items by a Japanese query; another user sees neither that source nor its
items. Each source shows its status (a failed one its reason), and only the operator is offered
the cache refresh."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import sign_in
from tests.support.bitwarden import FakeBitwarden
from tests.support.catalog_files import catalog_yaml, served_catalog, unicode_catalog
from tests.support.processes import free_port
from tests.support.web import api_process, running_web

OPERATOR = f"operator-{uuid.uuid4().hex[:8]}@example.com"


@dataclass
class Stack:
    web_url: str
    bitwarden: FakeBitwarden
    team_url: str
    private_url: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """No built-in source: the catalog holds only what the users add here."""
    root = tmp_path_factory.mktemp("browser-sources")
    team = catalog_yaml({"team-tool": ("Team tool", "Shared by the operators")})
    with (
        served_catalog(team) as team_url,
        served_catalog(unicode_catalog()) as private_url,
        api_process(
            root,
            CATALOG_SOURCES="",
            ADMIN_EMAILS=OPERATOR,
            ALLOW_INSECURE_ENDPOINT="true",
            SSRF_ALLOW_CIDRS="127.0.0.1/32",
        ) as api,
        running_web(api.env, api.base_url) as web_url,
    ):
        yield Stack(web_url, api.bitwarden, team_url, private_url)


@pytest.fixture
def sign_in_as(browser: Browser, stack: Stack) -> Iterator[Callable[[str], Page]]:
    """A browser context of its own per person, signed in through the login form."""
    contexts: list[BrowserContext] = []

    def open_page(email: str) -> Page:
        account = stack.bitwarden.add_account(email)
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{stack.web_url}/settings")
        sign_in(page, account)
        expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        context.close()


def _add_source(page: Page, name: str, url: str, scope: str) -> None:
    form = page.get_by_test_id("add-source-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Catalog URL").fill(url)
    form.get_by_label(scope).check()
    form.get_by_role("button", name="Add source").click()
    expect(page.get_by_test_id("notice")).to_contain_text("was added")


def test_private_sources_are_their_owners_and_global_ones_the_operators(
    stack: Stack, sign_in_as: Callable[[str], Page]
) -> None:
    operator = sign_in_as(OPERATOR)
    _add_source(operator, "Team", stack.team_url, "Global")
    team = operator.get_by_test_id("custom-source")
    expect(team.get_by_test_id("source-scope")).to_have_attribute("data-scope", "global")
    expect(team.get_by_role("button", name="Delete Team")).to_be_visible()

    owner = sign_in_as(f"owner-{uuid.uuid4().hex[:8]}@example.com")
    shared = owner.get_by_test_id("custom-source")
    expect(shared).to_have_count(1)
    expect(shared.get_by_test_id("source-scope")).to_contain_text("Global")
    expect(shared.get_by_role("button", name="Delete Team")).to_have_count(0)
    expect(shared.locator("details.settings-edit")).to_have_count(0)
    expect(owner.get_by_test_id("add-scope-field").get_by_label("Global")).to_have_count(0)

    _add_source(owner, "Mine", stack.private_url, "Private")
    mine = owner.get_by_test_id("custom-source").nth(1)
    expect(mine.get_by_test_id("source-name")).to_have_text("Mine")
    expect(mine.get_by_test_id("source-scope")).to_contain_text("only you")
    expect(mine.get_by_role("button", name="Delete Mine")).to_be_visible()

    owner.goto(f"{stack.web_url}/catalog?q=サーバー")
    found = owner.get_by_test_id("catalog-item")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("サーバー管理")
    owner.goto(f"{stack.web_url}/catalog?q=zurich")
    expect(owner.get_by_test_id("catalog-item")).to_contain_text("Zürich Wetter")

    other = sign_in_as(f"other-{uuid.uuid4().hex[:8]}@example.com")
    expect(other.get_by_test_id("custom-source")).to_have_count(1)
    expect(other.get_by_test_id("source-name")).to_have_text("Team")
    other.goto(f"{stack.web_url}/catalog?q=サーバー")
    expect(other.get_by_test_id("catalog-empty")).to_be_visible()
    expect(other.get_by_test_id("catalog-item")).to_have_count(0)
    other.goto(f"{stack.web_url}/catalog")
    expect(other.get_by_test_id("catalog-item")).to_have_count(1)
    expect(other.get_by_test_id("catalog-item")).to_contain_text("Team tool")

    other.goto(f"{stack.web_url}/settings")
    team_status = other.get_by_test_id("custom-source").get_by_test_id("source-status")
    expect(team_status).to_have_attribute("data-status", "ok")
    expect(other.get_by_role("button", name="Refresh catalog cache")).to_have_count(0)

    closed = f"http://127.0.0.1:{free_port()}/catalog.yaml"  # nothing listens there
    operator.goto(f"{stack.web_url}/settings")
    _add_source(operator, "Broken", closed, "Global")
    operator.goto(f"{stack.web_url}/catalog")
    operator.goto(f"{stack.web_url}/settings")
    broken = operator.get_by_test_id("custom-source").filter(has_text="Broken")
    expect(broken.get_by_test_id("source-status")).to_have_attribute("data-status", "failed")
    expect(broken.get_by_test_id("source-last-error")).to_contain_text("could not be read")
    operator.get_by_role("button", name="Refresh catalog cache").click()
    expect(operator.get_by_test_id("cache-notice")).to_contain_text("Cleared")
    operator.reload()  # the refresh re-renders its own section; the failure record is gone too
    expect(broken.get_by_test_id("source-status")).to_have_attribute("data-status", "not_loaded")
