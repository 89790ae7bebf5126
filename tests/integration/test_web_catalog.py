"""The Catalog page and an item's details against a real API process whose Docker catalog is a
local stand-in (`registry_servers`) serving a small catalog written here; the Official Registry
source points at the same stand-in and fails, so the merged search is partial."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from tests.support.catalog_entries import DOCS_URL, catalog_document, docker_entry, echo_entry
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.web import (
    HTMX,
    INLINE_SCRIPT,
    ApiProcess,
    api_process,
    local_catalog_env,
    login,
    web_client,
)

ITEM_ID = re.compile(r'data-testid="catalog-item" data-item-id="([^"]+)"')


CATALOG = {
    "echo-server": echo_entry("example/echo:1.0"),
    "weather": docker_entry("Weather", "weather", ["forecast", "test"], "example/weather:2"),
    "weather-alerts": docker_entry("Weather alerts", "weather", ["forecast"], "example/alerts:1"),
    "calendar": docker_entry("Calendar", "productivity", ["time"], "example/calendar:1"),
    "notes": docker_entry("Notes", "productivity", ["notes"]),  # no image: not installable
}


@pytest.fixture(scope="module")
def servers() -> Iterator[RegistryServers]:
    with registry_servers() as running:
        running.state.docker_yaml = catalog_document(CATALOG)
        running.state.failing = {"official"}
        yield running


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, servers: RegistryServers) -> Iterator[ApiProcess]:
    with api_process(
        tmp_path_factory.mktemp("web-catalog"),
        local_catalog_env(servers, "docker,official"),
    ) as running:
        yield running


@pytest.fixture
def web(settings: Settings, api: ApiProcess) -> Iterator[TestClient]:
    with web_client(settings, api.base_url) as client:
        assert login(client, api.account()).status_code == 303
        yield client


def page(
    web: TestClient, url: str, status: int = 200, headers: dict[str, str] | None = None
) -> str:
    """The page's HTML, after checking its status and that no script is inline."""
    response: httpx2.Response = web.get(url, headers=headers)
    assert response.status_code == status, response.text
    assert not INLINE_SCRIPT.search(response.text)
    return response.text


def item_ids(text: str) -> list[str]:
    return ITEM_ID.findall(text)


def count(text: str) -> str:
    match = re.search(r'data-testid="catalog-count"><strong>(\d+)</strong>', text)
    assert match, text
    return match.group(1)


def test_search_by_words_category_and_installable_only(web: TestClient) -> None:
    everything = page(web, "/catalog?source=docker")
    assert count(everything) == "5" and len(item_ids(everything)) == 5
    assert '<option value="">All sources</option>' in everything
    for label in ("Docker", "GitHub", "Official"):
        assert f">{label}</option>" in everything
    assert re.search(r'<option value="docker" selected>Docker</option>', everything)
    facets = html.unescape(re.sub(r"\s+", " ", everything))
    assert re.search(r"<span>weather</span> <span [^>]*>2</span>", facets), "category counts"
    assert re.search(r"<span>forecast</span> <span [^>]*>2</span>", facets), "tag counts"

    assert item_ids(page(web, "/catalog?source=docker&q=echo")) == ["docker:echo-server"]
    assert item_ids(page(web, "/catalog?source=docker&q=revers")) == ["docker:echo-server"]

    weather = page(web, "/catalog?source=docker&category=weather")
    assert sorted(item_ids(weather)) == ["docker:weather", "docker:weather-alerts"]
    assert '<input type="hidden" name="category" value="weather">' in weather
    assert 'href="/catalog?source=docker" hx-get="/catalog?source=docker"' in weather, "remove"

    tagged = page(web, "/catalog?source=docker&tag=test")
    assert sorted(item_ids(tagged)) == ["docker:echo-server", "docker:weather"]

    installable = page(web, "/catalog?source=docker&installable=true")
    assert "docker:notes" not in item_ids(installable) and count(installable) == "4"
    assert re.search(r'id="catalog-installable"[^>]*checked', installable)
    listed = page(web, "/catalog?source=docker&q=notes")
    assert 'data-testid="catalog-not-installable"' in listed

    nothing = page(web, "/catalog?source=docker&q=zzzz-nothing")
    assert 'data-testid="catalog-empty"' in nothing and "No servers match" in nothing
    assert 'href="/catalog"' in nothing and count(nothing) == "0"


def test_pages_keep_the_filters(web: TestClient) -> None:
    first = page(web, "/catalog?source=docker&installable=true&page_size=2")
    assert count(first) == "4" and len(item_ids(first)) == 2
    assert "Page 1 of 2" in first and 'data-testid="catalog-previous"' not in first
    following = "/catalog?source=docker&amp;installable=true&amp;page=2&amp;page_size=2"
    assert f'href="{following}"' in first and f'hx-get="{following}"' in first

    second = page(web, html.unescape(following))
    assert "Page 2 of 2" in second and 'data-testid="catalog-next"' not in second
    assert not set(item_ids(first)) & set(item_ids(second))
    assert "docker:notes" not in item_ids(first) + item_ids(second)
    previous = "/catalog?source=docker&amp;installable=true&amp;page_size=2"
    assert f'href="{previous}"' in second
    assert '<input type="hidden" name="page_size" value="2">' in second

    beyond = page(web, "/catalog?source=docker&page=9")
    assert "No servers on page 9" in beyond and 'href="/catalog?source=docker"' in beyond


def test_htmx_search_answers_only_the_results_and_the_facet_inputs(web: TestClient) -> None:
    full = page(web, "/catalog")
    assert 'hx-trigger="input changed delay:300ms from:#catalog-q' in full
    assert 'hx-select="#catalog-results"' in full and 'hx-push-url="true"' in full
    assert '<form id="catalog-search"' in full and 'method="get" action="/catalog"' in full

    fragment = page(web, "/catalog?q=weather&source=docker&category=weather", headers=HTMX)
    assert "<html" not in fragment and "<head" not in fragment
    assert 'id="catalog-results"' in fragment and 'id="catalog-facet-inputs"' in fragment
    assert sorted(item_ids(fragment)) == ["docker:weather", "docker:weather-alerts"]


def test_partial_results_name_the_failing_source_and_show_the_rest(web: TestClient) -> None:
    merged = page(web, "/catalog")
    assert 'data-testid="catalog-partial"' in merged
    failure = re.search(
        r'data-testid="catalog-source-error" data-source="official">(.*?)</li>', merged
    )
    assert failure, merged
    assert "Official" in failure.group(1) and "CATALOG_SOURCE_UNAVAILABLE" in failure.group(1)
    assert len(item_ids(merged)) == 5, "the Docker servers are still listed"

    unknown = page(web, "/catalog?source=custom-999", status=404)
    assert "CATALOG_SOURCE_NOT_FOUND" in unknown and 'role="alert"' in unknown
    assert 'href="/catalog"' in unknown


def test_item_detail_shows_tools_secrets_parameters_and_the_docs_link(web: TestClient) -> None:
    detail = page(web, "/catalog/items/docker:echo-server")
    assert 'data-testid="item-title">Echo server<' in detail
    for text in ("Returns its input unchanged", "Returns its input backwards", "ECHO_API_KEY"):
        assert text in detail
    assert re.search(r"<code>echo</code></td><td>Returns its input unchanged", detail)
    assert re.search(r"<td>echo-server.api_key</td><td><code>ECHO_API_KEY</code></td>", detail)
    assert 'data-testid="item-parameter"' in detail and "<code>eu</code>" in detail
    assert 'data-testid="item-image">example/echo:1.0<' in detail and "testing" in detail
    docs = re.search(r'<a [^>]*data-testid="docs-link"[^>]*>', detail)
    assert docs and f'href="{DOCS_URL}"' in docs.group(0)
    assert 'rel="noopener noreferrer"' in docs.group(0)
    assert 'href="/catalog/items/docker:echo-server/install"' in detail

    notes = page(web, "/catalog/items/docker:notes")
    assert 'data-testid="install-link"' not in notes
    assert 'data-testid="install-note"' in notes and "No container image" in notes

    missing = page(web, "/catalog/items/docker:no-such-server", status=404)
    assert 'data-testid="catalog-item-missing"' in missing and "docker:no-such-server" in missing
    assert 'href="/catalog"' in missing
