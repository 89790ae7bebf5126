"""The Audit page against a real API process and the real Docker engine: entries produced by real
container actions, filters (kept in the form), per-user isolation and backwards paging."""

from __future__ import annotations

import re
from collections.abc import Iterator

import docker
import httpx
import pytest
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from tests.support.auth import bearer
from tests.support.containers import remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.web import HTMX, ApiProcess, api_process, login, web_client

pytestmark = pytest.mark.docker

ROW = re.compile(r'data-testid="audit-row" data-entry-id="(\d+)" data-action="([^"]+)"')


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    root = tmp_path_factory.mktemp("web-audit")
    with api_process(root) as running:
        yield running


@pytest.fixture
def signed_in(
    settings: Settings, api: ApiProcess, docker_client: docker.DockerClient
) -> Iterator[list[tuple[TestClient, str]]]:
    """Two signed-in UIs (two users); their containers are removed afterwards."""
    with web_client(settings, api.base_url) as first, web_client(settings, api.base_url) as second:
        users = []
        for client in (first, second):
            account = api.account()
            assert login(client, account, next_page="/audit").status_code == 303
            users.append((client, account.email))
        try:
            yield users
        finally:
            remove_containers_of(docker_client, [email for _client, email in users])


def rows(page: str) -> list[tuple[int, str]]:
    return [(int(entry_id), action) for entry_id, action in ROW.findall(page)]


def container_actions(api: ApiProcess, client: TestClient, image: str) -> str:
    """Create, start, stop and delete a container through the API; returns its console id."""
    headers = bearer(client.cookies["mcp_session"])
    created = httpx.post(
        f"{api.base_url}/api/containers",
        json={"config": {"image": image}, "start": False},
        headers=headers,
        timeout=60,
    )
    assert created.status_code == 201, created.text
    container_id: str = created.json()["container_id"]
    for action in ("start", "stop"):
        answer = httpx.post(
            f"{api.base_url}/api/containers/{container_id}/{action}", headers=headers, timeout=60
        )
        assert answer.status_code == 200, answer.text
    deleted = httpx.delete(
        f"{api.base_url}/api/containers/{container_id}",
        params={"force": True},
        headers=headers,
        timeout=60,
    )
    assert deleted.status_code == 204, deleted.text
    return container_id


def test_audit_shows_the_users_own_actions_filters_them_and_pages_back(
    api: ApiProcess, signed_in: list[tuple[TestClient, str]], busybox_image: BuiltImage
) -> None:
    (owner, owner_email), (other, other_email) = signed_in
    empty = owner.get("/audit")
    assert empty.status_code == 200 and 'href="/audit" aria-current="page"' in empty.text
    assert "Nothing recorded yet" in empty.text and rows(empty.text) == []

    container_id = container_actions(api, owner, busybox_image.tag)
    refused = httpx.post(
        f"{api.base_url}/api/containers/no-such-container/start",
        headers=bearer(owner.cookies["mcp_session"]),
    )
    assert refused.status_code == 404
    other_id = container_actions(api, other, busybox_image.tag)

    page = owner.get("/audit").text
    assert [action for _id, action in rows(page)] == [
        "container.start",
        "container.delete",
        "container.stop",
        "container.start",
        "container.create",
    ]
    assert page.count(f'data-target="{container_id}"') == 4
    assert other_id not in page and other_email not in page, "another user's entries stay hidden"
    assert page.count('data-testid="audit-outcome">success<') == 4
    assert 'data-testid="audit-outcome">failure<' in page and "CONTAINER_NOT_FOUND" in page
    assert owner_email in page
    assert 'data-testid="audit-older"' not in page

    others = other.get("/audit").text
    assert len(rows(others)) == 4 and container_id not in others


def test_filters_narrow_the_entries_and_stay_filled_in(
    api: ApiProcess, signed_in: list[tuple[TestClient, str]], busybox_image: BuiltImage
) -> None:
    (owner, owner_email), (_other, other_email) = signed_in
    container_id = container_actions(api, owner, busybox_image.tag)

    stops = owner.get("/audit", params={"action": "container.stop"})
    assert [action for _id, action in rows(stops.text)] == ["container.stop"]
    assert 'id="audit-action" name="action"' in stops.text
    assert 'value="container.stop"' in stops.text, "the filter stays filled in"

    by_target = owner.get("/audit", params={"target": container_id, "user": owner_email})
    assert len(rows(by_target.text)) == 4
    assert (
        f'value="{container_id}"' in by_target.text and f'value="{owner_email}"' in by_target.text
    )

    htmx = owner.get("/audit", params={"action": "container.create"}, headers=HTMX)
    assert htmx.status_code == 200 and "<html" not in htmx.text
    assert 'id="audit-results"' in htmx.text
    assert [action for _id, action in rows(htmx.text)] == ["container.create"]

    foreign = owner.get("/audit", params={"user": other_email})
    assert rows(foreign.text) == []
    assert "No audit entries match these filters" in foreign.text
    nothing = owner.get("/audit", params={"action": "container.explode"})
    assert "No audit entries match these filters" in nothing.text


def test_older_entries_are_reached_page_by_page(
    api: ApiProcess, signed_in: list[tuple[TestClient, str]], busybox_image: BuiltImage
) -> None:
    owner, _email = signed_in[0]
    container_actions(api, owner, busybox_image.tag)
    container_actions(api, owner, busybox_image.tag)
    everything = rows(owner.get("/audit").text)
    assert len(everything) == 8

    seen: list[tuple[int, str]] = []
    url: str | None = "/audit?limit=3"
    while url is not None:
        page = owner.get(url, headers=HTMX)
        assert page.status_code == 200
        seen += rows(page.text)
        older = re.search(r'href="([^"]+)" data-testid="audit-older"', page.text)
        url = older.group(1).replace("&amp;", "&") if older else None
        assert url is None or "limit=3" in url, "the page size is kept"
    assert seen == everything
    assert "No older entries" in owner.get(f"/audit?limit=3&before_id={everything[-1][0]}").text

    for nonsense in ("limit=abc", "limit=0", "before_id=-4", "limit=100000"):
        assert owner.get(f"/audit?{nonsense}").status_code == 200, nonsense
