"""One GitHub token per user: checked with GitHub before it is stored, stored encrypted through
`CredentialService`, and handed to the catalog's GitHub source for the user whose request caused
a refresh. Status facts (login, scopes, last check) are kept beside it; they are not secret."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from mcp_console.audit.service import FAILURE, SUCCESS, AuditService
from mcp_console.core.errors import AppError
from mcp_console.core.keys import DecryptionError
from mcp_console.credentials.service import CredentialService
from mcp_console.github.client import GitHubUserClient
from mcp_console.github.schemas import GitHubTokenStatus

logger = logging.getLogger("mcp_console.github")

KIND, NAME, PURPOSE = "github", "token", "credential"
SET_ACTION, DELETE_ACTION = "github_token.set", "github_token.delete"


# The e-mail of the user whose request is being served (set by the catalog's API dependency, and
# copied into the refresh task that request starts): `requesting_users_token` sends that user's
# token to GitHub.
requesting_user: ContextVar[str | None] = ContextVar("catalog_requesting_user", default=None)


class GitHubTokenService:
    def __init__(
        self, credentials: CredentialService, github: GitHubUserClient, audit: AuditService
    ) -> None:
        self._credentials = credentials
        self._github = github
        self._audit = audit

    async def save(self, owner: str, token: str) -> GitHubTokenStatus:
        """Ask GitHub first: a token it refuses, or one it cannot judge now, is not stored."""
        try:
            identity = await self._github.identify(token)
        except AppError as error:
            await self._audit.record(owner, SET_ACTION, "github", FAILURE, error.code)
            raise
        status = GitHubTokenStatus(
            configured=True,
            login=identity.login,
            scopes=identity.scopes,
            last_checked=datetime.now(UTC),
        )
        details = status.model_dump(mode="json", include={"login", "scopes", "last_checked"})
        await self._credentials.store(owner, KIND, NAME, PURPOSE, token, details)
        await self._audit.record(owner, SET_ACTION, f"github:{identity.login}", SUCCESS)
        return status

    async def status(self, owner: str) -> GitHubTokenStatus:
        info = await self._credentials.describe(owner, KIND, NAME)
        if info is None:
            return GitHubTokenStatus(configured=False)
        return GitHubTokenStatus.model_validate({**info.details, "configured": True})

    async def remove(self, owner: str) -> None:
        """Idempotent: removing a token that is not there is not an error."""
        if await self._credentials.delete(owner, KIND, NAME):
            await self._audit.record(owner, DELETE_ACTION, "github", SUCCESS)

    async def aclose(self) -> None:
        await self._github.aclose()

    async def requesting_users_token(self) -> str | None:
        """The catalog's token provider: the token of the user whose request is being served,
        or None (no Authorization header) outside a request or when that user stored none."""
        owner = requesting_user.get()
        if owner is None:
            return None
        try:
            return await self._credentials.load(owner, KIND, NAME)
        except DecryptionError:
            # A key was removed before `rotate-keys` ran: read the public catalog anonymously.
            logger.warning("stored GitHub token cannot be decrypted; sending none")
            return None
