"""The UI against real console processes: an `api` (and, when asked, a `worker`) subprocess on a
private SQLite file and the fake `bw`, and the web app in-process (TestClient) reaching the API
only over HTTP at `API_URL`. Shared by every `tests/integration/test_web_*.py`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from redis import Redis as SyncRedis

from mcp_console.catalog.cache import ERROR_PREFIX as CATALOG_ERROR_PREFIX
from mcp_console.catalog.cache import LOCK_PREFIX as CATALOG_LOCK_PREFIX
from mcp_console.catalog.cache import PREFIX as CATALOG_PREFIX
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.settings import Settings
from mcp_console.web.app import create_web_app
from tests.support.auth import fake_bw_env
from tests.support.bitwarden import Account, FakeBitwarden
from tests.support.processes import (
    base_env,
    free_port,
    running_api,
    spawn_console,
    stop_process,
    wait_for_http,
)
from tests.support.registry_servers import RegistryServers
from tests.support.workers import running_worker

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HTMX = {"HX-Request": "true"}


@dataclass
class ApiProcess:
    """A running `mcp-console api` (plus `worker` when started with one) and its fake vaults."""

    base_url: str
    bitwarden: FakeBitwarden
    env: dict[str, str]

    def account(self, items: list[dict[str, Any]] | None = None) -> Account:
        """A new Bitwarden account (fresh e-mail); `items` replace the default fixture vault."""
        return self.bitwarden.add_account(f"web-{uuid.uuid4().hex[:10]}@example.com", items=items)


@contextmanager
def api_process(
    root: Path,
    *settings: Mapping[str, str],
    with_worker: bool = False,
    logs: list[str] | None = None,
    **env: str,
) -> Iterator[ApiProcess]:
    """`settings` and `env` add settings (e.g. `local_catalog_env(...)`, `DOCKER_HOST=...`); the
    database is a fresh, migrated SQLite file (as `mcp-console run` migrates before the API) and
    no catalog of an earlier test is cached. `logs` receives the API's output when it stops."""
    database_url = f"sqlite+aiosqlite:///{root}/db.sqlite"
    upgrade_to_head(database_url)
    full_env = base_env(
        **fake_bw_env(root / "vaults"),
        DATABASE_URL=database_url,
        DATA_DIR=str(root / "data"),
        **{key: value for mapping in settings for key, value in mapping.items()},
        **env,
    )
    forget_cached_catalogs(full_env["REDIS_URL"])
    with ExitStack() as stack:
        base_url = stack.enter_context(running_api(full_env, logs=logs))
        if with_worker:
            stack.enter_context(running_worker(full_env))
        yield ApiProcess(base_url, FakeBitwarden(root / "vaults"), full_env)


@contextmanager
def running_web(env: Mapping[str, str], api_url: str) -> Iterator[str]:
    """A real `mcp-console web` process talking to `api_url`; yields its base URL."""
    port = free_port()
    web = spawn_console(["web", "--port", str(port)], {**env, "API_URL": api_url})
    web_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{web_url}/login", process=web)
        yield web_url
    finally:
        stop_process(web)


def web_client(settings: Settings, api_url: str, base_url: str = "http://testserver") -> TestClient:
    """The UI app in-process; use it as a context manager so its lifespan (HTTP client) runs."""
    app = create_web_app(settings.model_copy(update={"api_url": api_url}))
    return TestClient(app, base_url=base_url, follow_redirects=False)


def page_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page_token(page.text)


def login(client: TestClient, account: Account, next_page: str = "/jobs") -> httpx2.Response:
    return client.post(
        "/login",
        data={
            "csrf_token": csrf_token(client),
            "method": "master_password",
            "email": account.email,
            "master_password": account.master_password,
            "next": next_page,
        },
    )


def forget_cached_catalogs(redis_url: str) -> None:
    """The catalog cache is keyed by source name, not URL: a catalog another test cached under
    `docker` must not answer for this test's stand-in."""
    client = SyncRedis.from_url(redis_url)
    try:
        for prefix in (CATALOG_PREFIX, CATALOG_LOCK_PREFIX, CATALOG_ERROR_PREFIX):
            pattern = f"{prefix}*"
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    finally:
        client.close()


def local_catalog_env(servers: RegistryServers, sources: str = "docker") -> dict[str, str]:
    """Settings that point the catalogs at the local stand-ins (loopback allowed through SSRF)."""
    return {
        "CATALOG_DOCKER_URL": servers.docker_url,
        "CATALOG_OFFICIAL_URL": servers.base_url,
        "GITHUB_API_URL": servers.base_url,
        "CATALOG_SOURCES": sources,
        "ALLOW_INSECURE_ENDPOINT": "true",
        "SSRF_ALLOW_CIDRS": "127.0.0.1/32",
    }
