"""All configuration in one place, read from the environment (and an optional `.env`)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the console reads; `docs/CONFIGURATION.md` and `.env.example` list them all."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = "development"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_seconds: float = Field(default=0.4, gt=0, le=10)
    database_url: str = "sqlite+aiosqlite:///./data/mcp-console.db"
    docker_host: str = "unix:///var/run/docker.sock"
    data_dir: Path = Path("./data")
    # A float so tests can use a few seconds (0.05 = 3 s); operators set whole minutes.
    session_timeout_minutes: float = Field(default=30, gt=0, le=24 * 60)
    session_max_hours: float = Field(default=12, gt=0, le=24 * 30)
    login_rate_limit_per_address: int = Field(default=20, ge=1, le=10_000)
    login_rate_limit_per_email: int = Field(default=5, ge=1, le=10_000)
    login_rate_limit_window_seconds: int = Field(default=900, ge=1, le=24 * 3600)
    job_retention_hours: int = Field(default=24, ge=1, le=24 * 30)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_request_body: bool = False
    cors_origins: str = ""
    api_url: str = "http://127.0.0.1:8000"
    # Peers whose X-Forwarded-For/-Proto uvicorn applies (a reverse proxy; for the API, the web).
    forwarded_allow_ips: str = "127.0.0.1"
    bitwarden_cli_path: str = "bw"
    bitwarden_cli_timeout_seconds: float = Field(default=60, gt=0, le=600)
    health_check_interval_seconds: float = Field(default=5.0, gt=0, le=300)
    job_timeout_seconds: int = Field(default=600, ge=1, le=24 * 3600)
    job_max_tries: int = Field(default=3, ge=1, le=20)
    worker_max_jobs: int = Field(default=10, ge=1, le=1000)
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0, le=300)
    cleanup_interval_minutes: int = Field(default=5, ge=1, le=24 * 60)
    catalog_cache_ttl_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    catalog_sources: str = "docker,official"
    catalog_docker_url: str = "https://desktop.docker.com/mcp/catalog/v2/catalog.yaml"
    catalog_official_url: str = "https://registry.modelcontextprotocol.io"
    catalog_official_max_pages: int = Field(default=50, ge=1, le=1000)
    catalog_github_repo: str = "docker/mcp-registry"
    # Untrusted catalogs (docs/CATALOG.md#untrusted-catalogs): bounds of one source's documents,
    # the parse time budget, and how long a failed source is remembered before it is retried.
    catalog_max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=1024**3)
    catalog_max_items: int = Field(default=10_000, ge=1, le=1_000_000)
    catalog_max_item_bytes: int = Field(default=512 * 1024, ge=1024, le=64 * 1024**2)
    catalog_max_depth: int = Field(default=32, ge=4, le=256)
    catalog_parse_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    catalog_error_ttl_seconds: int = Field(default=60, ge=1, le=24 * 3600)
    # A search waits this long for sources being fetched (then reports them pending); one fetch
    # may take at most `catalog_fetch_timeout_seconds` (below the 120 s refresh lock).
    catalog_search_wait_seconds: float = Field(default=8.0, gt=0, le=600)
    catalog_fetch_timeout_seconds: float = Field(default=60.0, gt=0, le=110)
    # Private catalog sources one user may keep (each cached catalog costs every API process
    # memory); global sources, added by operators, do not count.
    catalog_max_private_sources: int = Field(default=10, ge=0, le=1000)
    github_api_url: str = "https://api.github.com"
    # Operators (comma-separated e-mails): they alone add, change and delete global catalog sources.
    admin_emails: str = ""
    allow_insecure_endpoint: bool = False
    # Test-only escape hatch of the SSRF policy (comma-separated CIDRs); logged loudly when set.
    ssrf_allow_cidrs: str = ""
    # Container safe defaults (docs/CONTAINERS.md): caps for containers that set none, and the
    # only host directories a container may mount (comma-separated; empty = no host mounts).
    container_default_memory: str = Field(default="512m", pattern=r"^\d+[bkmgBKMG]?$")
    container_default_cpus: float = Field(default=1.0, gt=0, le=256)
    allowed_mount_roots: str = ""
    # Catalog entries (server names, comma-separated) that may mount a host socket such as
    # /var/run/docker.sock; empty = none may (docs/SECURITY.md).
    catalog_docker_socket_entries: str = ""
    # Registries images may be pulled from (docs/SSRF.md#image-registries): `host[:port]`,
    # `*.domain` or `*` (any public host); an image without a registry host is on docker.io.
    image_registry_allowlist: str = (
        "docker.io,ghcr.io,quay.io,mcr.microsoft.com,public.ecr.aws,gcr.io,registry.gitlab.com"
    )
    # MCP inspector time limits (docs/INSPECTOR.md): the handshake, then each request after it.
    mcp_init_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    mcp_call_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Untrusted server output: a tool result, resource contents or prompt over this many bytes
    # is truncated with a visible notice (docs/INSPECTOR.md, docs/GATEWAY.md).
    mcp_max_result_bytes: int = Field(default=1_048_576, ge=1024, le=256 * 1_048_576)
    # The MCP gateway (docs/GATEWAY.md). PUBLIC_URL is where AI clients reach the API.
    public_url: str = "http://127.0.0.1:8000"
    gateway_rate_limit_per_minute: int = Field(default=120, ge=1, le=100_000)
    gateway_call_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    gateway_profile_backups: int = Field(default=20, ge=1, le=1000)
    gateway_session_idle_minutes: float = Field(default=60, gt=0, le=24 * 60)
    # Keys stay opaque strings here; `core.keys.KeyManager` validates them so that a malformed key
    # is reported without ever echoing its value (pydantic errors would print the input).
    credential_encryption_key: SecretStr | None = None
    oauth_token_encryption_key: SecretStr | None = None

    @cached_property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def admin_email_set(self) -> frozenset[str]:
        """Operator e-mails, case-folded (e-mail addresses are compared without case)."""
        return frozenset(e.strip().casefold() for e in self.admin_emails.split(",") if e.strip())

    def is_admin(self, email: str) -> bool:
        return email.casefold() in self.admin_email_set

    @property
    def allowed_mount_root_list(self) -> list[Path]:
        return [Path(root.strip()) for root in self.allowed_mount_roots.split(",") if root.strip()]

    @property
    def docker_socket_entry_list(self) -> list[str]:
        return [n.strip() for n in self.catalog_docker_socket_entries.split(",") if n.strip()]

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def setting_names() -> list[str]:
    """Environment variable names of every setting (used to keep the docs complete)."""
    return [name.upper() for name in Settings.model_fields]
