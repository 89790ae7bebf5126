"""Every source adapter against local servers that serve the real registry snapshot."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator

import pytest

from mcp_console.catalog.errors import RateLimitedError
from mcp_console.catalog.schemas import CatalogItem
from mcp_console.catalog.sources.docker import DockerCatalogSource
from mcp_console.catalog.sources.github import GitHubRegistrySource
from mcp_console.catalog.sources.official import OfficialRegistrySource
from mcp_console.core.logging import secret_registry
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard, SsrfPolicy
from tests.support.registry_servers import (
    EXTRA_OFFICIAL,
    OFFICIAL_PREFIX,
    REPO,
    RegistryServers,
    registry_servers,
)

TOKEN = "ghp_catalogTestToken0123456789abcdef"


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


@pytest.fixture
async def fetcher(registry: RegistryServers) -> AsyncIterator[SafeFetcher]:
    registry.reset_counts()
    registry.state.archive_enabled = True
    registry.state.rate_limited = False
    policy = SsrfPolicy(allow_insecure=True, allow_cidrs=(ipaddress.ip_network("127.0.0.1/32"),))
    fetcher = SafeFetcher(SsrfGuard(policy))
    yield fetcher
    await fetcher.aclose()


def _with_image(registry: RegistryServers) -> dict[str, str]:
    return {
        snap.server["name"]: snap.server["image"]
        for snap in registry.state.snapshot
        if snap.server.get("image")
    }


@pytest.mark.parametrize("fmt", ["yaml", "json"])
async def test_docker_catalog_file_parses_every_real_entry(
    registry: RegistryServers, fetcher: SafeFetcher, fmt: str
) -> None:
    url = registry.docker_url if fmt == "yaml" else registry.docker_json_url
    result = await DockerCatalogSource("docker", url, fetcher).fetch()
    images = {item.name: item.image for item in result.items if item.image}
    assert images == _with_image(registry)
    assert len(result.items) == len(registry.state.snapshot)
    assert result.skipped == 0
    assert sum(registry.state.hits.values()) == 1


async def test_github_archive_and_contents_api_give_the_same_catalog(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    source = GitHubRegistrySource(registry.base_url, REPO, fetcher)
    from_archive = await source.fetch()
    assert dict(registry.state.hits) == {"tarball": 1, "codeload": 1}

    registry.reset_counts()
    registry.state.archive_enabled = False
    from_contents = await source.fetch()
    files = sum(
        len(s.files.keys() & {"server.yaml", "tools.json"}) for s in registry.state.snapshot
    )
    assert registry.state.hits["contents"] == files
    assert registry.state.hits["tree"] == 1

    dump = [i.model_dump() for i in from_archive.items]
    assert dump == [i.model_dump() for i in from_contents.items]
    images = {item.name: item.image for item in from_archive.items if item.image}
    assert images == _with_image(registry)
    with_tools = {
        s.server["name"] for s in registry.state.snapshot if s.tools or s.server.get("tools")
    }
    assert {i.name for i in from_archive.items if i.tools} == with_tools


async def test_sources_built_from_the_same_data_agree(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    docker = await DockerCatalogSource("docker", registry.docker_url, fetcher).fetch()
    github = await GitHubRegistrySource(registry.base_url, REPO, fetcher).fetch()
    official = await OfficialRegistrySource(registry.base_url, 50, fetcher).fetch()

    def view(items: list[CatalogItem], prefix: str = "") -> dict[str, tuple[object, ...]]:
        # Secrets of remote servers are OAuth/header matters the official emulation leaves out.
        return {
            i.name.removeprefix(prefix): (
                i.image,
                i.transport,
                i.remote_url,
                [s.env for s in i.secrets] if i.image else [],
            )
            for i in items
            if i.name.startswith(prefix)
        }

    assert view(docker.items) == view(github.items)
    installable = {k: v for k, v in view(docker.items).items() if v[0] or v[2]}
    assert view(official.items, f"{OFFICIAL_PREFIX}/") == installable
    assert len(official.items) == len(installable) + EXTRA_OFFICIAL


async def test_official_registry_pages_and_latest_versions(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    entries = registry.state.official
    result = await OfficialRegistrySource(registry.base_url, 50, fetcher).fetch()
    pages = -(-len(entries) // registry.state.page_size)
    assert pages >= 3
    assert registry.state.hits["official"] == pages == result.upstream_requests
    assert {i.version for i in result.items if i.name.startswith(OFFICIAL_PREFIX)} == {"1.1.0"}
    remote_only = {
        f"{OFFICIAL_PREFIX}/{snap.server['name']}"
        for snap in registry.state.snapshot
        if snap.server.get("remote") and not snap.server.get("image")
    }
    not_installable = {i.name for i in result.items if not i.installable}
    assert not_installable == {"io.example/npm-only", "io.example/pypi-only"} | remote_only
    assert result.partial is None

    registry.reset_counts()
    capped = await OfficialRegistrySource(registry.base_url, 2, fetcher).fetch()
    assert registry.state.hits["official"] == 2
    assert len(capped.items) < len(result.items)
    assert capped.partial == (
        "more pages remain after CATALOG_OFFICIAL_MAX_PAGES=2; 100 entries read so far are shown"
    )


async def test_github_rate_limit_becomes_catalog_rate_limited(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    registry.state.rate_limited = True

    async def token() -> str:
        return TOKEN

    with pytest.raises(RateLimitedError) as caught:
        await GitHubRegistrySource(registry.base_url, REPO, fetcher, token).fetch()
    assert caught.value.code == "CATALOG_RATE_LIMITED"
    assert caught.value.status == 503
    assert caught.value.details["reset_at"] == 1900000000
    assert registry.state.hits["tarball"] == 1  # a rate limit is not retried
    assert registry.state.auth_headers == [f"Bearer {TOKEN}"]
    assert TOKEN not in secret_registry.scrub(f"token={TOKEN}")
