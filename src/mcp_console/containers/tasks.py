"""`containers.install` and `containers.restart`: the container jobs run by the worker.

Its arguments are the explicit config (with `{{ bw:... }}` references, never values), the owner
and the origin; the session comes from the job record. It pulls the image when missing (progress
goes to the job), resolves references, creates and starts the container, and returns its id.
"""

from __future__ import annotations

import uuid
from typing import Any

from mcp_console.containers.schemas import CreateContainerRequest
from mcp_console.containers.service import Actor, Origin
from mcp_console.containers.wiring import build_container_service, docker_adapter
from mcp_console.core.session_ids import SessionHash
from mcp_console.jobs.progress import report_progress

INSTALL_TASK = "containers.install"
RESTART_TASK = "containers.restart"


def install_args(actor: Actor, request: CreateContainerRequest, origin: Origin) -> dict[str, Any]:
    """Identifiers and references only; the container id is fixed now so a retried job reuses it."""
    return {
        "container_id": uuid.uuid4().hex,
        "owner": actor.owner,
        "request": request.model_dump(mode="json"),
        "source": origin.source,
        "item_id": origin.item_id,
    }


async def install(
    ctx: dict[str, Any],
    *,
    container_id: str,
    owner: str,
    request: dict[str, Any],
    source: str = "manual",
    item_id: str | None = None,
) -> dict[str, Any]:
    async def progress(percent: int, message: str) -> None:
        await report_progress(ctx, percent, message)

    actor = Actor(owner=owner, session_hash=SessionHash(str(ctx["session_hash"])))
    async with docker_adapter(ctx["settings"]) as docker:
        service = build_container_service(
            ctx["settings"], ctx["keys"], ctx["redis"], ctx["database"], docker
        )
        created = await service.create(
            actor,
            CreateContainerRequest.model_validate(request),
            Origin(source=source, item_id=item_id),
            progress,
            container_id=container_id,
            pull=True,
        )
    return created.model_dump()


async def restart(ctx: dict[str, Any], *, container_id: str, owner: str) -> dict[str, Any]:
    """Restart from the stored config (after an edit with `?restart=true&async=true`): the
    arguments are ids, the result the action's ids, name and status."""
    actor = Actor(owner=owner, session_hash=SessionHash(str(ctx["session_hash"])))
    async with docker_adapter(ctx["settings"]) as docker:
        service = build_container_service(
            ctx["settings"], ctx["keys"], ctx["redis"], ctx["database"], docker
        )
        result = await service.restart(actor, container_id)
    return result.model_dump(mode="json")
