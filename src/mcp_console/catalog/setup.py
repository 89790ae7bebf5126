"""Wires the catalog service from settings (called once by the lifespan)."""

from __future__ import annotations

from mcp_console.audit.service import AuditService
from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.custom_sources import CustomSources
from mcp_console.catalog.documents import DocumentLimits, DocumentReader
from mcp_console.catalog.refresh import CatalogLoader
from mcp_console.catalog.service import CatalogService
from mcp_console.catalog.sources import CatalogSource
from mcp_console.catalog.sources.docker import DockerCatalogSource
from mcp_console.catalog.sources.github import GitHubRegistrySource, TokenProvider
from mcp_console.catalog.sources.official import OfficialRegistrySource
from mcp_console.core.db import Database
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard, SsrfPolicy


def build_catalog_service(
    settings: Settings,
    redis: RedisService,
    database: Database,
    guard: SsrfGuard | None = None,
    github_token: TokenProvider | None = None,
) -> CatalogService:
    fetcher = SafeFetcher(guard or SsrfGuard(SsrfPolicy.from_settings(settings)))
    reader = DocumentReader(DocumentLimits.from_settings(settings))
    github_url = f"{settings.github_api_url.rstrip('/')}/repos/{settings.catalog_github_repo}"
    builtin: dict[str, tuple[CatalogSource, str]] = {
        "docker": (
            DockerCatalogSource("docker", settings.catalog_docker_url, fetcher, reader),
            settings.catalog_docker_url,
        ),
        "github": (
            GitHubRegistrySource(
                settings.github_api_url,
                settings.catalog_github_repo,
                fetcher,
                github_token,
                reader,
            ),
            github_url,
        ),
        "official": (
            OfficialRegistrySource(
                settings.catalog_official_url,
                settings.catalog_official_max_pages,
                fetcher,
                reader,
            ),
            settings.catalog_official_url,
        ),
    }
    enabled = [part.strip() for part in settings.catalog_sources.split(",") if part.strip()]
    cache = CatalogCache(
        redis, settings.catalog_cache_ttl_seconds, settings.catalog_error_ttl_seconds
    )
    custom = CustomSources(
        database,
        fetcher.guard,
        cache,
        AuditService(database),
        settings.catalog_max_private_sources,
        frozenset(builtin),
    )
    loader = CatalogLoader(
        cache,
        wait_seconds=settings.catalog_search_wait_seconds,
        fetch_seconds=settings.catalog_fetch_timeout_seconds,
        is_current=custom.is_current,
    )
    return CatalogService(builtin, enabled, loader, custom, fetcher, reader)
