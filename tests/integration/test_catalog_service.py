"""CatalogService with real Redis, a migrated SQLite database and the local registry servers."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis

from mcp_console.catalog.errors import ItemNotFoundError, UnknownSourceError
from mcp_console.catalog.ownership import Viewer
from mcp_console.catalog.schemas import CatalogQuery, SourceCreate, SourceIn
from mcp_console.catalog.service import CatalogService
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SsrfBlockedError, SsrfGuard, SsrfPolicy
from mcp_console.wiring import build_catalog_service
from tests.support.registry_servers import RegistryServers, SnapshotServer, registry_servers

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


def _configured(settings: Settings, registry: RegistryServers, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "catalog_docker_url": registry.docker_url,
            "catalog_official_url": registry.base_url,
            "github_api_url": registry.base_url,
            "catalog_sources": "docker,official",
            "allow_insecure_endpoint": True,
            **extra,
        }
    )


class Harness:
    """Builds services the way the lifespan does, one per simulated API process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.opened: list[tuple[CatalogService, RedisService, Database]] = []

    def service(self, **extra: Any) -> CatalogService:
        settings = self.settings.model_copy(update=extra)
        redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
        database = Database(settings.database_url)
        guard = SsrfGuard(SsrfPolicy(allow_insecure=True, allow_cidrs=LOOPBACK))
        service = build_catalog_service(settings, redis, database, guard)
        self.opened.append((service, redis, database))
        return service

    async def close(self) -> None:
        for service, redis, database in self.opened:
            await service.aclose()
            await redis.close()
            await database.close()


@pytest.fixture
async def harness(
    settings: Settings, registry: RegistryServers, redis_client: Redis
) -> AsyncIterator[Harness]:
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    registry.reset_counts()
    registry.state.failing = set()
    registry.state.delay_seconds = 0.0
    registry.state.rate_limited = False
    harness = Harness(_configured(settings, registry))
    yield harness
    await harness.close()


def _tokens(snap: SnapshotServer) -> set[str]:
    data = snap.server
    about, meta = data.get("about", {}), data.get("meta", {})
    tools = snap.tools or data.get("tools") or []
    texts = [data["name"], about.get("title") or "", about.get("description") or ""]
    texts += [meta.get("category") or "", *meta.get("tags", []), *(t["name"] for t in tools)]
    return {token for text in texts for token in re.findall(r"[a-z0-9]+", str(text).lower())}


def _expected(registry: RegistryServers, **conditions: Any) -> set[str]:
    names = set()
    for snap in registry.state.snapshot:
        meta, remote = snap.server.get("meta", {}), snap.server.get("remote") or {}
        facts = {
            "category": meta.get("category"),
            "transport": remote.get("transport_type", "stdio"),
            "installable": bool(snap.server.get("image")),
        }
        if any(facts[k] != v for k, v in conditions.items() if k in facts):
            continue
        if "tag" in conditions and conditions["tag"] not in meta.get("tags", []):
            continue
        query = re.findall(r"[a-z0-9]+", conditions.get("q", "").lower())
        if all(any(t.startswith(q) for t in _tokens(snap)) for q in query):
            names.add(snap.server["name"])
    return names


@pytest.mark.parametrize(
    "conditions",
    [
        {},
        {"category": "database"},
        {"tag": "remote"},
        {"transport": "sse"},
        {"installable": False},
        {"q": "grafana"},
        {"q": "aws doc"},
        {"q": "git", "category": "devops"},
        {"q": "search", "transport": "streamable-http"},
    ],
)
async def test_search_and_filters_match_expected_sets(
    harness: Harness, registry: RegistryServers, conditions: dict[str, Any]
) -> None:
    page = await harness.service().search(
        CatalogQuery(source="docker", page_size=200, **conditions)
    )
    every = list(page.items)
    for number in range(2, -(-page.total // 200) + 1):
        query = CatalogQuery(source="docker", page=number, page_size=200, **conditions)
        every += (await harness.service().search(query)).items
    assert {item.name for item in every} == _expected(registry, **conditions)
    assert page.total == len(every)
    assert page.facets.categories == dict(Counter(i.category for i in every if i.category))
    assert page.facets.tags == dict(Counter(t for i in every for t in i.tags))


async def test_pagination_slices_one_stable_order(harness: Harness) -> None:
    service = harness.service()
    full = await service.search(CatalogQuery(source="docker", page_size=200))
    rest = await service.search(CatalogQuery(source="docker", page=2, page_size=200))
    pages = []
    for number in range(1, 8):
        pages += (
            await service.search(CatalogQuery(source="docker", page=number, page_size=50))
        ).items
    assert [i.id for i in pages] == [i.id for i in full.items + rest.items]
    assert len({i.id for i in pages}) == full.total == len(pages)
    beyond = await service.search(CatalogQuery(source="docker", page=99, page_size=50))
    assert beyond.items == [] and beyond.total == full.total


async def test_a_failing_source_gives_partial_results(
    harness: Harness, registry: RegistryServers
) -> None:
    registry.state.failing = {"official"}
    service = harness.service()
    page = await service.search(CatalogQuery(page_size=200))
    assert page.partial is True
    assert [(e.source, e.code) for e in page.errors] == [("official", "CATALOG_SOURCE_UNAVAILABLE")]
    assert page.total == len(registry.state.snapshot)
    assert {item.source for item in page.items} == {"docker"}
    with pytest.raises(AppError) as caught:
        await service.search(CatalogQuery(source="official"))
    assert caught.value.status == 502


async def test_twenty_concurrent_cold_requests_fetch_once(
    harness: Harness, registry: RegistryServers
) -> None:
    registry.state.delay_seconds = 0.3
    first, second = harness.service(), harness.service()  # two "processes", one Redis
    pages = await asyncio.gather(
        *(
            (first if n % 2 else second).search(CatalogQuery(source="docker", q="git"))
            for n in range(20)
        )
    )
    assert registry.state.hits["docker_yaml"] == 1
    assert len({page.total for page in pages}) == 1
    assert first.loader.upstream_fetches + second.loader.upstream_fetches == 1
    # The index is built once per catalog version in each process, not per request.
    assert first.loader.indexes.builds == 1
    assert second.loader.indexes.builds == 1
    await first.search(CatalogQuery(source="docker", q="slack"))
    assert first.loader.indexes.builds == 1


async def test_stale_copy_is_served_while_one_refresh_runs(
    harness: Harness, registry: RegistryServers
) -> None:
    service = harness.service(catalog_cache_ttl_seconds=1)
    await service.search(CatalogQuery(source="docker"))
    version = (await service.cache.state("docker")).version  # type: ignore[union-attr]
    await asyncio.sleep(1.1)
    registry.state.delay_seconds = 0.5
    started = time.perf_counter()
    pages = await asyncio.gather(
        *(service.search(CatalogQuery(source="docker")) for _ in range(10))
    )
    assert time.perf_counter() - started < 0.4  # nobody waited for the slow upstream
    assert all(page.total == pages[0].total for page in pages)
    deadline = time.monotonic() + 5
    while (await service.cache.state("docker")).version == version:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert registry.state.hits["docker_yaml"] == 2


async def test_item_lookup(harness: Harness) -> None:
    service = harness.service()
    item = await service.item("docker:grafana")
    assert (item.image, item.category) == ("mcp/grafana", "monitoring")
    assert item.secrets[0].env == "GRAFANA_API_KEY"
    assert item.env[0].value == "{{grafana.url}}"
    for missing in ("docker:no-such-server", "nosuch:grafana", "custom-999:x"):
        with pytest.raises(ItemNotFoundError):
            await service.item(missing)


async def test_custom_sources_are_validated_stored_and_searchable(
    harness: Harness, registry: RegistryServers
) -> None:
    service, owner = harness.service(), Viewer("a@b.c")
    with pytest.raises(SsrfBlockedError) as blocked:
        await service.add_source(SourceCreate(name="meta", url="http://169.254.169.254/"), owner)
    assert blocked.value.reason == "metadata_endpoint"
    added = await service.add_source(SourceCreate(name="mine", url=registry.docker_url), owner)
    assert (added.kind, added.scope, added.owner, added.can_edit) == (
        "custom",
        "private",
        "a@b.c",
        True,
    )
    mine = await service.search(CatalogQuery(source=added.id, q="grafana"), owner)
    assert {i.id for i in mine.items} == {f"custom-{added.id}:grafana"}
    combined = await service.search(CatalogQuery(q="grafana"), owner)
    assert {i.source for i in combined.items} == {"docker", "official", f"custom-{added.id}"}

    changed = SourceIn(name="mine", url=registry.docker_json_url)
    await service.update_source(added.id, changed, owner)
    await service.search(CatalogQuery(source=added.id), owner)
    assert registry.state.hits["docker_json"] == 1
    listed = {s.id: s for s in await service.sources(owner)}
    assert listed[added.id].url == registry.docker_json_url
    assert {"docker", "github", "official"} <= set(listed)

    await service.delete_source(added.id, owner)
    with pytest.raises(UnknownSourceError):
        await service.search(CatalogQuery(source=added.id), owner)


async def test_clearing_the_cache_forces_one_new_fetch(
    harness: Harness, registry: RegistryServers
) -> None:
    service = harness.service()
    await service.search(CatalogQuery(source="docker"))
    with pytest.raises(AppError) as refused:
        await service.clear_cache(Viewer("user@example.test"))
    assert refused.value.code == "CATALOG_CACHE_FORBIDDEN"
    assert await service.clear_cache(Viewer("ops@example.test", admin=True)) >= 1
    await service.search(CatalogQuery(source="docker"))
    await service.search(CatalogQuery(source="docker"))
    assert registry.state.hits["docker_yaml"] == 2


async def test_github_rate_limit_reaches_the_caller(
    harness: Harness, registry: RegistryServers
) -> None:
    registry.state.rate_limited = True
    with pytest.raises(AppError) as caught:
        await harness.service().search(CatalogQuery(source="github"))
    assert (caught.value.code, caught.value.status) == ("CATALOG_RATE_LIMITED", 503)
    assert caught.value.details["reset_at"] == 1900000000
