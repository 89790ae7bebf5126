"""The catalog HTTP API: sessions required, response shapes, custom sources with SSRF checks, and
two real API processes sharing one cached catalog."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from mcp_console.app import create_app
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.settings import Settings
from tests.support.auth import bearer, fake_bw_env, fake_bw_settings, login_user
from tests.support.processes import base_env, running_api
from tests.support.registry_servers import OFFICIAL_PREFIX, RegistryServers, registry_servers

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PROTECTED = [
    ("GET", "/api/catalog"),
    ("GET", "/api/catalog/docker:grafana"),
    ("GET", "/api/catalog/sources"),
    ("POST", "/api/catalog/sources"),
    ("PUT", "/api/catalog/sources/1"),
    ("DELETE", "/api/catalog/sources/1"),
    ("DELETE", "/api/catalog/cache"),
]


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


def _catalog_overrides(registry: RegistryServers) -> dict[str, str]:
    """Sources pointed at the local servers; the allow-list admits exactly 127.0.0.1."""
    return {
        "catalog_docker_url": registry.docker_url,
        "catalog_official_url": registry.base_url,
        "github_api_url": registry.base_url,
        "catalog_sources": "docker,official",
        "allow_insecure_endpoint": "true",
        "ssrf_allow_cidrs": "127.0.0.1/32",
    }


@pytest.fixture
def fresh_state(registry: RegistryServers) -> Iterator[None]:
    """An empty test Redis database and a well-behaved upstream for each test."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    registry.reset_counts()
    registry.state.failing = set()
    registry.state.delay_seconds = 0.0
    yield
    client.flushdb()
    client.close()


@pytest.fixture
def api(settings: Settings, registry: RegistryServers, fresh_state: None) -> Iterator[TestClient]:
    prepared = fake_bw_settings(settings).model_copy(update=_catalog_overrides(registry))
    prepared = prepared.model_copy(update={"allow_insecure_endpoint": True})
    upgrade_to_head(prepared.database_url)
    app = create_app(prepared, KeyManager.from_settings(prepared, secret_registry))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def user(api: TestClient) -> dict[str, str]:
    email = f"catalog-{uuid.uuid4().hex[:8]}@example.test"
    return bearer(login_user(api, email))


def test_every_catalog_route_requires_a_session(api: TestClient) -> None:
    for method, path in PROTECTED:
        response = api.request(method, path, json={"name": "x", "url": "https://8.8.8.8/"})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "SESSION_INVALID"


def test_search_item_and_errors_over_http(
    api: TestClient, user: dict[str, str], registry: RegistryServers
) -> None:
    database = {
        s.server["name"]
        for s in registry.state.snapshot
        if s.server.get("meta", {}).get("category") == "database"
    }
    params: dict[str, Any] = {"source": "docker", "category": "database", "page_size": 5}
    response = api.get("/api/catalog", params=params, headers=user)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "total", "page", "page_size", "facets", "partial", "errors"}
    assert body["total"] == len(database)
    assert len(body["items"]) == 5
    assert body["facets"]["categories"] == {"database": len(database)}
    assert body["partial"] is False

    item = api.get("/api/catalog/docker:grafana", headers=user).json()
    assert item["image"] == "mcp/grafana"
    assert item["secrets"][0]["env"] == "GRAFANA_API_KEY"
    official = api.get(f"/api/catalog/official:{OFFICIAL_PREFIX}/grafana", headers=user)
    assert official.status_code == 200, official.text
    assert official.json()["image"] == "mcp/grafana"
    for path, code in [
        ("/api/catalog/docker:no-such-server", "CATALOG_ITEM_NOT_FOUND"),
        ("/api/catalog?source=nowhere", "CATALOG_SOURCE_NOT_FOUND"),
    ]:
        missing = api.get(path, headers=user)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == code
    too_big = api.get("/api/catalog", params={"page_size": 5000}, headers=user)
    assert too_big.status_code == 422


def test_partial_results_when_a_source_fails(
    api: TestClient, user: dict[str, str], registry: RegistryServers
) -> None:
    registry.state.failing = {"official"}
    body = api.get("/api/catalog", params={"q": "grafana"}, headers=user).json()
    assert body["partial"] is True
    assert body["errors"] == [
        {
            "source": "official",
            "code": "CATALOG_SOURCE_UNAVAILABLE",
            "message": "The catalog source 'official' could not be read: HTTP 500.",
        }
    ]
    assert {item["source"] for item in body["items"]} == {"docker"}


def test_custom_sources_over_http(
    api: TestClient, user: dict[str, str], registry: RegistryServers
) -> None:
    blocked = api.post(
        "/api/catalog/sources",
        json={"name": "metadata", "url": "http://169.254.169.254/latest/meta-data/"},
        headers=user,
    )
    assert blocked.status_code == 400
    error = blocked.json()["error"]
    assert (error["code"], error["reason"]) == ("SSRF_BLOCKED", "metadata_endpoint")
    assert error["hint"]

    blank = api.post(
        "/api/catalog/sources", json={"name": "   ", "url": registry.docker_url}, headers=user
    )
    assert blank.status_code == 422
    assert [f["field"] for f in blank.json()["error"]["fields"]] == ["body.name"]

    created = api.post(
        "/api/catalog/sources", json={"name": "  mine ", "url": registry.docker_url}, headers=user
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "mine"
    source_id = created.json()["id"]
    listed = api.get("/api/catalog/sources", headers=user).json()
    assert {s["id"] for s in listed} >= {"docker", "github", "official", source_id}
    page = api.get("/api/catalog", params={"source": source_id}, headers=user).json()
    assert page["total"] == len(registry.state.snapshot)

    updated = api.put(
        f"/api/catalog/sources/{source_id}",
        json={"name": "mine (json)", "url": registry.docker_json_url},
        headers=user,
    )
    assert updated.status_code == 200
    assert updated.json()["url"] == registry.docker_json_url
    assert api.delete(f"/api/catalog/sources/{source_id}", headers=user).status_code == 204
    gone = api.get("/api/catalog", params={"source": source_id}, headers=user)
    assert gone.status_code == 404

    assert api.get("/api/catalog", params={"source": "docker"}, headers=user).status_code == 200
    refused = api.delete("/api/catalog/cache", headers=user)  # operators only: see ownership
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "CATALOG_CACHE_FORBIDDEN"


def test_two_api_processes_share_one_cached_catalog(
    registry: RegistryServers, tmp_path: Path, fresh_state: None
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    upgrade_to_head(database_url)
    overrides = {key.upper(): value for key, value in _catalog_overrides(registry).items()}
    env = base_env(DATABASE_URL=database_url, **overrides, **fake_bw_env())
    registry.state.delay_seconds = 0.3  # keep the upstream slow so the requests overlap
    with running_api(env) as first, running_api(env) as second:
        with httpx.Client(base_url=first, timeout=30) as login_client:
            headers = bearer(login_user(login_client, f"two-{uuid.uuid4().hex[:8]}@example.test"))

        def search(n: int) -> int:
            base = first if n % 2 else second
            response = httpx.get(
                f"{base}/api/catalog", params={"source": "docker"}, headers=headers, timeout=30
            )
            assert response.status_code == 200, response.text
            total: int = response.json()["total"]
            return total

        with ThreadPoolExecutor(max_workers=20) as pool:
            totals = list(pool.map(search, range(20)))
    assert registry.state.hits["docker_yaml"] == 1
    assert set(totals) == {len(registry.state.snapshot)}
