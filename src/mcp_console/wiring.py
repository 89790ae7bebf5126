"""Builders for every shared object, used only by the composition roots (`app.py`, `worker.py`),
the CLI and tests: the one place that knows how settings turn into clients and services.

Each builder takes the shared clients it needs rather than making its own, so a process holds
one Redis pool, one database engine, one Docker client and one SSRF guard.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from arq.connections import ArqRedis

from mcp_console.audit.service import AuditService
from mcp_console.auth.ratelimit import LoginRateLimiter
from mcp_console.auth.service import AuthService
from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.custom_sources import CustomSources
from mcp_console.catalog.documents import DocumentLimits, DocumentReader
from mcp_console.catalog.refresh import CatalogLoader
from mcp_console.catalog.service import CatalogService
from mcp_console.catalog.sources import CatalogSource
from mcp_console.catalog.sources.docker import DockerCatalogSource
from mcp_console.catalog.sources.github import GitHubRegistrySource, TokenProvider
from mcp_console.catalog.sources.official import OfficialRegistrySource
from mcp_console.containers.docker import DockerAdapter
from mcp_console.containers.locks import ContainerLocks
from mcp_console.containers.service import ContainerObserver, ContainerService
from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.redis import RedisService, bytes_pool
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard, SsrfPolicy
from mcp_console.credentials.service import CredentialService
from mcp_console.gateway.aggregate import DEFAULT_PAGE_SIZE, Connector, Directory, GatewayService
from mcp_console.gateway.caller import InflightCalls
from mcp_console.gateway.calls import CallLog
from mcp_console.gateway.checks import ProfileGuard
from mcp_console.gateway.events import GatewayEvents
from mcp_console.gateway.export import ContainerConfigs, DockerExport
from mcp_console.gateway.inventory import LiveInspector, ServerInventory
from mcp_console.gateway.mcp_server import GatewayMcpServer
from mcp_console.gateway.profiles import NoProfileChanges, ProfileChanges, ProfileService
from mcp_console.gateway.recorder import BackgroundRecorder
from mcp_console.gateway.redis_state import EventHub, McpSessionStore, RateLimiter
from mcp_console.gateway.runtime import EndpointRuntime
from mcp_console.gateway.tokens import TokenChanges, TokenService
from mcp_console.gateway.transport import GatewayEndpoint
from mcp_console.github.client import GitHubUserClient
from mcp_console.github.service import GitHubTokenService
from mcp_console.inspector import schemas as inspector_schemas
from mcp_console.inspector.client import Limits, McpClient, connect_docker_stdio, connect_remote
from mcp_console.inspector.pool import StdioSessionPool
from mcp_console.inspector.service import RemoteConnector
from mcp_console.jobs.queue import QUEUE_NAME, JobQueue
from mcp_console.jobs.serialization import deserialize, serialize
from mcp_console.jobs.store import JobStore
from mcp_console.secrets.cache import SecretCache
from mcp_console.secrets.resolver import SecretResolver
from mcp_console.vault.bitwarden import BitwardenCli
from mcp_console.vault.datadirs import LoginDirectories
from mcp_console.vault.sessions import SessionStore


def build_redis(settings: Settings) -> RedisService:
    return RedisService(settings.redis_url, settings.redis_timeout_seconds)


def build_ssrf_guard(settings: Settings) -> SsrfGuard:
    return SsrfGuard(SsrfPolicy.from_settings(settings))


def build_cli(settings: Settings) -> BitwardenCli:
    return BitwardenCli(settings.bitwarden_cli_path, settings.bitwarden_cli_timeout_seconds)


def build_session_store(settings: Settings, redis: RedisService) -> SessionStore:
    return SessionStore(
        redis, settings.session_timeout_minutes * 60, settings.session_max_hours * 3600
    )


@dataclass(frozen=True)
class Vault:
    """The vault parts a process shares between login (`auth`) and resolution (`secrets`)."""

    cli: BitwardenCli
    store: SessionStore
    dirs: LoginDirectories
    cache: SecretCache


def build_vault(settings: Settings, keys: KeyManager, redis: RedisService) -> Vault:
    return Vault(
        cli=build_cli(settings),
        store=build_session_store(settings, redis),
        dirs=LoginDirectories(settings.data_dir),
        cache=SecretCache(redis, keys.credential),
    )


def build_auth_service(
    settings: Settings, keys: KeyManager, redis: RedisService, vault: Vault
) -> AuthService:
    return AuthService(
        cli=vault.cli,
        store=vault.store,
        limiter=LoginRateLimiter(
            redis,
            per_address=settings.login_rate_limit_per_address,
            per_email=settings.login_rate_limit_per_email,
            window_seconds=settings.login_rate_limit_window_seconds,
        ),
        cache=vault.cache,
        dirs=vault.dirs,
        ring=keys.credential,
        hasher=keys.session_hasher,
        registry=secret_registry,
        cli_timeout_seconds=settings.bitwarden_cli_timeout_seconds,
    )


def build_secret_resolver(keys: KeyManager, vault: Vault) -> SecretResolver:
    return SecretResolver(
        store=vault.store,
        cache=vault.cache,
        cli=vault.cli,
        ring=keys.credential,
        dirs=vault.dirs,
        registry=secret_registry,
    )


def build_container_service(
    settings: Settings,
    redis: RedisService,
    database: Database,
    docker: DockerAdapter,
    resolver: SecretResolver,
    audit: AuditService,
    observer: ContainerObserver | None = None,
) -> ContainerService:
    return ContainerService(
        docker=docker,
        database=database,
        resolver=resolver,
        audit=audit,
        locks=ContainerLocks(redis),
        settings=settings,
        observer=observer,
    )


def build_job_queue(settings: Settings, redis: RedisService) -> JobQueue:
    """ARQ needs a bytes (not decoded) Redis connection."""
    arq = ArqRedis(
        connection_pool=bytes_pool(settings.redis_url, settings.redis_timeout_seconds),
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE_NAME,
    )
    return JobQueue(arq, build_job_store(settings, redis), redis)


def build_job_store(settings: Settings, redis: RedisService) -> JobStore:
    return JobStore(redis, settings.job_retention_hours * 3600)


def build_github_token_service(
    settings: Settings, database: Database, keys: KeyManager, guard: SsrfGuard, audit: AuditService
) -> GitHubTokenService:
    client = GitHubUserClient(settings.github_api_url, SafeFetcher(guard))
    return GitHubTokenService(CredentialService(database, keys), client, audit)


def build_catalog_service(
    settings: Settings,
    redis: RedisService,
    database: Database,
    guard: SsrfGuard | None = None,
    github_token: TokenProvider | None = None,
    audit: AuditService | None = None,
) -> CatalogService:
    """Tests may leave out the shared guard and audit log; the roots pass their own."""
    fetcher = SafeFetcher(guard or build_ssrf_guard(settings))
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
        audit or AuditService(database),
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


def limits_of(settings: Settings) -> Limits:
    return Limits(
        init_seconds=settings.mcp_init_timeout_seconds,
        call_seconds=settings.mcp_call_timeout_seconds,
        max_result_bytes=settings.mcp_max_result_bytes,
    )


def stdio_pool(docker: DockerAdapter, limits: Limits) -> StdioSessionPool:
    """Sessions over `docker attach` to the container's own stdin/stdout (docs/INSPECTOR.md)."""

    @contextlib.asynccontextmanager
    async def attached(docker_id: str) -> AsyncIterator[McpClient]:
        sock = await docker.attach_stdio(docker_id)
        async with connect_docker_stdio(sock, limits) as client:
            yield client

    return StdioSessionPool(attached)


def remote_connector(guard: SsrfGuard, limits: Limits) -> RemoteConnector:
    """Checks the URL (400 SSRF_BLOCKED with a reason) before the pinned client connects."""

    @contextlib.asynccontextmanager
    async def connect(server: inspector_schemas.RemoteServer) -> AsyncIterator[McpClient]:
        await guard.validate_url(str(server.url))
        async with connect_remote(server, guard.httpx2_client, limits) as client:
            yield client

    return connect


@dataclass(frozen=True)
class Gateway:
    """The gateway's configuration side: profiles, their checks, client tokens, the call log."""

    profiles: ProfileService
    guard: ProfileGuard
    tokens: TokenService
    calls: CallLog
    export: DockerExport


def build_gateway(
    settings: Settings,
    database: Database,
    keys: KeyManager,
    containers: ContainerConfigs,
    inspector: LiveInspector,
    changes: ProfileChanges | None = None,
    token_changes: TokenChanges | None = None,
) -> Gateway:
    """`changes` is told about every profile write (the endpoint's notifications) and
    `token_changes` about every revoke (the replicas' verification caches); without them,
    nobody is."""
    guard = ProfileGuard(ServerInventory(containers, inspector))
    profiles = ProfileService(
        database,
        changes or NoProfileChanges(),
        guard,
        public_url=settings.public_url,
        backups=settings.gateway_profile_backups,
    )
    return Gateway(
        profiles=profiles,
        guard=guard,
        tokens=TokenService(database, keys.gateway_tokens, profiles, token_changes),
        calls=CallLog(database),
        export=DockerExport(containers),
    )


def build_gateway_events(redis: RedisService) -> GatewayEvents:
    """The list-change publisher (containers and profiles tell it; the endpoint listens)."""
    return GatewayEvents(EventHub(redis))


def build_gateway_endpoint(
    settings: Settings,
    redis: RedisService,
    events: GatewayEvents,
    gateway: Gateway,
    containers: Directory,
    inspector: Connector,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> EndpointRuntime:
    """`/mcp/{profile}`: auth and sessions, the SDK server, aggregation (docs/GATEWAY.md)."""
    service = GatewayService(
        gateway.profiles,
        containers,
        inspector,
        settings.gateway_call_timeout_seconds,
        page_size,
        events.server_lists_changed,
        events.resource_updated,
    )
    recorder = BackgroundRecorder(gateway.calls)
    inflight = InflightCalls()
    sessions = McpSessionStore(redis, int(settings.gateway_session_idle_minutes * 60))
    server = GatewayMcpServer(service, recorder, inflight, sessions)
    endpoint = GatewayEndpoint(
        tokens=gateway.tokens,
        sessions=sessions,
        limiter=RateLimiter(redis, settings.gateway_rate_limit_per_minute),
        hub=events.hub,
        recorder=recorder,
        mcp=server.handle,
    )
    return EndpointRuntime(
        endpoint, service, events.hub, recorder, server, inflight, gateway.tokens.on_event
    )
