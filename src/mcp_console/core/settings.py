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
    session_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    job_retention_hours: int = Field(default=24, ge=1, le=24 * 30)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_request_body: bool = False
    cors_origins: str = ""
    api_url: str = "http://127.0.0.1:8000"
    bitwarden_cli_path: str = "bw"
    health_check_interval_seconds: float = Field(default=5.0, gt=0, le=300)
    # Keys stay opaque strings here; `core.keys.KeyManager` validates them so that a malformed key
    # is reported without ever echoing its value (pydantic errors would print the input).
    credential_encryption_key: SecretStr | None = None
    oauth_token_encryption_key: SecretStr | None = None

    @cached_property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def setting_names() -> list[str]:
    """Environment variable names of every setting (used to keep the docs complete)."""
    return [name.upper() for name in Settings.model_fields]
