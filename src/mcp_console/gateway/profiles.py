"""Gateway profiles: one set per user, versioned, with backups of earlier versions.

A profile is configuration only (docs/GATEWAY.md, "Profiles"). Every write runs the secrets
policy over the document and the save check (`ProfileChecker`: owned servers, no two exposed
tools, prompts or resource URIs with the same name), then stores it in one transaction: the
previous document goes to `gateway_profile_versions` (the newest `backups` are kept) and the
version check is part of the UPDATE itself, so a stale edit changes nothing. After every
create, update, delete and restore, `ProfileChanges.profile_changed` tells the gateway endpoint.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from mcp_console.containers.service import Actor
from mcp_console.core.clock import as_utc, utcnow
from mcp_console.core.db import Database
from mcp_console.gateway import schemas
from mcp_console.gateway.errors import (
    default_profile_kept,
    profile_conflict,
    profile_exists,
    profile_not_found,
    version_not_found,
)
from mcp_console.gateway.models import GatewayProfileRow
from mcp_console.gateway.repository import ProfileRepository, TokenRepository
from mcp_console.secrets import policy


class ProfileChanges(Protocol):
    """Told after a profile was created, updated, deleted or restored (committed already)."""

    async def profile_changed(self, owner: str, name: str) -> None: ...


class ProfileChecker(Protocol):
    """Refuses a document that may not be saved for `actor` (422 with a specific code)."""

    async def check_save(self, actor: Actor, body: schemas.ProfileBody) -> None: ...

    async def missing_servers(self, actor: Actor, body: schemas.ProfileBody) -> list[str]: ...


class NoProfileChanges:
    """Nobody listens yet (a process without the gateway endpoint)."""

    async def profile_changed(self, owner: str, name: str) -> None:
        return None


def endpoint_of(public_url: str, name: str) -> str:
    return f"{public_url.rstrip('/')}/mcp/{name}"


def document_of(body: schemas.ProfileBody) -> dict[str, Any]:
    """The stored document: the editable part only (not a request's name or version)."""
    return schemas.ProfileBody(description=body.description, servers=body.servers).model_dump(
        mode="json"
    )


class ProfileService:
    def __init__(
        self,
        database: Database,
        changes: ProfileChanges,
        checker: ProfileChecker,
        *,
        public_url: str,
        backups: int,
    ) -> None:
        self._database = database
        self._changes = changes
        self._checker = checker
        self._public_url = public_url
        self._backups = backups

    def _profile(self, row: GatewayProfileRow) -> schemas.Profile:
        return schemas.Profile(
            **row.document,
            name=row.name,
            version=row.version,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
            endpoint=endpoint_of(self._public_url, row.name),
        )

    async def _ensure_default(self, owner: str) -> None:
        """`default` exists for every user: created, empty, on first access."""
        try:
            async with self._database.sessions.begin() as session:
                repository = ProfileRepository(session)
                if await repository.get(owner, schemas.DEFAULT_PROFILE) is None:
                    await repository.add(_new_row(owner, schemas.DEFAULT_PROFILE, {}))
        except IntegrityError:  # another request created it at the same moment
            return

    async def get(self, owner: str, name: str) -> schemas.Profile:
        """404 PROFILE_NOT_FOUND for a name the owner has no profile under."""
        if name == schemas.DEFAULT_PROFILE:
            await self._ensure_default(owner)
        async with self._database.sessions() as session:
            row = await ProfileRepository(session).get(owner, name)
        if row is None:
            raise profile_not_found(name)
        return self._profile(row)

    async def list(self, owner: str) -> schemas.ProfileList:
        await self._ensure_default(owner)
        async with self._database.sessions() as session:
            rows = await ProfileRepository(session).list_owned(owner)
        return schemas.ProfileList(profiles=[_summary(row) for row in rows])

    async def _check(self, actor: Actor, body: schemas.ProfileBody) -> dict[str, Any]:
        document = document_of(body)
        policy.check_config(document)
        await self._checker.check_save(actor, body)
        return document

    async def create(self, actor: Actor, request: schemas.ProfileCreate) -> schemas.Profile:
        """409 PROFILE_EXISTS when the name is taken (`default` included)."""
        if request.name == schemas.DEFAULT_PROFILE:
            raise profile_exists(request.name)
        policy.check_config({"name": request.name})
        document = await self._check(actor, request)
        row = _new_row(actor.owner, request.name, document)
        try:
            async with self._database.sessions.begin() as session:
                await ProfileRepository(session).add(row)
        except IntegrityError:
            raise profile_exists(request.name) from None
        await self._changes.profile_changed(actor.owner, request.name)
        return self._profile(row)

    async def update(
        self, actor: Actor, name: str, request: schemas.ProfileUpdate
    ) -> schemas.Profile:
        """409 CONFIG_CONFLICT, and nothing changed, when `request.version` is not current."""
        await self.get(actor.owner, name)
        document = await self._check(actor, request)
        return await self._replace(actor.owner, name, request.version, document)

    async def _replace(
        self, owner: str, name: str, edited_version: int, document: dict[str, Any]
    ) -> schemas.Profile:
        """Back up the edited version and store `document` as the next one, atomically."""
        async with self._database.sessions.begin() as session:
            repository = ProfileRepository(session)
            current = await repository.get(owner, name)
            if current is None:
                raise profile_not_found(name)
            previous = dict(current.document)  # the UPDATE below refreshes `current` in place
            if current.version != edited_version or not await repository.replace(
                owner, name, edited_version, document
            ):
                raise profile_conflict(current.version)
            await repository.keep_version(owner, name, edited_version, previous, self._backups)
            await session.refresh(current)
            profile = self._profile(current)
        await self._changes.profile_changed(owner, name)
        return profile

    async def delete(self, owner: str, name: str) -> None:
        """Removes the profile, its backups and its tokens; `default` stays (409)."""
        if name == schemas.DEFAULT_PROFILE:
            raise default_profile_kept()
        async with self._database.sessions.begin() as session:
            if not await ProfileRepository(session).delete(owner, name):
                raise profile_not_found(name)
            await TokenRepository(session).delete_for_profile(owner, name)
        await self._changes.profile_changed(owner, name)

    async def versions(self, owner: str, name: str) -> schemas.ProfileVersionList:
        current = await self.get(owner, name)
        async with self._database.sessions() as session:
            rows = await ProfileRepository(session).versions(owner, name)
        return schemas.ProfileVersionList(
            name=name,
            current_version=current.version,
            versions=[
                schemas.ProfileVersion(
                    version=row.version,
                    saved_at=as_utc(row.saved_at),
                    servers=len(row.document.get("servers", [])),
                )
                for row in rows
            ],
        )

    async def restore(self, actor: Actor, name: str, version: int) -> schemas.RestoredProfile:
        """Makes saved version `version` current as a new version (the current one is backed
        up like any save). Servers of that version deleted since are left out and named in
        `dropped_servers` (a container id never comes back; the current profile tolerates them
        the same way until its next save); the rest passes the same checks as a save."""
        current = await self.get(actor.owner, name)
        async with self._database.sessions() as session:
            saved = await ProfileRepository(session).version(actor.owner, name, version)
        if saved is None:
            raise version_not_found(name, version)
        body = schemas.ProfileBody.model_validate(saved.document)
        dropped = await self._checker.missing_servers(actor, body)
        kept = [server for server in body.servers if server.server_id not in dropped]
        document = await self._check(actor, body.model_copy(update={"servers": kept}))
        profile = await self._replace(actor.owner, name, current.version, document)
        return schemas.RestoredProfile(**profile.model_dump(), dropped_servers=dropped)


def _new_row(owner: str, name: str, document: dict[str, Any]) -> GatewayProfileRow:
    now = utcnow()
    return GatewayProfileRow(
        owner=owner,
        name=name,
        version=1,
        document=document or document_of(schemas.ProfileBody()),
        created_at=now,
        updated_at=now,
    )


def _summary(row: GatewayProfileRow) -> schemas.ProfileSummary:
    servers = row.document.get("servers", [])
    return schemas.ProfileSummary(
        name=row.name,
        version=row.version,
        description=row.document.get("description", ""),
        servers=len(servers),
        enabled_servers=sum(1 for server in servers if server.get("enabled", True)),
        updated_at=as_utc(row.updated_at),
    )
