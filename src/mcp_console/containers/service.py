"""Container lifecycle: create, start, stop, restart, delete, list and logs of managed containers.

Secrets: the stored config keeps `{{ bw:... }}` references. Values are resolved through the
session's secret cache only to create the Docker container, and Docker's env cannot be changed
after creation, so start and restart of a config with references re-create the container from
the stored config with freshly resolved values (same name, labels and id; new Docker id). Nothing
ever reads a secret back from Docker or the database.

Rollback: any step failing after Docker created the container removes it again, and the record
is written only after Docker succeeded, so a failed create leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from mcp_console.audit.service import FAILURE, SUCCESS, AuditService
from mcp_console.containers.docker import (
    DockerAdapter,
    container_exists,
    container_not_found,
    image_not_available,
)
from mcp_console.containers.editing import changed_keys, config_conflict, merged_config
from mcp_console.containers.locks import ContainerLocks
from mcp_console.containers.models import ManagedContainer
from mcp_console.containers.repository import ContainerRepository
from mcp_console.containers.schemas import (
    ActionResult,
    ConfigEdit,
    ConfigEdited,
    ContainerConfig,
    ContainerConfigView,
    ContainerCreated,
    ContainerView,
    CreateContainerRequest,
    ResourceUsage,
    RestartState,
)
from mcp_console.containers.spec import container_spec
from mcp_console.containers.state import (
    ACTIVE_STATES,
    config_view_of,
    runs_version,
    status_of,
    usage_of,
    view_of,
)
from mcp_console.containers.validation import check_config
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.logging import redactor
from mcp_console.core.registries import RegistryPolicy
from mcp_console.core.secret_registry import log_session
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.secrets import policy
from mcp_console.secrets.refs import has_references

Progress = Callable[[int, str], Coroutine[Any, Any, None]]
STATS_DEADLINE_SECONDS = 2.5
STOP_TIMEOUT_SECONDS = 10


class EnvResolver(Protocol):
    """Replaces `{{ bw:item:field }}` references with values (the secrets resolver)."""

    async def resolve(
        self, session_hash: SessionHash, env: Mapping[str, str], secret_names: Collection[str] = ()
    ) -> dict[str, str]: ...


class ContainerObserver(Protocol):
    """Told after an action on a container succeeded (the gateway publishes list changes);
    containers know nothing of who listens."""

    async def container_changed(self, owner: str, container_id: str, action: str) -> None: ...


@dataclass(frozen=True)
class Actor:
    """Who acts: the owner e-mail (labels, records, audit) and the session's at-rest name
    (secret cache, CLI directory, job records)."""

    owner: str
    session_hash: SessionHash


@dataclass(frozen=True)
class Origin:
    source: str = "manual"
    item_id: str | None = None


async def _no_progress(_percent: int, _message: str) -> None:
    return None


def default_name(server_name: str | None, image: str, container_id: str) -> str:
    base = server_name or image.split("@")[0].split(":")[0].rsplit("/", 1)[-1]
    slug = re.sub(r"[^a-z0-9_.-]+", "-", base.lower()).strip("-.")[:40] or "server"
    return f"mcp-{slug}-{container_id[:6]}"


class ContainerService:
    def __init__(
        self,
        docker: DockerAdapter,
        database: Database,
        resolver: EnvResolver,
        audit: AuditService,
        locks: ContainerLocks,
        settings: Settings,
        observer: ContainerObserver | None = None,
    ) -> None:
        self._observer = observer
        self._docker = docker
        self._database = database
        self._resolver = resolver
        self._audit = audit
        self._locks = locks
        self._settings = settings
        self._registries = RegistryPolicy.from_settings(settings)

    # -- create -----------------------------------------------------------------------------

    def prepare(
        self, request: CreateContainerRequest, origin: Origin = Origin()
    ) -> CreateContainerRequest:
        """Checks that need settings and the secrets policy (names too, since they are stored
        and shown); run before a job is queued or Docker is called, so bad input answers 422.
        The socket allowance applies to catalog installs only (a manual create names its own
        `server_name`)."""
        policy.check_config(request.model_dump(mode="json", include={"name", "server_name"}))
        self._check(request.config, request.server_name if origin.item_id else None)
        return request

    def _check(self, config: ContainerConfig, catalog_server: str | None) -> None:
        check_config(
            config,
            self._settings.allowed_mount_root_list,
            self._registries,
            catalog_server,
            self._settings.docker_socket_entry_list,
        )

    async def create(
        self,
        actor: Actor,
        request: CreateContainerRequest,
        origin: Origin = Origin(),
        progress: Progress = _no_progress,
        container_id: str | None = None,
        pull: bool = False,
    ) -> ContainerCreated:
        """Create (and start) a container. Only jobs pull (`pull=True`): a request never waits
        on a registry, it answers 404 IMAGE_NOT_AVAILABLE and the client can retry async."""
        container_id = container_id or uuid.uuid4().hex
        config = request.config
        name = request.name or default_name(request.server_name, config.image, container_id)
        async with self._audited(actor, "container.create", container_id, f"name={name}"):
            self.prepare(request, origin)
            now = datetime.now(UTC)
            row = ManagedContainer(
                id=container_id,
                owner=actor.owner,
                name=name,
                server_name=request.server_name,
                catalog_source=origin.source,
                catalog_item=origin.item_id,
                docker_id=None,
                config=config.model_dump(mode="json"),
                config_version=1,
                created_at=now,
                updated_at=now,
            )
            await self._ensure_name_free(name)
            await self._ensure_image(config.image, progress, pull)
            await progress(60, "creating the container")
            env = await self._resolve(row, actor)
            row.docker_id = await self._docker.create(container_spec(row, env, self._settings))
            try:
                if request.start:
                    await progress(80, "starting the container")
                    await self._docker.start(row.docker_id)
                await self._insert(row)
            except BaseException:
                await self._discard(row.docker_id)
                raise
            attrs = await self._docker.inspect(row.docker_id)
        return ContainerCreated(container_id=container_id, name=name, status=status_of(attrs))

    async def _ensure_name_free(self, name: str) -> None:
        async with self._database.sessions() as session:
            taken = await ContainerRepository(session).name_taken(name)
        if taken:
            raise container_exists(name)

    async def _ensure_image(self, image: str, progress: Progress, pull: bool) -> None:
        if await self._docker.image_present(image):
            await progress(50, "image present")
            return
        if not pull:
            raise image_not_available(image)
        await progress(10, f"pulling {image}")
        loop = asyncio.get_running_loop()
        reports: list[asyncio.Future[None]] = []

        def on_status(status: str) -> None:
            future: Future[None] = asyncio.run_coroutine_threadsafe(progress(30, status), loop)
            reports.append(asyncio.wrap_future(future))

        await self._docker.pull(image, on_status)
        await asyncio.gather(*reports, return_exceptions=True)
        await progress(50, "image pulled")

    async def _resolve(self, row: ManagedContainer, actor: Actor) -> dict[str, str]:
        """The env with references replaced (session cache first); values stay in memory."""
        config = ContainerConfig.model_validate(row.config)
        return await self._resolver.resolve(actor.session_hash, config.env, config.secret_env)

    async def _insert(self, row: ManagedContainer) -> None:
        try:
            async with self._database.sessions.begin() as session:
                await ContainerRepository(session).add(row)
        except IntegrityError:
            raise container_exists(row.name) from None

    async def _discard(self, docker_id: str | None) -> None:
        """Rollback: remove what Docker created; never hide the original error."""
        if docker_id:
            with contextlib.suppress(AppError):
                await asyncio.shield(self._docker.remove(docker_id, force=True))

    # -- actions ----------------------------------------------------------------------------

    async def start(self, actor: Actor, container_id: str) -> ActionResult:
        async with (
            self._audited(actor, "container.start", container_id),
            self._locks.hold(container_id),
        ):
            row = await self._owned(actor, container_id)
            attrs = await self._inspect(row)
            if status_of(attrs) not in ACTIVE_STATES:
                docker_id = await self._ready_to_start(row, actor, attrs)
                await self._docker.start(docker_id)
            return await self._result(row, "start")

    async def stop(self, actor: Actor, container_id: str) -> ActionResult:
        async with (
            self._audited(actor, "container.stop", container_id),
            self._locks.hold(container_id),
        ):
            row = await self._owned(actor, container_id)
            if row.docker_id and status_of(await self._inspect(row)) in ACTIVE_STATES:
                await self._docker.stop(row.docker_id, STOP_TIMEOUT_SECONDS)
            return await self._result(row, "stop")

    async def restart(self, actor: Actor, container_id: str) -> ActionResult:
        async with (
            self._audited(actor, "container.restart", container_id),
            self._locks.hold(container_id),
        ):
            row = await self._owned(actor, container_id)
            await self._restart(row, actor)
            return await self._result(row, "restart")

    async def _restart(self, row: ManagedContainer, actor: Actor) -> None:
        """Stop if active, then start from the stored config (the caller holds the lock)."""
        attrs = await self._inspect(row)
        if row.docker_id and status_of(attrs) in ACTIVE_STATES:
            await self._docker.stop(row.docker_id, STOP_TIMEOUT_SECONDS)
        await self._docker.start(await self._ready_to_start(row, actor, attrs))

    async def delete(self, actor: Actor, container_id: str, force: bool) -> None:
        async with (
            self._audited(actor, "container.delete", container_id),
            self._locks.hold(container_id),
        ):
            row = await self._owned(actor, container_id)
            if status_of(await self._inspect(row)) in ACTIVE_STATES and not force:
                raise AppError(
                    "CONTAINER_RUNNING",
                    "The container is running.",
                    status=409,
                    hint="Stop it first, or delete with ?force=true.",
                )
            if row.docker_id:
                with contextlib.suppress(AppError):
                    await self._docker.remove(row.docker_id, force=True)
            async with self._database.sessions.begin() as session:
                stored = await ContainerRepository(session).get_owned(row.id, actor.owner)
                if stored is not None:
                    await ContainerRepository(session).delete(stored)

    async def _ready_to_start(
        self, row: ManagedContainer, actor: Actor, attrs: dict[str, Any] | None
    ) -> str:
        """The Docker id to start: the existing container when it runs the stored config
        version and has no references, or a fresh one with re-resolved env."""
        config = ContainerConfig.model_validate(row.config)
        current = attrs is not None and runs_version(attrs, row.config_version)
        if current and row.docker_id and not has_references(config.env):
            return row.docker_id
        env = await self._resolve(row, actor)  # first: a failure here keeps the old container
        await self._discard(row.docker_id)
        docker_id = await self._docker.create(container_spec(row, env, self._settings))
        async with self._database.sessions.begin() as session:
            await ContainerRepository(session).set_docker_id(row.id, docker_id)
        row.docker_id = docker_id
        return docker_id

    async def _result(self, row: ManagedContainer, action: str) -> ActionResult:
        status = status_of(await self._inspect(row))
        return ActionResult(
            container_id=row.id, name=row.name, status=status, action=action, at=datetime.now(UTC)
        )

    # -- reads ------------------------------------------------------------------------------

    async def _owned(self, actor: Actor, container_id: str) -> ManagedContainer:
        async with self._database.sessions() as session:
            row = await ContainerRepository(session).get_owned(container_id, actor.owner)
        if row is None:
            raise container_not_found()
        return row

    async def _inspect(self, row: ManagedContainer) -> dict[str, Any] | None:
        return await self._docker.inspect(row.docker_id) if row.docker_id else None

    async def list_views(
        self, actor: Actor, include_stopped: bool, stats: bool
    ) -> list[ContainerView]:
        async with self._database.sessions() as session:
            rows = await ContainerRepository(session).list_owned(actor.owner)
        by_id = {
            attrs["Config"]["Labels"].get("mcp-console.id"): attrs
            for attrs in await self._docker.list_managed(actor.owner)
        }
        selected = [
            (row, by_id.get(row.id))
            for row in rows
            if include_stopped or status_of(by_id.get(row.id)) in ACTIVE_STATES
        ]
        usages = await asyncio.gather(
            *(self._usage(attrs) if stats else _none() for _row, attrs in selected)
        )
        return [
            view_of(row, attrs, usage) for (row, attrs), usage in zip(selected, usages, strict=True)
        ]

    async def _usage(self, attrs: dict[str, Any] | None) -> ResourceUsage | None:
        if status_of(attrs) != "running" or attrs is None:
            return None
        try:
            stats = await asyncio.wait_for(
                self._docker.stats(str(attrs["Id"])), STATS_DEADLINE_SECONDS
            )
        except (TimeoutError, AppError):
            return None
        return usage_of(stats)

    async def get_config(self, actor: Actor, container_id: str) -> ContainerConfigView:
        return config_view_of(await self._owned(actor, container_id))

    async def docker_id_of(self, actor: Actor, container_id: str) -> str:
        """The current Docker id of an owned container (for the inspector's stdio attach)."""
        row = await self._owned(actor, container_id)
        if not row.docker_id:
            raise container_not_found()
        return row.docker_id

    async def logs(
        self,
        actor: Actor,
        container_id: str,
        *,
        tail: str = "all",
        since: float | None = None,
        follow: bool = True,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Batches of redacted log events; the last batch is `[{"event": "end"}]`.

        The container's references are resolved once (from the session cache) before streaming,
        which registers their secret values for this session with this process's redactor even
        when another process (a worker) created the container; lines are redacted with this
        session's values, never another session's.
        """
        row = await self._owned(actor, container_id)
        if not row.docker_id:
            raise container_not_found()
        await self._resolve(row, actor)  # no references: returns at once, no session lookup
        stream = self._docker.logs(row.docker_id, tail=tail, since=since, follow=follow)
        async for batch in stream:
            with log_session(actor.session_hash):  # this session's values, no other's
                texts = await redactor.texts_off_loop([line.text for line in batch])
            yield [
                {"stream": line.stream, "time": line.timestamp, "line": text}
                for line, text in zip(batch, texts, strict=True)
            ]
        yield [{"event": "end", "reason": "stream finished"}]

    # -- config edits -----------------------------------------------------------------------

    async def edit_config(
        self, actor: Actor, container_id: str, edit: ConfigEdit, restart: bool = False
    ) -> ConfigEdited:
        """Store the edited config as the next version if `edit.config_version` is still the
        stored one (409 CONFIG_CONFLICT otherwise); checked by the secrets policy first. Docker
        runs it from the next start or restart, or at once with `restart`."""
        async with (
            self._audited(actor, "container.config.update", container_id) as note,
            self._locks.hold(container_id),
        ):
            row = await self._owned(actor, container_id)
            if row.config_version != edit.config_version:
                raise config_conflict(row.config_version)
            new = merged_config(row.config, edit.config)
            self._check(new, row.server_name if row.catalog_item else None)
            changed = changed_keys(ContainerConfig.model_validate(row.config), new)
            note.detail = "changed: " + (", ".join(changed) or "nothing")
            if changed:
                await self._replace_config(row, edit.config_version, new)
            state = await self._apply_edit(row, actor, restart)
        return ConfigEdited(**config_view_of(row).model_dump(), restart=state, changed=changed)

    async def _replace_config(
        self, row: ManagedContainer, edited_version: int, config: ContainerConfig
    ) -> None:
        stored = config.model_dump(mode="json")
        async with self._database.sessions.begin() as session:
            replaced = await ContainerRepository(session).replace_config(
                row.id, row.owner, edited_version, stored
            )
        if not replaced:  # another edit won in between (the lock had expired)
            raise config_conflict(None)
        row.config, row.config_version = stored, edited_version + 1

    async def _apply_edit(self, row: ManagedContainer, actor: Actor, restart: bool) -> RestartState:
        if restart:
            await self._restart(row, actor)
            return "applied"
        attrs = await self._inspect(row)
        return "none" if attrs and runs_version(attrs, row.config_version) else "pending"

    # -- audit ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _audited(
        self, actor: Actor, action: str, target: str, detail: str | None = None
    ) -> AsyncIterator[AuditNote]:
        """One audit entry per action: success (with the note's detail: names and codes, never
        values), or failure with the error code (never a text)."""
        note = AuditNote(detail)
        try:
            yield note
        except AppError as exc:
            await asyncio.shield(self._audit.record(actor.owner, action, target, FAILURE, exc.code))
            raise
        except Exception:
            await asyncio.shield(
                self._audit.record(actor.owner, action, target, FAILURE, "INTERNAL_ERROR")
            )
            raise
        await self._audit.record(actor.owner, action, target, SUCCESS, note.detail)
        if self._observer is not None:
            await self._observer.container_changed(actor.owner, target, action)


@dataclass
class AuditNote:
    """The success detail of an audit entry, which the action may fill in as it learns it."""

    detail: str | None = None


async def _none() -> None:
    return None
