"""Catalog search latency (5,000-item synthetic catalog and the real snapshot), cold vs warm
catalog loads, and upstream requests of the GitHub source (archive vs per-file), in one run."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import SecretStr
from tests.support.processes import fresh_key
from tests.support.registry_servers import REPO, RegistryServers, registry_servers

from bench.support import markdown_table
from mcp_console.audit.service import AuditService
from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.custom_sources import CustomSources
from mcp_console.catalog.index import tokenize
from mcp_console.catalog.normalize import SourceResult
from mcp_console.catalog.refresh import CatalogLoader
from mcp_console.catalog.schemas import CatalogItem, CatalogQuery, ToolSummary
from mcp_console.catalog.service import CatalogService
from mcp_console.catalog.sources import CatalogSource
from mcp_console.catalog.sources.docker import DockerCatalogSource
from mcp_console.catalog.sources.github import GitHubRegistrySource
from mcp_console.core.db import Database
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard, SsrfPolicy

SYNTHETIC_ITEMS = 5000
QUERIES = ["git", "postgres", "search docs", "monitoring", "a", "zzz-nothing", "slack bot", ""]
ROUNDS = 40
WORDS = [
    "github", "git", "postgres", "mysql", "search", "docs", "slack", "bot", "browser",
    "metrics", "monitoring", "cloud", "aws", "azure", "kubernetes", "files", "notes",
    "calendar", "mail", "payments", "maps", "weather", "news",
]  # fmt: skip


class SyntheticSource:
    """A generated catalog of `SYNTHETIC_ITEMS` entries (no network)."""

    key = "synthetic"

    async def fetch(self) -> SourceResult:
        items = []
        for n in range(SYNTHETIC_ITEMS):
            words = [WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7, 11)]
            items.append(
                CatalogItem(
                    id=f"synthetic:server-{n}",
                    name=f"server-{n}",
                    title=f"{words[0].title()} {words[1]} {n}",
                    description=f"Talks to {words[2]} and {words[3]}.",
                    source="synthetic",
                    category=words[1],
                    tags=[words[2], words[3]],
                    image=f"example/server-{n}:1.0",
                    tools=[ToolSummary(name=f"{words[0]}_{k}") for k in range(3)],
                )
            )
        return SourceResult(items=items)


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[49], 3), round(cuts[94], 3)


async def _timed(call: Callable[[], Awaitable[object]], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _search_latency(service: CatalogService, source: str) -> list[float]:
    samples: list[float] = []
    for q in QUERIES:
        query = CatalogQuery(source=source, q=q or None, page_size=50)
        samples += await _timed(lambda query=query: service.search(query), ROUNDS)  # type: ignore[misc]
    return samples


async def _reparse_latency(service: CatalogService, source: str) -> list[float]:
    """The design this replaces: read and parse the whole cached catalog, then scan it."""

    async def once(q: str) -> None:
        loaded = await service.cache.items(source)
        assert loaded is not None
        items = loaded[1]
        wanted = tokenize(q)
        [
            i
            for i in items
            if all(any(w in t for t in tokenize(i.title + i.description)) for w in wanted)
        ]

    samples: list[float] = []
    for q in QUERIES:
        samples += await _timed(lambda q=q: once(q), 3)  # type: ignore[misc]
    return samples


async def _loads(service: CatalogService, source: str) -> list[tuple[str, float]]:
    query = CatalogQuery(source=source)
    await service.cache.invalidate(source)
    service.loader.indexes.clear()
    cold = (await _timed(lambda: service.search(query), 1))[0]
    service.loader.indexes.clear()
    new_process = (await _timed(lambda: service.search(query), 1))[0]
    warm = statistics.median(await _timed(lambda: service.search(query), 20))
    return [("cold (upstream fetch, parse, store, index)", cold),
            ("cached in Redis, new process (load + index)", new_process),
            ("warm (index in memory)", warm)]  # fmt: skip


async def _github_requests(servers: RegistryServers, guard: SsrfGuard) -> list[list[object]]:
    rows: list[list[object]] = []
    fetcher = SafeFetcher(guard)
    try:
        for label, archive in (("archive (tarball)", True), ("per-file (tree + contents)", False)):
            servers.reset_counts()
            servers.state.archive_enabled = archive
            started = time.perf_counter()
            result = await GitHubRegistrySource(servers.base_url, REPO, fetcher).fetch()
            elapsed = round((time.perf_counter() - started) * 1000)
            hits = sum(servers.state.hits.values())
            rows.append([label, len(result.items), hits, elapsed])
    finally:
        await fetcher.aclose()
        servers.state.archive_enabled = True
    return rows


async def _run(tmp: Path, servers: RegistryServers) -> str:
    settings = Settings(
        _env_file=None,
        redis_url=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
        database_url=f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        credential_encryption_key=SecretStr(fresh_key()),
        oauth_token_encryption_key=SecretStr(fresh_key()),
    )
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    redis, database = RedisService(settings.redis_url, 2.0), Database(settings.database_url)
    policy = SsrfPolicy(allow_insecure=True, allow_cidrs=(ipaddress.ip_network("127.0.0.1/32"),))
    guard = SsrfGuard(policy)
    fetcher = SafeFetcher(guard)
    builtin: dict[str, tuple[CatalogSource, str]] = {
        "docker": (DockerCatalogSource("docker", servers.docker_url, fetcher), servers.docker_url),
        "synthetic": (SyntheticSource(), "generated"),
    }
    cache = CatalogCache(redis, settings.catalog_cache_ttl_seconds)
    custom = CustomSources(database, guard, cache, AuditService(database))
    service = CatalogService(builtin, ["docker"], CatalogLoader(cache), custom, fetcher)
    try:
        search_rows = []
        for source, label in (("synthetic", f"synthetic, {SYNTHETIC_ITEMS} items"),
                              ("docker", "real snapshot (Docker format)")):  # fmt: skip
            await service.search(CatalogQuery(source=source))
            p50, p95 = _percentiles(await _search_latency(service, source))
            r50, r95 = _percentiles(await _reparse_latency(service, source))
            search_rows.append([label, p50, p95, r50, r95, round(r50 / p50, 1)])
        load_rows = [[label, round(ms, 1)] for label, ms in await _loads(service, "docker")]
        github_rows = await _github_requests(servers, guard)
    finally:
        await service.cache.invalidate("synthetic")
        await service.cache.invalidate("docker")
        await service.aclose()
        await redis.close()
        await database.close()
    return (
        "## Catalog\n\n"
        "Search = `CatalogService.search` with a warm index (one small Redis read for the "
        "version, then the in-memory index), over the queries "
        f"{', '.join(repr(q) for q in QUERIES)}, {ROUNDS} rounds each. 'Re-parse' is the "
        "naive alternative measured in the same run: load and parse the cached JSON, then scan.\n\n"
        + markdown_table(
            ["catalog", "p50 ms", "p95 ms", "re-parse p50 ms", "re-parse p95 ms", "speed-up"],
            search_rows,
        )
        + "\nCatalog load (real snapshot, Docker format, local HTTP server):\n\n"
        + markdown_table(["load", "ms"], load_rows)
        + "\nGitHub source, upstream HTTP requests for one refresh of the real snapshot:\n\n"
        + markdown_table(["mode", "items", "upstream requests", "ms"], github_rows)
    )


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp, registry_servers() as servers:
        return asyncio.run(_run(Path(tmp), servers))


if __name__ == "__main__":
    print(run())
