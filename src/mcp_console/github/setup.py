"""Wires the GitHub token service (called once by the lifespan)."""

from __future__ import annotations

from mcp_console.audit.service import AuditService
from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard
from mcp_console.credentials.service import CredentialService
from mcp_console.github.client import GitHubUserClient
from mcp_console.github.service import GitHubTokenService


def build_github_token_service(
    settings: Settings, database: Database, keys: KeyManager, guard: SsrfGuard
) -> GitHubTokenService:
    client = GitHubUserClient(settings.github_api_url, SafeFetcher(guard))
    return GitHubTokenService(CredentialService(database, keys), client, AuditService(database))
