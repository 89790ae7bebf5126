"""Catalog source ownership over HTTP: operators (ADMIN_EMAILS) alone manage global sources
(403 SOURCE_FORBIDDEN for others), a private source does not exist for anyone but its owner
(list, search, item, install: 404), every change is audited, and migrated rows become global.
The private catalog is in several scripts, so the same run checks Unicode search end to end."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from alembic import command
from fastapi.testclient import TestClient

from mcp_console.app import create_app
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.migrate import alembic_config, upgrade_to_head
from mcp_console.core.settings import Settings
from tests.support.auth import bearer, fake_bw_settings, login_user
from tests.support.catalog_files import (
    UNICODE_ENTRIES,
    UNICODE_QUERIES,
    catalog_yaml,
    held_catalog,
    served_catalog,
    unicode_catalog,
)
from tests.support.log_capture import captured_fixture  # noqa: F401 - the `captured` fixture

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
ADMIN = "Operator@Example.test"  # compared without case: the user logs in in lower case
Headers = dict[str, str]


@pytest.fixture(scope="module")
def catalog_url() -> Iterator[str]:
    with served_catalog(unicode_catalog()) as url:
        yield url


@contextmanager
def _console(settings: Settings, **overrides: Any) -> Iterator[TestClient]:
    """The API in this process with only custom sources (no upstream outside the test)."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    prepared = fake_bw_settings(settings).model_copy(
        update={
            "admin_emails": f"someone@else.test, {ADMIN}",
            "catalog_sources": "",
            "allow_insecure_endpoint": True,
            "ssrf_allow_cidrs": "127.0.0.1/32",
            **overrides,
        }
    )
    upgrade_to_head(prepared.database_url)
    app = create_app(prepared, KeyManager.from_settings(prepared, secret_registry))
    with TestClient(app) as test_client:
        yield test_client
    client.flushdb()
    client.close()


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with _console(settings) as test_client:
        yield test_client


def _user(api: TestClient, email: str | None = None) -> Headers:
    return bearer(login_user(api, email or f"owner-{uuid.uuid4().hex[:8]}@example.test"))


@pytest.fixture
def admin(api: TestClient) -> Headers:
    return _user(api, ADMIN.lower())


def _add(api: TestClient, who: Headers, url: str, **body: Any) -> dict[str, Any]:
    response = api.post(
        "/api/catalog/sources", json={"name": "src", "url": url, **body}, headers=who
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


def _custom(api: TestClient, who: Headers) -> dict[str, dict[str, Any]]:
    listed = api.get("/api/catalog/sources", headers=who).json()
    return {s["id"]: s for s in listed if not s["builtin"]}


def _names(api: TestClient, who: Headers, **params: Any) -> set[str]:
    response = api.get("/api/catalog", params=params, headers=who)
    assert response.status_code == 200, response.text
    return {item["name"] for item in response.json()["items"]}


def test_only_operators_add_change_and_delete_global_sources(
    api: TestClient, admin: Headers, catalog_url: str
) -> None:
    user = _user(api)
    assert api.get("/api/auth/session", headers=admin).json()["admin"] is True
    assert api.get("/api/auth/session", headers=user).json()["admin"] is False

    refused = api.post(
        "/api/catalog/sources",
        json={"name": "g", "url": catalog_url, "scope": "global"},
        headers=user,
    )
    assert _error(refused, 403) == "SOURCE_FORBIDDEN"
    assert refused.json()["error"]["hint"]
    assert _custom(api, user) == {}

    shared = _add(api, admin, catalog_url, scope="global")
    assert (shared["scope"], shared["owner"], shared["can_edit"]) == ("global", None, True)
    seen = _custom(api, user)[shared["id"]]
    assert (seen["scope"], seen["can_edit"]) == ("global", False)
    assert _names(api, user) == set(UNICODE_ENTRIES), "global sources are searched by default"

    path = f"/api/catalog/sources/{shared['id']}"
    changed = {"name": "renamed", "url": catalog_url}
    assert _error(api.put(path, json=changed, headers=user), 403) == "SOURCE_FORBIDDEN"
    assert _error(api.delete(path, headers=user), 403) == "SOURCE_FORBIDDEN"
    assert _custom(api, user)[shared["id"]]["name"] == "src", "the refused change left no trace"
    scope_change = {**changed, "scope": "private"}
    assert _error(api.put(path, json=scope_change, headers=admin), 422) == "VALIDATION_ERROR"

    assert api.put(path, json=changed, headers=admin).json()["name"] == "renamed"
    assert api.delete(path, headers=admin).status_code == 204
    assert _custom(api, user) == {}


def test_a_private_source_does_not_exist_for_anyone_else(
    api: TestClient, admin: Headers, catalog_url: str
) -> None:
    owner, other = _user(api), _user(api)
    mine = _add(api, owner, catalog_url)
    assert (mine["scope"], mine["can_edit"]) == ("private", True)
    key = f"custom-{mine['id']}"
    item_id = f"{key}:plain-notes"

    assert mine["id"] in _custom(api, owner)
    assert _names(api, owner, source=mine["id"]) == set(UNICODE_ENTRIES)
    assert api.get(f"/api/catalog/{item_id}", headers=owner).status_code == 200
    dry_run = api.post(
        "/api/containers/install", params={"dry_run": "true"}, json={"item_id": item_id},
        headers=owner,
    )  # fmt: skip
    assert dry_run.status_code == 200, dry_run.text

    for stranger in (other, admin):  # operators do not see private sources either
        assert mine["id"] not in _custom(api, stranger)
        assert _names(api, stranger) == set()
        for source in (mine["id"], key):
            found = api.get("/api/catalog", params={"source": source}, headers=stranger)
            assert _error(found, 404) == "CATALOG_SOURCE_NOT_FOUND"
        item = api.get(f"/api/catalog/{item_id}", headers=stranger)
        assert _error(item, 404) == "CATALOG_ITEM_NOT_FOUND"
        install = api.post(
            "/api/containers/install", params={"dry_run": "true"}, json={"item_id": item_id},
            headers=stranger,
        )  # fmt: skip
        assert _error(install, 404) == "CATALOG_ITEM_NOT_FOUND"
        path = f"/api/catalog/sources/{mine['id']}"
        update = api.put(path, json={"name": "x", "url": catalog_url}, headers=stranger)
        assert _error(update, 404) == "CATALOG_SOURCE_NOT_FOUND"
        assert _error(api.delete(path, headers=stranger), 404) == "CATALOG_SOURCE_NOT_FOUND"


def test_same_url_private_and_global_sources_stay_apart(
    api: TestClient, admin: Headers, catalog_url: str
) -> None:
    """Each source has its own cache key (`custom-<id>`), so one URL added twice is two
    catalogs: a user's merged search holds the global copy and their own, never another's."""
    first, second = _user(api), _user(api)
    shared = _add(api, admin, catalog_url, scope="global")
    own_first = _add(api, first, catalog_url)
    own_second = _add(api, second, catalog_url)

    def sources(who: Headers) -> set[str]:
        items = api.get("/api/catalog", params={"q": "rocket"}, headers=who).json()["items"]
        return {item["source"] for item in items}

    assert sources(first) == {f"custom-{shared['id']}", f"custom-{own_first['id']}"}
    assert sources(second) == {f"custom-{shared['id']}", f"custom-{own_second['id']}"}


def test_unicode_queries_find_exactly_their_item_over_http(
    api: TestClient, catalog_url: str
) -> None:
    owner = _user(api)
    source = _add(api, owner, catalog_url)["id"]
    for query, name in UNICODE_QUERIES.items():
        assert _names(api, owner, source=source, q=query) == {name}, query
    for query in ("!!!", "---", "。"):
        assert _names(api, owner, source=source, q=query) == set(), query
    assert _names(api, owner, source=source, q="") == set(UNICODE_ENTRIES)


def test_every_source_change_is_audited(api: TestClient, admin: Headers, catalog_url: str) -> None:
    user = _user(api)
    mine = _add(api, user, catalog_url)
    path = f"/api/catalog/sources/{mine['id']}"
    assert (
        api.put(path, json={"name": "again", "url": catalog_url}, headers=user).status_code == 200
    )
    assert api.delete(path, headers=user).status_code == 204
    shared = _add(api, admin, catalog_url, scope="global")
    shared_path = f"/api/catalog/sources/{shared['id']}"
    assert api.delete(shared_path, headers=user).status_code == 403
    refused = {"name": "g", "url": catalog_url, "scope": "global"}
    assert api.post("/api/catalog/sources", json=refused, headers=user).status_code == 403
    blocked = {"name": "m", "url": "http://169.254.169.254/latest/"}
    assert api.post("/api/catalog/sources", json=blocked, headers=user).status_code == 400

    def entries(who: Headers) -> list[tuple[str, str, str, str | None]]:
        body = api.get("/api/audit", params={"limit": 50}, headers=who).json()
        return [
            (e["action"], e["target"], e["outcome"], e["detail"])
            for e in reversed(body["entries"])
            if e["action"].startswith("catalog_source.")
        ]

    key, shared_key = f"custom-{mine['id']}", f"custom-{shared['id']}"
    assert entries(user) == [
        ("catalog_source.create", key, "success", "private"),
        ("catalog_source.update", key, "success", "private"),
        ("catalog_source.delete", key, "success", "private"),
        ("catalog_source.delete", shared_key, "failure", "SOURCE_FORBIDDEN"),
        ("catalog_source.create", "custom-new", "failure", "SOURCE_FORBIDDEN"),
        ("catalog_source.create", "custom-new", "failure", "SSRF_BLOCKED"),
    ]

    # Operators answer for global sources: they see who tried to change one; others see nothing.
    def on_shared(who: Headers) -> list[tuple[str, str]]:
        body = api.get("/api/audit", params={"target": shared_key}, headers=who).json()
        return sorted((e["action"], e["outcome"]) for e in body["entries"])

    seen_by_operator = set(on_shared(admin))
    assert {("catalog_source.create", "success"), ("catalog_source.delete", "failure")} <= (
        seen_by_operator
    )
    assert on_shared(user) == [("catalog_source.delete", "failure")]
    assert on_shared(_user(api)) == []
    filtered = api.get(
        "/api/audit", params={"action": "catalog_source.update"}, headers=user
    ).json()["entries"]
    assert [e["target"] for e in filtered] == [key]
    raw = str(api.get("/api/audit", headers=user).json())
    assert catalog_url not in raw and "169.254" not in raw, "URLs are user input: not audited"


def test_sources_from_before_ownership_become_global(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "catalog_0001")
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute(
            "INSERT INTO catalog_sources (name, url, created_by, created_at, updated_at) "
            "VALUES ('old', 'https://example.com/c.yaml', 'a@b.c', '2026-01-01', '2026-01-01')"
        )
    upgrade_to_head(url)
    with sqlite3.connect(tmp_path / "old.db") as db:
        rows = db.execute("SELECT name, scope, owner, created_by FROM catalog_sources").fetchall()
    assert rows == [("old", "global", None, "a@b.c")]
    with sqlite3.connect(tmp_path / "old.db") as db:  # the recreated table never reuses an id
        db.execute("DELETE FROM catalog_sources")
        db.execute(
            "INSERT INTO catalog_sources (name, url, created_by, scope, created_at, updated_at) "
            "VALUES ('new', 'https://example.com/d.yaml', 'a@b.c', 'private', '2026-01-02', "
            "'2026-01-02')"
        )
        assert db.execute("SELECT id FROM catalog_sources").fetchall() == [(2,)]


def _await_key(key: str, present: bool) -> None:
    """Waits (bounded) until a Redis key exists or is gone: a refresh finishing in the API."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    deadline = time.monotonic() + 30
    while bool(client.exists(key)) != present:
        assert time.monotonic() < deadline, f"{key} never became {'set' if present else 'gone'}"
        time.sleep(0.02)
    client.close()


def test_a_deleted_sources_late_fetch_never_reaches_the_next_source(settings: Settings) -> None:
    """A fetch still in flight when its source is deleted is not stored, and ids are never
    reused: the next source (another user's) starts empty and shows only its own catalog."""
    stale = catalog_yaml({"stale-server": ("Stale", "The deleted source's server")})
    with (
        held_catalog(stale) as held,
        served_catalog(unicode_catalog()) as fresh_url,
        _console(settings, catalog_search_wait_seconds=0.2) as api,
    ):
        first, second = _user(api), _user(api)
        old = _add(api, first, held.url)
        pending = api.get("/api/catalog", params={"source": old["id"]}, headers=first)
        assert _error(pending, 503) == "CATALOG_SOURCE_PENDING"
        assert held.requested.wait(10)
        assert api.delete(f"/api/catalog/sources/{old['id']}", headers=first).status_code == 204
        held.release.set()
        _await_key(f"lock:catalog:custom-{old['id']}", present=False)  # the late fetch ended

        new = _add(api, second, fresh_url)
        assert new["id"] != old["id"], "a deleted source's id is never handed out again"
        assert _names(api, second, source=new["id"]) == set(UNICODE_ENTRIES)
        assert _names(api, first) == set()
        assert not redis.Redis.from_url(TEST_REDIS_URL).exists(f"cache:catalog:custom-{old['id']}")


def test_a_failed_source_answers_its_last_error_at_once_and_retries_behind(
    settings: Settings, captured: io.StringIO
) -> None:
    """Past its failure TTL a failed source answers its last error at once and is fetched again
    in the background; no search waits for it again, and the failure is one log line."""
    with (
        held_catalog(unicode_catalog()) as held,
        _console(settings, catalog_search_wait_seconds=0.5) as api,
    ):
        admin, user = _user(api, ADMIN.lower()), _user(api)
        key = f"custom-{_add(api, admin, held.url, scope='global')['id']}"
        held.failing = True
        first = api.get("/api/catalog", headers=user)  # never fetched: it waits, then gives up
        assert _error(first, 503) == "CATALOG_SOURCE_PENDING"
        held.release.set()  # the fetch nobody waits for any more fails
        _await_key(f"cache:catalog-error:{key}", present=True)
        _await_key(f"lock:catalog:{key}", present=False)

        raw = redis.Redis.from_url(TEST_REDIS_URL)
        stored = raw.get(f"cache:catalog-error:{key}")
        assert isinstance(stored, bytes)
        record = json.loads(stored)
        raw.set(f"cache:catalog-error:{key}", json.dumps({**record, "at": time.time() - 3600}))
        held.release.clear()
        held.requested.clear()
        held.failing = False
        again = api.get("/api/catalog", headers=user)  # the retry is held open upstream
        assert _error(again, 502) == "CATALOG_SOURCE_UNAVAILABLE", "the last error, at once"
        assert held.requested.wait(10), "the source is fetched again in the background"
        assert not held.release.is_set()
        held.release.set()
        _await_key(f"cache:catalog-error:{key}", present=False)  # the retry succeeded
        assert _names(api, user) == set(UNICODE_ENTRIES)
        raw.close()

    logged = captured.getvalue()
    assert "never retrieved" not in logged and "Traceback" not in logged
    failures = [
        line for line in map(json.loads, logged.splitlines())
        if line.get("message") == "catalog source failed"
    ]  # fmt: skip
    assert failures and all(f.get("source") == key for f in failures)
    assert all(f.get("code") == "CATALOG_SOURCE_UNAVAILABLE" for f in failures)


def test_built_in_sources_are_configured_by_settings_not_the_api(
    api: TestClient, admin: Headers, catalog_url: str
) -> None:
    listed = api.get("/api/catalog/sources", headers=admin).json()
    builtin = {source["id"] for source in listed if source["builtin"]}
    assert builtin == {"docker", "github", "official"}
    settings_named = {"docker": "CATALOG_DOCKER_URL", "github": "CATALOG_GITHUB_REPO",
                      "official": "CATALOG_OFFICIAL_URL"}  # fmt: skip
    user = _user(api)
    for who in (user, admin):
        for key in builtin:
            path = f"/api/catalog/sources/{key}"
            changed = api.put(path, json={"name": "mine", "url": catalog_url}, headers=who)
            assert _error(changed, 403) == "SOURCE_FORBIDDEN"
            error = changed.json()["error"]
            assert "built-in" in error["message"] and settings_named[key] in error["message"]
            assert error["hint"]
            assert _error(api.delete(path, headers=who), 403) == "SOURCE_FORBIDDEN"
    assert api.get("/api/catalog/sources", headers=admin).json() == listed
    refusals = api.get("/api/audit", params={"target": "docker"}, headers=user).json()["entries"]
    assert sorted((e["action"], e["outcome"], e["detail"]) for e in refusals) == [
        ("catalog_source.delete", "failure", "SOURCE_FORBIDDEN"),
        ("catalog_source.update", "failure", "SOURCE_FORBIDDEN"),
    ]


def test_only_operators_clear_the_shared_catalog_cache(
    api: TestClient, admin: Headers, catalog_url: str
) -> None:
    user = _user(api)
    key = f"cache:catalog:custom-{_add(api, user, catalog_url)['id']}"
    assert _names(api, user) == set(UNICODE_ENTRIES)
    raw = redis.Redis.from_url(TEST_REDIS_URL)
    refused = api.delete("/api/catalog/cache", headers=user)
    assert _error(refused, 403) == "CATALOG_CACHE_FORBIDDEN"
    assert "ADMIN_EMAILS" in refused.json()["error"]["hint"]
    assert raw.exists(key), "a refused clear drops nothing"
    cleared = api.delete("/api/catalog/cache", headers=admin)
    assert cleared.status_code == 200 and cleared.json()["deleted"] >= 1
    assert not raw.exists(key)
    raw.close()

    def clears(who: Headers) -> list[tuple[str, str | None]]:
        body = api.get("/api/audit", params={"action": "catalog_cache.clear"}, headers=who).json()
        return [(e["outcome"], e["detail"]) for e in body["entries"]]

    assert clears(user) == [("failure", "CATALOG_CACHE_FORBIDDEN")]
    assert ("success", None) in clears(admin)


def test_private_sources_per_user_are_limited(settings: Settings, catalog_url: str) -> None:
    with _console(settings, catalog_max_private_sources=2) as api:
        user, other, admin = _user(api), _user(api), _user(api, ADMIN.lower())
        first = _add(api, user, catalog_url)
        _add(api, user, catalog_url)
        refused = api.post("/api/catalog/sources", json={"name": "3", "url": catalog_url},
                           headers=user)  # fmt: skip
        assert _error(refused, 409) == "CATALOG_SOURCE_LIMIT"
        error = refused.json()["error"]
        assert "2" in error["message"] and "Delete" in error["hint"]
        assert len(_custom(api, user)) == 2, "the refused source was not stored"

        _add(api, other, catalog_url)  # the limit is per user
        _add(api, admin, catalog_url, scope="global")  # global sources do not count
        _add(api, admin, catalog_url)
        _add(api, admin, catalog_url)
        assert api.delete(f"/api/catalog/sources/{first['id']}", headers=user).status_code == 204
        _add(api, user, catalog_url)
