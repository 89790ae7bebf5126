"""Catalogs cannot hurt the console: hostile custom sources against a real API process.

Each hostile source is served by a real loopback listener (`hostile_servers`) and added by one
user; another user's searches keep answering 200 with `partial: true` and that source's error,
the failure is cached (the upstream is fetched once), the sources list shows it, and a search
of that source alone answers a 4xx with a reason, never a 500.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from mcp_console.core.settings import Settings
from tests.support.auth import bearer, login_user
from tests.support.hostile_servers import (
    HostileServers,
    alias_bomb,
    catalog,
    hostile_servers,
    nested,
)
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.web import ApiProcess, api_process, local_catalog_env, login, web_client

# Sources are private by default and only reach their owner; the worst case is a global source
# that turns hostile (an operator's upstream compromised), which every user's search reads.
OPERATOR = "operator-hostile@example.test"
LIMITS = {
    "ADMIN_EMAILS": OPERATOR,
    "CATALOG_MAX_ITEMS": "400",  # the real snapshot has 304 entries
    "CATALOG_MAX_DOCUMENT_BYTES": str(1024 * 1024),
    "CATALOG_MAX_ITEM_BYTES": str(64 * 1024),
    "CATALOG_ERROR_TTL_SECONDS": "600",
    "CATALOG_SEARCH_WAIT_SECONDS": "1",  # the silent host's fetch runs into its 10 s timeout
    "CATALOG_FETCH_TIMEOUT_SECONDS": "3",  # the dripping host never trips the read timeout
}
HOSTILE = {
    "/bomb.yaml": alias_bomb(),
    "/many.json": catalog(401),
    "/huge.json": catalog(60, "x" * 20_000),  # 1.2 MB, over the document cap
    "/fat-entry.json": catalog(1, "x" * 70_000),
    "/deep.yaml": f"registry: {nested(20_000)}\n".encode(),
    "/deep.json": ('{"registry": ' + nested(20_000) + "}").encode(),
}


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServers]:
    with hostile_servers() as servers:
        servers.state.documents.update(HOSTILE)
        yield servers


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, registry: RegistryServers
) -> Iterator[ApiProcess]:
    with api_process(
        tmp_path_factory.mktemp("hostile"), local_catalog_env(registry), LIMITS
    ) as running:
        yield running


@contextmanager
def _user(api: ApiProcess, email: str | None = None) -> Iterator[httpx.Client]:
    """A logged-in user of the API process (its own session, its own connection)."""
    with httpx.Client(base_url=api.base_url, timeout=60) as client:
        email = email or f"hostile-{uuid.uuid4().hex[:8]}@example.test"
        vaults = api.bitwarden.vaults_dir
        client.headers.update(bearer(login_user(client, email, vaults_dir=vaults)))
        yield client


@pytest.fixture
def attacker(api: ApiProcess) -> Iterator[httpx.Client]:
    with _user(api, OPERATOR) as client:
        yield client


@pytest.fixture
def victim(api: ApiProcess) -> Iterator[httpx.Client]:
    with _user(api) as client:
        yield client


def _add_source(client: httpx.Client, url: str) -> str:
    created = client.post(
        "/api/catalog/sources", json={"name": "hostile", "url": url, "scope": "global"}
    )
    assert created.status_code == 201, created.text
    return f"custom-{created.json()['id']}"


def _remove_source(client: httpx.Client, key: str) -> None:
    assert client.delete(f"/api/catalog/sources/{key}").status_code == 204


@pytest.mark.parametrize(
    ("path", "status", "code", "reason"),
    [
        ("/bomb.yaml", 422, "CATALOG_SOURCE_REJECTED", "yaml_alias"),
        ("/many.json", 422, "CATALOG_SOURCE_REJECTED", "too_many_items"),
        ("/huge.json", 422, "CATALOG_SOURCE_REJECTED", "too_large"),
        ("/fat-entry.json", 422, "CATALOG_SOURCE_REJECTED", "item_too_large"),
        ("/deep.yaml", 422, "CATALOG_SOURCE_REJECTED", "too_deep"),
        ("/deep.json", 422, "CATALOG_SOURCE_REJECTED", "too_deep"),
        ("/redirect-malformed", 400, "SSRF_BLOCKED", "invalid_redirect"),
    ],
)
def test_a_hostile_source_fails_alone_and_is_not_refetched(
    attacker: httpx.Client,
    victim: httpx.Client,
    hostile: HostileServers,
    path: str,
    status: int,
    code: str,
    reason: str,
) -> None:
    key = _add_source(attacker, hostile.url(path))
    try:
        fetched_before = hostile.state.hits[path]
        for _ in range(3):
            merged = victim.get("/api/catalog", params={"q": "grafana"})
            assert merged.status_code == 200, merged.text
            body = merged.json()
            assert body["partial"] is True
            assert [(e["source"], e["code"]) for e in body["errors"]] == [(key, code)]
            assert "docker:grafana" in {item["id"] for item in body["items"]}
        assert hostile.state.hits[path] - fetched_before == 1, "the failure is cached"

        alone = victim.get("/api/catalog", params={"source": key})
        assert alone.status_code == status, alone.text
        error = alone.json()["error"]
        assert (error["code"], error["reason"]) == (code, reason)
        assert error["hint"]

        listed = {s["id"]: s for s in victim.get("/api/catalog/sources").json()}
        source = listed[key.removeprefix("custom-")]
        assert source["status"] == "failed"
        assert source["last_error"]["code"] == code
        assert listed["docker"]["status"] == "ok"
    finally:
        _remove_source(attacker, key)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://xn--attack-lo-.test/catalog.yaml", "invalid_url"),
        ("https://a..b/catalog.yaml", "invalid_url"),
        ("https://[::1/catalog.yaml", "invalid_url"),
    ],
)
def test_malformed_hosts_are_refused_when_saved(
    attacker: httpx.Client, registry: RegistryServers, url: str, reason: str
) -> None:
    created = attacker.post("/api/catalog/sources", json={"name": "idna", "url": url})
    assert created.status_code == 400, created.text
    error = created.json()["error"]
    assert (error["code"], error["reason"]) == ("SSRF_BLOCKED", reason)
    key = _add_source(attacker, registry.docker_url)
    try:
        updated = attacker.put(f"/api/catalog/sources/{key}", json={"name": "idna", "url": url})
        assert updated.status_code == 400, updated.text
        assert updated.json()["error"]["reason"] == reason
    finally:
        _remove_source(attacker, key)


def test_a_silent_source_holds_no_other_user(
    attacker: httpx.Client, victim: httpx.Client, hostile: HostileServers
) -> None:
    """The silent host accepts and never answers. Searches that include it (the default) answer
    within the wait budget with the others' items and that source pending, while its fetch runs
    into the request timeout; then the source is failed, and searches report that at once."""
    key = _add_source(attacker, hostile.silent_url)
    accepted_before = len(hostile.silent.accepted)
    try:
        first = attacker.get("/api/catalog", params={"q": "grafana"})
        assert len(hostile.silent.accepted) > accepted_before, "the API did connect"
        for response in (first, victim.get("/api/catalog", params={"q": "grafana"})):
            assert response.status_code == 200, response.text
            body = response.json()
            assert "docker:grafana" in {item["id"] for item in body["items"]}
            assert [(e["source"], e["code"]) for e in body["errors"]] in (
                [(key, "CATALOG_SOURCE_PENDING")],
                [(key, "CATALOG_SOURCE_UNAVAILABLE")],
            )
        failed = _wait_for_status(victim, key, "failed")
        assert "in time" in failed["last_error"]["message"]
        body = victim.get("/api/catalog", params={"q": "grafana"}).json()
        assert [(e["source"], e["code"]) for e in body["errors"]] == [
            (key, "CATALOG_SOURCE_UNAVAILABLE")
        ]
    finally:
        _remove_source(attacker, key)


def test_a_dripping_source_is_cut_off_by_the_fetch_budget(
    attacker: httpx.Client, victim: httpx.Client, hostile: HostileServers
) -> None:
    key = _add_source(attacker, hostile.url("/drip.yaml"))
    try:
        answer = victim.get("/api/catalog", params={"q": "grafana"})
        assert answer.status_code == 200
        assert "docker:grafana" in {item["id"] for item in answer.json()["items"]}
        failed = _wait_for_status(victim, key, "failed")
        assert failed["last_error"]["code"] == "CATALOG_SOURCE_UNAVAILABLE"
        assert "in time" in failed["last_error"]["message"]
    finally:
        _remove_source(attacker, key)


def _wait_for_status(client: httpx.Client, key: str, status: str) -> dict[str, Any]:
    """Polls the sources list (the silent fetch ends at its own 10 s read timeout)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = {s["id"]: s for s in client.get("/api/catalog/sources").json()}
        source: dict[str, Any] = listed[key.removeprefix("custom-")]
        if source["status"] == status:
            return source
        time.sleep(0.2)
    raise AssertionError(f"{key} never became {status}")


def test_the_web_catalog_page_lists_the_failed_source(
    settings: Settings, api: ApiProcess, attacker: httpx.Client, hostile: HostileServers
) -> None:
    key = _add_source(attacker, hostile.url("/bomb.yaml"))
    try:
        with web_client(settings, api.base_url) as web:
            assert login(web, api.account()).status_code == 303
            page = web.get("/catalog")
        assert page.status_code == 200, page.text
        assert 'data-testid="catalog-partial"' in page.text
        failure = re.search(
            rf'data-testid="catalog-source-error" data-source="{key}">(.*?)</li>', page.text
        )
        assert failure and "CATALOG_SOURCE_REJECTED" in failure.group(1), page.text
    finally:
        _remove_source(attacker, key)


def _p95(client: httpx.Client, rounds: int) -> float:
    durations = []
    for n in range(rounds):
        started = time.perf_counter()
        response = client.get("/api/catalog", params={"source": "docker", "q": f"git{n % 3}"})
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.quantiles(durations, n=20)[-1]


def test_a_bomb_refetched_in_a_loop_leaves_other_searches_fast(
    attacker: httpx.Client, victim: httpx.Client, hostile: HostileServers
) -> None:
    """The attacker re-saves its source (which drops its cached failure) and searches it, over
    and over, alternating the alias bomb and the oversized catalog; the victim's p95 in the same
    run stays within a generous bound of its p95 without the attacker (benchmark figures:
    bench/bench_catalog_hostile.py)."""
    victim.get("/api/catalog", params={"source": "docker"})  # warm the victim's index
    baseline = _p95(victim, 60)
    key = _add_source(attacker, hostile.url("/bomb.yaml"))
    urls = [hostile.url("/bomb.yaml"), hostile.url("/many.json")]
    stop = False

    def attack() -> int:
        rounds = 0
        while not stop:
            url = urls[rounds % 2]
            attacker.put(
                f"/api/catalog/sources/{key}",
                json={"name": "hostile", "url": url, "scope": "global"},
            )
            answer = attacker.get("/api/catalog", params={"source": key})
            assert answer.status_code == 422, answer.text
            rounds += 1
        return rounds

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            attacking = pool.submit(attack)
            under_attack = _p95(victim, 60)
            stop = True
            assert attacking.result() >= 2
    finally:
        _remove_source(attacker, key)
    assert under_attack <= max(10 * baseline, 0.5), (baseline, under_attack)
