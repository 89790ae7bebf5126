"""The whole console in headless Chromium: real `api`, `worker` and `web` processes, real Redis,
the real Docker engine, a local stand-in for Docker's catalog and the fake `bw`.

One user signs in, searches the catalog, installs the test MCP server with a `{{ bw:... }}`
secret, watches the install job finish, sees the container running and its logs, restarts the
API mid-flow without losing the session, calls a tool through the inspector, stops and deletes
the container and signs out. Every page and network answer is checked for the secret value, and
the main pages are saved to `docs/screenshots/` for the README.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, ViewportSize, expect

from tests.e2e.conftest import sign_in
from tests.support.auth import bearer, fake_bw_env
from tests.support.bitwarden import Account, FakeBitwarden
from tests.support.containers import remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.processes import (
    base_env,
    console_command,
    free_port,
    spawn_console,
    stop_process,
    wait_for_http,
)
from tests.support.registry_servers import SnapshotServer, docker_catalog, registry_servers
from tests.support.web import forget_cached_catalogs, local_catalog_env, running_web
from tests.support.workers import running_worker

pytestmark = pytest.mark.docker

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SECRET_VALUE = "e2e-canary-Qm7-secret-4471"
VAULT_ITEM = "e2e-vault-item"
REFERENCE = f"{{{{ bw:{VAULT_ITEM}:password }}}}"
SERVER_NAME = "console-test-server"
STREAMING_TYPES = ("text/event-stream",)
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _catalog_entry(image: str) -> dict[str, Any]:
    """A Docker-catalog entry (server.yaml shape) for the locally built MCP server image."""
    return {
        "name": SERVER_NAME,
        "image": image,
        "type": "server",
        "about": {
            "title": "Console test server",
            "description": "A small MCP server with echo, add and fail tools.",
        },
        "meta": {"category": "devops", "tags": ["testing", "echo"]},
        "source": {"project": "https://example.org/console-test-server"},
        "config": {
            "description": "Configure the console test server",
            "secrets": [
                {"name": f"{SERVER_NAME}.api_key", "env": "TEST_API_KEY", "example": "key"}
            ],
            "env": [{"name": "TEST_REGION", "value": "{{" + SERVER_NAME + ".region}}"}],
            "parameters": {
                "type": "object",
                "properties": {
                    "region": {"type": "string", "enum": ["eu", "us"], "description": "Region"}
                },
                "required": ["region"],
            },
        },
    }


@dataclass
class Stack:
    """The processes of the flow; the API keeps its port across a restart."""

    env: dict[str, str]
    api_port: int
    web_url: str = ""
    api: subprocess.Popen[str] | None = None
    emails: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_api(self) -> None:
        self.api = spawn_console(["api", "--port", str(self.api_port)], self.env)
        wait_for_http(f"{self.api_url}/health", process=self.api)

    def stop_api(self) -> None:
        if self.api is not None:
            stop_process(self.api)
            self.api = None

    def account(self) -> Account:
        vaults = FakeBitwarden(Path(self.env["BITWARDENCLI_FAKE_VAULTS"]))
        item = {
            "id": VAULT_ITEM,
            "name": "Test server key",
            "type": 1,
            "login": {"username": "e2e", "password": SECRET_VALUE},
        }
        account = vaults.add_account(f"flow-{uuid.uuid4().hex[:8]}@example.com", items=[item])
        self.emails.append(account.email)
        return account


@pytest.fixture
def stack(
    tmp_path: Path, mcp_server_image: BuiltImage, docker_client: docker.DockerClient
) -> Iterator[Stack]:
    with registry_servers() as servers:
        entry = SnapshotServer(SERVER_NAME, _catalog_entry(mcp_server_image.tag), None, {})
        servers.state.docker_yaml = docker_catalog([*servers.state.snapshot, entry])
        env = base_env(
            **fake_bw_env(tmp_path / "vaults"),
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
            DATA_DIR=str(tmp_path / "data"),
            **local_catalog_env(servers),
        )
        # The real command (Playwright's event loop already runs in this thread).
        subprocess.run(console_command("migrate"), env=env, check=True, capture_output=True)
        forget_cached_catalogs(env["REDIS_URL"])
        running = Stack(env, free_port())
        running.start_api()
        try:
            with running_worker(env), running_web(env, running.api_url) as web_url:
                running.web_url = web_url
                yield running
        finally:
            running.stop_api()
            remove_containers_of(docker_client, running.emails)


class Recorder:
    """Every answer the browser received (bodies of non-streaming ones) and page headers."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, str]] = []
        self.documents: list[Response] = []

    def attach(self, page: Page) -> None:
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        content_type = response.headers.get("content-type", "")
        if response.request.resource_type == "document":
            self.documents.append(response)
        if content_type.startswith(STREAMING_TYPES) or response.status in (301, 302, 303):
            return
        try:
            self.bodies.append((response.url, response.text()))
        except Exception:
            return


def _shot(page: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def _no_secret(page: Page) -> None:
    assert SECRET_VALUE not in page.content()


def _install(page: Page, recorder: Recorder) -> str:
    """Search, open the item, fill in the install form; returns the container page URL."""
    expect(page.get_by_test_id("catalog-search")).to_be_visible()
    _shot(page, "catalog", full_page=False)
    search = page.get_by_role("searchbox", name=re.compile("Search", re.IGNORECASE))
    search.fill("console test")
    card = page.get_by_role("link", name="Console test server")
    expect(card).to_be_visible()
    card.click()
    expect(page.get_by_role("heading", name="Console test server")).to_be_visible()
    expect(page.get_by_test_id("item-secret").get_by_text("TEST_API_KEY")).to_be_visible()
    # what the entry sets lists the secret's variable too
    expect(page.get_by_test_id("catalog-sets").get_by_text("TEST_API_KEY")).to_be_visible()
    page.get_by_role("link", name="Install").click()

    page.get_by_label("region").select_option("eu")
    page.get_by_label(re.compile("api_key")).fill(REFERENCE)
    _shot(page, "install")
    page.get_by_role("button", name="Install").click()

    expect(page).to_have_url(re.compile(r"/jobs/[^/]+$"))
    expect(page.locator("progress")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/containers/[^/?]+$"), timeout=60_000)
    return page.url


def _job_progress(recorder: Recorder) -> list[int]:
    """The percentages the job page showed, in the order its polls were answered."""
    values = []
    for url, body in recorder.bodies:
        if re.search(r"/jobs/[^/?]+(?:\?|$)", url):
            values += [int(v) for v in re.findall(r'<progress[^>]*\bvalue="(\d+)"', body)]
    return values


def _use_the_log_controls(page: Page, stack: Stack, api_session: str, container_id: str) -> None:
    """Filter hides and shows lines; a line printed while paused waits, then arrives live on
    resume; Download holds every line so far (and no secret)."""
    lines = page.get_by_test_id("log-lines")
    ready = lines.get_by_text("console-test-server ready")
    status = page.locator("[data-log-status]")
    search = page.get_by_label("Filter lines")
    search.fill("no-such-line")
    expect(ready).to_be_hidden()
    search.fill("")
    expect(ready).to_be_visible()

    page.get_by_role("button", name="Pause").click()
    called = httpx.post(
        f"{stack.api_url}/api/inspector/{container_id}/tools/echo/call",
        json={"arguments": {"text": "while paused"}},
        headers=bearer(api_session),
        timeout=30,
    )
    assert called.status_code == 200, called.text
    expect(status).to_have_text(re.compile(r"Paused: \d+ new line"))  # the SDK logs too
    expect(lines).not_to_contain_text("echo called")
    page.get_by_role("button", name="Resume").click()
    expect(lines).to_contain_text("echo called with 12 characters")

    with page.expect_download() as download:
        page.get_by_test_id("log-download").click()
    text = Path(download.value.path()).read_text()
    assert "console-test-server ready" in text and "echo called with 12 characters" in text
    assert SECRET_VALUE not in text


def _restart_api(stack: Stack) -> None:
    stack.stop_api()
    stack.start_api()


def test_install_inspect_stop_delete_in_the_browser_with_an_api_restart(
    browser: Browser, stack: Stack, docker_client: docker.DockerClient
) -> None:
    account = stack.account()
    context: BrowserContext = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    recorder = Recorder()
    recorder.attach(page)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{stack.web_url}/catalog")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcatalog"))
    _shot(page, "login")
    sign_in(page, account)
    expect(page).to_have_url(f"{stack.web_url}/catalog")
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["mcp_session"]["httpOnly"] and cookies["mcp_session"]["sameSite"] == "Lax"
    assert cookies["mcp_csrf"]["httpOnly"] and cookies["mcp_csrf"]["sameSite"] == "Lax"

    container_url = _install(page, recorder)
    container_id = container_url.rsplit("/", 1)[-1]
    progress = _job_progress(recorder)
    assert progress and progress == sorted(progress), progress
    session = context.cookies()
    api_session = next(c["value"] for c in session if c["name"] == "mcp_session")
    jobs = httpx.get(f"{stack.api_url}/api/jobs", headers=bearer(api_session)).json()["jobs"]
    assert jobs[0]["status"] == "succeeded" and jobs[0]["progress"]["percent"] == 100

    badge = page.get_by_test_id("container-status")
    expect(badge).to_have_text(re.compile("running", re.IGNORECASE))
    expect(page.get_by_text(REFERENCE).first).to_be_visible()
    _shot(page, "container")

    refused = context.request.post(f"{stack.web_url}/containers/{container_id}/stop", form={})
    assert refused.status == 403, "a form post without the CSRF token is refused"

    page.get_by_role("link", name="Logs").click()
    expect(page.get_by_test_id("log-lines")).to_contain_text("console-test-server ready")
    expect(page.get_by_test_id("log-lines")).to_contain_text("TEST_API_KEY")
    _shot(page, "logs")
    _use_the_log_controls(page, stack, api_session, container_id)

    _restart_api(stack)

    page.get_by_role("link", name="Tools").click()
    tool = page.get_by_test_id("tool-echo")
    expect(tool).to_be_visible()
    expect(page.get_by_test_id("tool-add")).to_be_visible()
    tool.get_by_label("text").fill("hello from the browser")
    tool.get_by_role("button", name=re.compile("Call")).click()
    expect(tool.get_by_test_id("tool-result")).to_contain_text("hello from the browser")
    # The header's own poll recovers from the API restart without a reload.
    expect(badge).to_have_text(re.compile("running", re.IGNORECASE), timeout=15_000)
    _shot(page, "tools")

    page.get_by_role("link", name="Containers").first.click()
    row = page.get_by_test_id("container-row").filter(has_text=container_id[:8])
    expect(row).to_be_visible()
    _shot(page, "containers")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(row).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the page fits a phone's width (tables scroll)"
    _shot(page, "containers-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(container_url)

    page.get_by_role("button", name="Stop").first.click()
    expect(badge).to_have_text(re.compile("exited", re.IGNORECASE), timeout=30_000)
    owned = {"label": f"mcp-console.owner={account.email}"}
    assert docker_client.containers.list(filters=owned) == []

    page.get_by_role("button", name="Delete").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{stack.web_url}/containers")
    expect(page.get_by_test_id("containers-empty")).to_be_visible()
    assert docker_client.containers.list(all=True, filters=owned) == []

    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    _shot(page, "audit")
    page.get_by_role("link", name="Settings").click()
    _shot(page, "settings")
    page.get_by_role("link", name="Jobs").click()
    _shot(page, "jobs")
    _no_secret(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("notice")).to_contain_text("signed out")

    leaked = [url for url, body in recorder.bodies if SECRET_VALUE in body]
    assert not leaked, f"the secret value reached the browser in {leaked}"
    assert recorder.bodies, "the recorder saw the flow's answers"
    assert all("content-security-policy" in response.headers for response in recorder.documents)
    # While the API was down, the live parts (header poll, log stream) got 503s and said so in
    # the page; anything else in the console (CSP violations, script errors) is a defect.
    unexpected = [e for e in console_errors if "status of 503" not in e]
    assert not unexpected, unexpected
    context.close()
