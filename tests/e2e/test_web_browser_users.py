"""In headless Chromium against real `api` and `web` processes (no worker: jobs stay queued):
two users in two browser contexts see only their own jobs; a form post without the CSRF token is
refused; pages carry the CSP and the session cookie is HttpOnly/Lax; the Settings page shows an
SSRF rejection beside the URL field and adds, deletes and refreshes through htmx, and sets,
shows and removes a GitHub token (checked by the local GitHub stand-in); the Audit
filters swap the results and update the address."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mcp_console.core.ssrf import REASON_HINTS
from tests.e2e.conftest import sign_in
from tests.support.auth import bearer
from tests.support.bitwarden import FakeBitwarden
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.web import api_process, local_catalog_env, running_web


@dataclass
class Stack:
    api_url: str
    web_url: str
    redis_url: str
    registry: RegistryServers
    bitwarden: FakeBitwarden


@dataclass
class Visitor:
    """One person at one browser: own context (cookies), own page, the errors its console logged."""

    context: BrowserContext
    page: Page
    email: str
    problems: list[str] = field(default_factory=list)

    @property
    def session_id(self) -> str:
        return next(c["value"] for c in self.context.cookies() if c["name"] == "mcp_session")

    def csp_errors(self) -> list[str]:
        return [p for p in self.problems if "Content Security Policy" in p]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The UI reaches the API only through API_URL; the Docker catalog is a local stand-in."""
    root = tmp_path_factory.mktemp("browser-users")
    with (
        registry_servers() as registry,
        api_process(
            root,
            local_catalog_env(registry),
        ) as api,
        running_web(api.env, api.base_url) as web_url,
    ):
        yield Stack(api.base_url, web_url, api.env["REDIS_URL"], registry, api.bitwarden)


@pytest.fixture
def visitor(browser: Browser, stack: Stack) -> Iterator[Callable[[], Visitor]]:
    """Makes a new user, signed in through the login form in a browser context of their own."""
    contexts: list[BrowserContext] = []

    def sign_in_new_user() -> Visitor:
        account = stack.bitwarden.add_account(f"users-{uuid.uuid4().hex[:8]}@example.com")
        context = browser.new_context()
        contexts.append(context)
        person = Visitor(context, context.new_page(), account.email)
        person.page.on(
            "console",
            lambda message: (
                person.problems.append(message.text) if message.type == "error" else None
            ),
        )
        person.page.goto(f"{stack.web_url}/jobs")
        sign_in(person.page, account)
        expect(person.page).to_have_url(f"{stack.web_url}/jobs")
        return person

    yield sign_in_new_user
    for context in contexts:
        context.close()


def start_job(stack: Stack, person: Visitor) -> str:
    """A secret-resolution job of this user's session; without a worker it stays queued."""
    started = httpx.post(
        f"{stack.api_url}/api/secrets/resolve",
        json={"env": {"TOKEN": "{{ bw:no-worker-item:password }}"}},
        headers=bearer(person.session_id),
    )
    assert started.status_code == 202, started.text
    job_id: str = started.json()["job_id"]
    return job_id


def test_two_users_in_two_browsers_see_only_their_own_jobs(
    stack: Stack, visitor: Callable[[], Visitor]
) -> None:
    alice, bob = visitor(), visitor()
    assert alice.session_id != bob.session_id
    jobs = {person.email: start_job(stack, person) for person in (alice, bob)}

    for person, other in ((alice, bob), (bob, alice)):
        person.page.reload()
        expect(person.page.get_by_test_id("user-email")).to_have_text(person.email)
        own = person.page.locator(f'[data-job-id="{jobs[person.email]}"]')
        expect(own.get_by_test_id("job-status")).to_have_text("queued")
        expect(person.page.locator(f'[data-job-id="{jobs[other.email]}"]')).to_have_count(0)
        expect(person.page.get_by_test_id("job-row")).to_have_count(1)
        assert not person.csp_errors(), person.problems


def test_a_post_without_the_token_is_refused_and_pages_carry_csp_and_safe_cookies(
    stack: Stack, visitor: Callable[[], Visitor]
) -> None:
    person = visitor()
    store = redis.Redis.from_url(stack.redis_url)
    searched = httpx.get(
        f"{stack.api_url}/api/catalog",
        params={"source": "docker"},
        headers=bearer(person.session_id),
    )
    assert searched.status_code == 200, searched.text
    assert store.exists("cache:catalog:docker")

    # The context sends its cookies (session and CSRF cookie) but the forged form lacks the field.
    forged = person.context.request.post(f"{stack.web_url}/settings/cache/refresh", form={})
    assert forged.status == 403
    assert "security token" in forged.text()
    assert store.exists("cache:catalog:docker"), "the refused post changed nothing"
    store.close()

    for path in ("/jobs", "/settings", "/audit"):
        response = person.page.goto(f"{stack.web_url}{path}")
        assert response is not None and response.status == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    cookies = {cookie["name"]: cookie for cookie in person.context.cookies()}
    for name in ("mcp_session", "mcp_csrf"):
        assert cookies[name]["httpOnly"] and cookies[name]["sameSite"] == "Lax", cookies[name]
    assert person.page.evaluate("document.cookie") == ""
    assert not person.csp_errors(), person.problems


def confirm(page: Page, action: str, question: str) -> None:
    """Press `action`, then the same button in the confirmation dialog titled `question`."""
    page.get_by_role("button", name=action).click()
    dialog = page.get_by_role("dialog", name=question)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=action).click()


def test_settings_show_the_ssrf_rejection_beside_the_url_and_manage_a_source(
    stack: Stack, visitor: Callable[[], Visitor]
) -> None:
    person = visitor()
    page = person.page
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page.get_by_test_id("custom-sources-empty")).to_be_visible()
    page.evaluate("window.fullLoadMarker = true")

    add_form = page.get_by_test_id("add-source-form")
    url_input = add_form.get_by_label("Catalog URL")
    add_form.get_by_label("Name").fill("Internal")
    url_input.fill("https://10.0.0.1/catalog.yaml")
    add_form.get_by_role("button", name="Add source").click()
    fix = page.get_by_test_id("add-url-fix")
    expect(fix).to_have_text(REASON_HINTS["private_ip"])
    url_input = page.get_by_test_id("add-source-form").get_by_label("Catalog URL")
    expect(url_input).to_have_attribute("aria-invalid", "true")
    expect(url_input).to_have_value("https://10.0.0.1/catalog.yaml")
    expect(url_input).to_have_accessible_description(re.compile("private ip"))
    expect(page.get_by_test_id("add-url-field")).to_contain_text("not allowed (private ip)")

    url_input.fill(stack.registry.docker_url)
    page.get_by_test_id("add-source-form").get_by_role("button", name="Add source").click()
    expect(page.get_by_test_id("notice")).to_contain_text("was added")
    source = page.get_by_test_id("custom-source")
    expect(source.get_by_test_id("source-name")).to_have_text("Internal")

    confirm(page, "Delete Internal", "Delete the source Internal?")
    expect(page.get_by_test_id("notice")).to_contain_text("was deleted")
    expect(page.get_by_test_id("custom-sources-empty")).to_be_visible()

    # Clearing the shared cache is the operators' (test_web_browser_sources.py): not offered here.
    expect(page.get_by_role("button", name="Refresh catalog cache")).to_have_count(0)
    expect(page.get_by_test_id("cache-operators-only")).to_be_visible()
    assert page.evaluate("window.fullLoadMarker === true"), "htmx swapped the sections in place"
    sources = httpx.get(
        f"{stack.api_url}/api/catalog/sources", headers=bearer(person.session_id)
    ).json()
    assert [s for s in sources if not s["builtin"]] == []
    assert not person.csp_errors(), person.problems


def test_settings_set_a_github_token_show_its_login_and_remove_it(
    stack: Stack, visitor: Callable[[], Visitor]
) -> None:
    person = visitor()
    page = person.page
    token = f"browsertok{uuid.uuid4().hex}"
    stack.registry.state.github_users[token] = ("browser-octo", "")
    page.goto(f"{stack.web_url}/settings")
    expect(page.get_by_test_id("github-status-empty")).to_be_visible()
    page.evaluate("window.fullLoadMarker = true")

    form = page.get_by_test_id("github-token-form")
    field = form.get_by_label("GitHub token", exact=True)
    expect(field).to_have_attribute("type", "password")
    field.fill(f"wrong{uuid.uuid4().hex}")
    form.get_by_role("button", name="Save token").click()
    field = page.get_by_test_id("github-token-form").get_by_label("GitHub token", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("")
    expect(page.get_by_test_id("github-token-field")).to_contain_text("GitHub refused this token")
    expect(page.get_by_test_id("github-token-fix")).to_contain_text("fine-grained")
    field.fill("not a token")  # refused by the API's own check, before GitHub is asked
    page.get_by_test_id("github-token-form").get_by_role("button", name="Save token").click()
    field = page.get_by_test_id("github-token-form").get_by_label("GitHub token", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("")

    field.fill(token)
    page.get_by_test_id("github-token-form").get_by_role("button", name="Save token").click()
    expect(page.get_by_test_id("github-login")).to_have_text("browser-octo")
    expect(page.get_by_test_id("github-notice")).to_contain_text("GitHub accepted the token")
    expect(page.get_by_label("New GitHub token", exact=True)).to_have_value("")
    assert token not in page.content()

    confirm(page, "Remove token", "Remove your GitHub token?")
    expect(page.get_by_test_id("github-notice")).to_have_text("The GitHub token was removed.")
    expect(page.get_by_test_id("github-status-empty")).to_be_visible()
    assert page.evaluate("window.fullLoadMarker === true"), "htmx swapped the section in place"
    status = httpx.get(
        f"{stack.api_url}/api/github-token/status", headers=bearer(person.session_id)
    ).json()
    assert status["configured"] is False
    assert not person.csp_errors(), person.problems


def test_audit_filters_swap_the_results_and_update_the_address(
    stack: Stack, visitor: Callable[[], Visitor]
) -> None:
    person = visitor()
    page = person.page
    page.goto(f"{stack.web_url}/audit")
    expect(page.get_by_test_id("audit-empty")).to_contain_text("Nothing recorded yet")
    page.evaluate("window.fullLoadMarker = true")

    page.get_by_label("Action").fill("container.stop")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("audit-empty")).to_contain_text("No audit entries match")
    expect(page).to_have_url(re.compile(r"/audit\?.*action=container\.stop"))
    expect(page.get_by_label("Action")).to_have_value("container.stop")
    assert page.evaluate("window.fullLoadMarker === true"), "only the results were swapped"
    assert not person.csp_errors(), person.problems
