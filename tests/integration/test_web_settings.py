"""The Settings page against a real API process: built-in and custom catalog sources, SSRF and
validation errors beside their fields, edit/delete through the API, the catalog cache refresh, and
the user's GitHub token (checked by the GitHub stand-in at `GITHUB_API_URL`).

The API's catalog points at a local stand-in (`registry_servers`); the SSRF allow-list admits only
127.0.0.1 so that a local catalog URL can be saved while every other private address stays blocked.
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import httpx2
import pytest
import redis
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import REASON_HINTS
from tests.support.auth import bearer
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.web import (
    HTMX,
    ApiProcess,
    api_process,
    local_catalog_env,
    login,
    page_token,
    web_client,
)

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
VOID_TAGS = frozenset({"input", "br", "hr", "img", "meta", "link", "source", "wbr"})


@dataclass
class Element:
    """One element of a page, found by its `data-testid`: its visible text and its start tags."""

    text: str = ""
    tags: list[str] = field(default_factory=list)


class _TestIdParser(HTMLParser):
    def __init__(self, test_id: str) -> None:
        super().__init__()
        self.test_id = test_id
        self.depth = 0
        self.found: Element | None = None
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        inside = self.depth > 0
        if not inside and self.found is None and ("data-testid", self.test_id) in attrs:
            self.found, inside = Element(), True
        if inside and self.found is not None:
            self.found.tags.append(self.get_starttag_text() or "")
            self.depth += tag not in VOID_TAGS

    def handle_endtag(self, tag: str) -> None:
        if self.depth > 0 and tag not in VOID_TAGS:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth > 0:
            self.parts.append(data)


def field_input(page: str, test_id: str) -> str:
    """The start tag of the single input inside the form field with this `data-testid`."""
    [tag] = [tag for tag in element(page, test_id).tags if tag.startswith("<input")]
    return tag


def element(page: str, test_id: str) -> Element:
    parser = _TestIdParser(test_id)
    parser.feed(page)
    assert parser.found is not None, f"no element with data-testid={test_id}"
    parser.found.text = " ".join(" ".join(parser.parts).split())
    return parser.found


OPERATOR = "settings-operator@example.com"


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, registry: RegistryServers
) -> Iterator[ApiProcess]:
    root = tmp_path_factory.mktemp("web-settings")
    with api_process(
        root,
        local_catalog_env(registry, "docker,official"),
        ADMIN_EMAILS=OPERATOR,
    ) as running:
        yield running


@pytest.fixture
def web(settings: Settings, api: ApiProcess) -> Iterator[TestClient]:
    """A signed-in UI (not an operator); the sources a test added are removed after it."""
    with web_client(settings, api.base_url) as client:
        assert login(client, api.account(), next_page="/settings").status_code == 303
        yield client
        for source in api_sources(api, client):
            if not source["builtin"]:
                httpx.delete(
                    f"{api.base_url}/api/catalog/sources/{source['id']}", headers=session_of(client)
                ).raise_for_status()


def session_of(client: TestClient) -> dict[str, str]:
    return bearer(client.cookies["mcp_session"])


def api_sources(api: ApiProcess, client: TestClient) -> list[dict[str, Any]]:
    response = httpx.get(f"{api.base_url}/api/catalog/sources", headers=session_of(client))
    response.raise_for_status()
    sources: list[dict[str, Any]] = response.json()
    return sources


def custom_sources(api: ApiProcess, client: TestClient) -> list[dict[str, Any]]:
    return [source for source in api_sources(api, client) if not source["builtin"]]


def add_via_api(api: ApiProcess, client: TestClient, name: str, url: str) -> dict[str, Any]:
    response = httpx.post(
        f"{api.base_url}/api/catalog/sources",
        json={"name": name, "url": url},
        headers=session_of(client),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def token(client: TestClient) -> str:
    return page_token(client.get("/settings").text)


def test_settings_lists_the_builtin_sources_and_invites_a_custom_one(
    web: TestClient, registry: RegistryServers
) -> None:
    page = web.get("/settings")
    assert page.status_code == 200
    assert 'href="/settings" aria-current="page"' in page.text
    builtin = element(page.text, "builtin-sources")
    for kind in ("docker", "github", "official"):
        assert f'data-source-id="{kind}"' in " ".join(builtin.tags)
    assert registry.docker_url in builtin.text
    assert "Yes" in builtin.text and "Only when chosen" in builtin.text  # github is opt-in
    assert "No custom sources yet" in element(page.text, "custom-sources-empty").text
    assert 'action="/settings/sources"' in page.text


def test_adding_a_source_lists_it_here_and_in_the_api(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    url = f"{registry.docker_url}?team=one"
    added = web.post(
        "/settings/sources", data={"csrf_token": token(web), "name": "Team one", "url": url}
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/settings?done=added"
    page = web.get(added.headers["location"])
    assert "was added" in element(page.text, "notice").text
    listed = element(page.text, "custom-source")
    assert "Team one" in listed.text and url in listed.text
    [stored] = custom_sources(api, web)
    assert (stored["name"], stored["url"], stored["kind"]) == ("Team one", url, "custom")

    second = web.post(
        "/settings/sources",
        data={"csrf_token": token(web), "name": "Team two", "url": f"{registry.docker_url}?two"},
        headers=HTMX,
    )
    assert second.status_code == 200
    assert "<html" not in second.text and 'id="settings-sources"' in second.text
    assert second.text.count('data-testid="custom-source"') == 2
    assert 'value=""' in field_input(second.text, "add-url-field"), "the add form is empty again"
    assert {s["name"] for s in custom_sources(api, web)} == {"Team one", "Team two"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.1/catalog.yaml", "private_ip"),
        ("http://169.254.169.254/latest/meta-data/", "metadata_endpoint"),
        ("ftp://example.com/catalog.yaml", "invalid_scheme"),
        ("http://user@example.com/catalog.yaml", "userinfo"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_blocked_url_shows_its_reason_and_hint_beside_the_field_and_stores_nothing(
    web: TestClient, api: ApiProcess, url: str, reason: str, htmx: bool
) -> None:
    response = web.post(
        "/settings/sources",
        data={"csrf_token": token(web), "name": "Blocked", "url": url},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 400
    assert ("<html" in response.text) is not htmx
    field_box = element(response.text, "add-url-field")
    assert reason.replace("_", " ") in field_box.text  # the message names the reason
    assert element(response.text, "add-url-fix").text == REASON_HINTS[reason]
    url_input = field_input(response.text, "add-url-field")
    assert 'aria-invalid="true"' in url_input and "add-url-fix" in url_input
    assert f'value="{html.escape(url)}"' in url_input, "the typed URL is kept"
    assert 'value="Blocked"' in response.text, "the typed name is kept"
    assert custom_sources(api, web) == []


@pytest.mark.parametrize("htmx", [False, True])
def test_a_url_with_a_password_is_refused_beside_the_field_and_never_shown_again(
    web: TestClient, api: ApiProcess, htmx: bool
) -> None:
    password = "s3cret-Pw-in-url-271"
    response = web.post(
        "/settings/sources",
        data={
            "csrf_token": token(web),
            "name": "Leaky",
            "url": f"https://user:{password}@example.com/catalog.yaml",
        },
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 422
    assert "url-credentials" in element(response.text, "add-url-field").text
    assert "without credentials" in element(response.text, "add-url-fix").text  # the fix
    assert password not in response.text
    assert 'value=""' in field_input(response.text, "add-url-field")
    assert 'value="Leaky"' in response.text, "the typed name is kept"
    assert custom_sources(api, web) == []


def test_validation_errors_are_shown_beside_their_fields(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    response = web.post(
        "/settings/sources",
        data={"csrf_token": token(web), "name": "", "url": registry.docker_url},
    )
    assert response.status_code == 422
    name_input = field_input(response.text, "add-name-field")
    assert 'aria-invalid="true"' in name_input and 'aria-describedby="add-name-error"' in name_input
    # the API's own message, e.g. "String should have at least 1 character"
    assert "character" in element(response.text, "add-name-field").text
    assert registry.docker_url in field_input(response.text, "add-url-field"), "the URL is kept"
    assert custom_sources(api, web) == []


def test_the_private_source_limit_is_explained_in_the_add_form(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    for n in range(10):  # CATALOG_MAX_PRIVATE_SOURCES' default
        add_via_api(api, web, f"Mine {n}", registry.docker_url)
    response = web.post(
        "/settings/sources",
        data={"csrf_token": token(web), "name": "One more", "url": registry.docker_url},
    )
    assert response.status_code == 409
    form = html.unescape(element(response.text, "add-source-form").text)
    assert "CATALOG_SOURCE_LIMIT" in form and "Delete a private source" in form
    assert 'value="One more"' in response.text, "what was typed is kept"
    assert len(custom_sources(api, web)) == 10


def test_editing_a_source_changes_it_in_the_api_and_errors_stay_in_its_form(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    source = add_via_api(api, web, "Before", f"{registry.docker_url}?before")
    source_id = source["id"]
    new_url = f"{registry.docker_url}?after"
    saved = web.post(
        f"/settings/sources/{source_id}",
        data={"csrf_token": token(web), "name": "After", "url": new_url},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?done=updated"
    [stored] = custom_sources(api, web)
    assert (stored["id"], stored["name"], stored["url"]) == (source_id, "After", new_url)

    refused = web.post(
        f"/settings/sources/{source_id}",
        data={"csrf_token": token(web), "name": "Renamed", "url": "http://192.168.1.5/c.yaml"},
        headers=HTMX,
    )
    assert refused.status_code == 400
    assert '<details class="settings-edit" open>' in refused.text
    prefix = f"source-{source_id}"
    assert element(refused.text, f"{prefix}-url-fix").text == REASON_HINTS["private_ip"]
    assert 'value="http://192.168.1.5/c.yaml"' in refused.text
    assert 'value="Renamed"' in refused.text
    assert custom_sources(api, web) == [stored], "a refused edit changes nothing"

    missing = web.post(
        "/settings/sources/999999",
        data={"csrf_token": token(web), "name": "Ghost", "url": new_url},
    )
    assert missing.status_code == 404
    assert "CATALOG_SOURCE_NOT_FOUND" in element(missing.text, "error").text


def test_deleting_a_source_needs_the_csrf_token_and_removes_it(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    source = add_via_api(api, web, "Doomed", f"{registry.docker_url}?doomed")
    page = web.get("/settings")
    dialog = f'id="source-{source["id"]}-delete"'
    assert f"<dialog {dialog}" in page.text and "Delete Doomed" in page.text

    path = f"/settings/sources/{source['id']}/delete"
    assert web.post(path, data={}).status_code == 403
    assert web.post(path, data={"csrf_token": "guessed"}).status_code == 403
    assert [s["id"] for s in custom_sources(api, web)] == [source["id"]]

    deleted = web.post(path, data={"csrf_token": page_token(page.text)}, headers=HTMX)
    assert deleted.status_code == 200
    assert "was deleted" in element(deleted.text, "notice").text
    assert element(deleted.text, "custom-sources-empty")
    assert custom_sources(api, web) == []

    again = web.post(path, data={"csrf_token": page_token(page.text)})
    assert again.status_code == 404
    assert "CATALOG_SOURCE_NOT_FOUND" in element(again.text, "error").text


@pytest.fixture
def operator(settings: Settings, api: ApiProcess) -> Iterator[TestClient]:
    """A signed-in operator (ADMIN_EMAILS)."""
    with web_client(settings, api.base_url) as client:
        account = api.bitwarden.add_account(OPERATOR)
        assert login(client, account, next_page="/settings").status_code == 303
        yield client


def test_only_operators_refresh_the_cache_which_drops_the_cached_catalogs(
    web: TestClient, operator: TestClient, api: ApiProcess
) -> None:
    store = redis.Redis.from_url(TEST_REDIS_URL)
    for key in store.scan_iter("cache:catalog*"):
        store.delete(key)
    searched = httpx.get(
        f"{api.base_url}/api/catalog", params={"source": "docker"}, headers=session_of(web)
    )
    assert searched.status_code == 200 and searched.json()["total"] > 0
    assert store.exists("cache:catalog:docker")

    page = web.get("/settings").text
    assert 'action="/settings/cache/refresh"' not in page, "no button for non-operators"
    assert "Only the operators" in element(page, "cache-operators-only").text
    forged = web.post("/settings/cache/refresh", data={"csrf_token": token(web)})
    assert forged.status_code == 403
    assert "CATALOG_CACHE_FORBIDDEN" in element(forged.text, "error").text
    assert web.post("/settings/cache/refresh", data={}).status_code == 403
    assert store.exists("cache:catalog:docker"), "a refused post changes nothing"

    assert 'action="/settings/cache/refresh"' in operator.get("/settings").text
    refreshed: httpx2.Response = operator.post(
        "/settings/cache/refresh", data={"csrf_token": token(operator)}
    )
    assert refreshed.status_code == 303 and refreshed.headers["location"] == "/settings?cleared=1"
    assert not store.exists("cache:catalog:docker")
    page = operator.get(refreshed.headers["location"]).text
    assert element(page, "cache-notice").text == "Cleared 1 cached catalog entry."

    again = operator.post(
        "/settings/cache/refresh", data={"csrf_token": token(operator)}, headers=HTMX
    )
    assert again.status_code == 200 and "<html" not in again.text
    assert element(again.text, "cache-notice").text == "Cleared 0 cached catalog entries."
    store.close()


def test_each_source_shows_its_status_and_a_failed_one_why(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    broken = add_via_api(api, web, "Broken", f"{registry.base_url}/no-such-catalog.yaml")
    working = add_via_api(api, web, "Working", registry.docker_url)
    fresh = add_via_api(api, web, "Fresh", f"{registry.base_url}/never-searched.yaml")
    for source in (broken, working):
        httpx.get(
            f"{api.base_url}/api/catalog", params={"source": source["id"]},
            headers=session_of(web),
        )  # fmt: skip
    listed = {s["id"]: s for s in custom_sources(api, web)}
    assert listed[broken["id"]]["status"] == "failed"

    page = web.get("/settings").text
    rows = {source["id"]: _source_row(page, source["id"]) for source in (broken, working, fresh)}
    assert 'data-status="failed"' in rows[broken["id"]] and "Failed" in rows[broken["id"]]
    reason = html.unescape(rows[broken["id"]])
    assert listed[broken["id"]]["last_error"]["message"] in reason
    assert listed[broken["id"]]["last_error"]["code"] in reason
    assert 'data-status="ok"' in rows[working["id"]] and "Loaded" in rows[working["id"]]
    assert 'data-status="not_loaded"' in rows[fresh["id"]]
    builtin = element(page, "builtin-sources").tags
    assert any('data-testid="source-status"' in tag for tag in builtin), "built-ins show theirs"


def _source_row(page: str, source_id: str) -> str:
    """The markup of one custom source's list item."""
    start = page.index(f'data-testid="custom-source" data-source-id="{source_id}"')
    return page[start : page.index("</li>", start)]


def github_status(api: ApiProcess, client: TestClient) -> dict[str, Any]:
    response = httpx.get(f"{api.base_url}/api/github-token/status", headers=session_of(client))
    response.raise_for_status()
    status: dict[str, Any] = response.json()
    return status


def known_github_token(registry: RegistryServers, login: str, scopes: str = "") -> str:
    """A token the GitHub stand-in (`GITHUB_API_URL`) accepts for `login`."""
    value = f"webtok{uuid.uuid4().hex}"
    registry.state.github_users[value] = (login, scopes)
    return value


def test_the_github_token_is_set_replaced_and_removed_and_never_rendered(
    web: TestClient, api: ApiProcess, registry: RegistryServers
) -> None:
    page = web.get("/settings")
    assert "No token stored" in element(page.text, "github-status-empty").text
    empty_input = field_input(page.text, "github-token-field")
    assert 'type="password"' in empty_input and 'value=""' in empty_input

    first = known_github_token(registry, "web-octo", "repo, gist")
    saved = web.post("/settings/github-token", data={"csrf_token": token(web), "token": first})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/settings?done=token-saved"
    shown = web.get(saved.headers["location"])
    assert "GitHub accepted the token" in element(shown.text, "github-notice").text
    assert element(shown.text, "github-login").text == "web-octo"
    assert element(shown.text, "github-scopes").text == "repo, gist"
    checked = github_status(api, web)["last_checked"][:19].replace("T", " ")
    assert f"{checked} UTC" in element(shown.text, "github-status").text
    assert first not in shown.text and 'value=""' in field_input(shown.text, "github-token-field")

    second = known_github_token(registry, "web-octo-2")
    replaced = web.post(
        "/settings/github-token", data={"csrf_token": token(web), "token": second}, headers=HTMX
    )
    assert replaced.status_code == 200 and "<html" not in replaced.text
    assert 'id="settings-github"' in replaced.text and second not in replaced.text
    assert element(replaced.text, "github-login").text == "web-octo-2"
    assert "none" in element(replaced.text, "github-scopes").text
    assert github_status(api, web)["login"] == "web-octo-2"

    path = "/settings/github-token/delete"
    assert web.post(path, data={}).status_code == 403
    assert github_status(api, web)["configured"] is True, "a refused post changes nothing"
    removed = web.post(path, data={"csrf_token": token(web)})
    assert removed.status_code == 303
    after = web.get(removed.headers["location"])
    assert element(after.text, "github-notice").text == "The GitHub token was removed."
    assert element(after.text, "github-status-empty")
    assert github_status(api, web)["configured"] is False


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("unknown", 422, "GitHub refused this token"),
        ("malformed", 422, "visible ASCII"),
        ("github-down", 502, "GitHub could not be asked"),
    ],
)
def test_a_token_that_cannot_be_saved_is_explained_beside_the_field(
    web: TestClient, api: ApiProcess, registry: RegistryServers, case: str, status: int, says: str
) -> None:
    typed = "two words" if case == "malformed" else known_github_token(registry, "never-saved")
    if case == "unknown":
        typed = f"unknown{uuid.uuid4().hex}"
    registry.state.failing = {"user"} if case == "github-down" else set()
    try:
        response = web.post(
            "/settings/github-token", data={"csrf_token": token(web), "token": typed}, headers=HTMX
        )
    finally:
        registry.state.failing = set()
    assert response.status_code == status
    field_box = element(response.text, "github-token-field")
    assert says in field_box.text
    if case == "unknown":
        assert "fine-grained" in element(response.text, "github-token-fix").text
    token_input = field_input(response.text, "github-token-field")
    assert 'aria-invalid="true"' in token_input and 'value=""' in token_input
    assert typed not in response.text
    assert github_status(api, web)["configured"] is False


def test_operators_choose_global_and_others_get_no_controls_for_it(
    settings: Settings, api: ApiProcess, web: TestClient, registry: RegistryServers
) -> None:
    """The page offers only what the API allows; a forged form post is refused with a reason."""
    with web_client(settings, api.base_url) as operator:
        account = api.bitwarden.add_account(OPERATOR)
        assert login(operator, account, next_page="/settings").status_code == 303
        assert 'name="scope" value="global"' in operator.get("/settings").text
        added = operator.post(
            "/settings/sources",
            data={"csrf_token": token(operator), "name": "Team", "url": registry.docker_url,
                  "scope": "global"},
        )  # fmt: skip
        assert added.status_code == 303
        (shared,) = custom_sources(api, operator)
        try:
            page = web.get("/settings").text
            assert 'name="scope" value="global"' not in page
            assert "Delete Team" not in page and "settings-edit" not in page
            assert 'data-scope="global"' in page
            forged = web.post(
                f"/settings/sources/{shared['id']}",
                data={"csrf_token": token(web), "name": "Mine now", "url": registry.docker_url},
            )
            assert forged.status_code == 403
            assert "Only operators may add, change or delete" in html.unescape(forged.text)
            as_global = web.post(
                "/settings/sources",
                data={"csrf_token": token(web), "name": "G", "url": registry.docker_url,
                      "scope": "global"},
            )  # fmt: skip
            assert as_global.status_code == 403
            assert 'data-testid="add-source-form"' in as_global.text
            assert "Only operators may add" in html.unescape(as_global.text)
            assert [s["name"] for s in custom_sources(api, web)] == ["Team"]
        finally:
            httpx.delete(
                f"{api.base_url}/api/catalog/sources/{shared['id']}", headers=session_of(operator)
            ).raise_for_status()
