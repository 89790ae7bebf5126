"""`containers.install` and `containers.restart`: the container jobs run by the worker.

Their arguments are the explicit config (with `{{ bw:... }}` references, never values), the owner
and the origin; the owning session comes from the job (`JobContext`). Install pulls the image
when missing (progress goes to the job), resolves references, creates and starts the container,
and returns its id.
"""

from __future__ import annotations

import uuid
from typing import Any

from mcp_console.containers.schemas import CreateContainerRequest
from mcp_console.containers.service import Actor, ContainerService, Origin
from mcp_console.jobs.runner import JobContext


def install_args(actor: Actor, request: CreateContainerRequest, origin: Origin) -> dict[str, Any]:
    """Identifiers and references only; the container id is fixed now so a retried job reuses it."""
    return {
        "container_id": uuid.uuid4().hex,
        "owner": actor.owner,
        "request": request.model_dump(mode="json"),
        "source": origin.source,
        "item_id": origin.item_id,
    }


class ContainerTasks:
    """The container jobs, bound to the worker's one container service (built at start-up)."""

    def __init__(self, service: ContainerService) -> None:
        self._service = service

    async def install(
        self,
        job: JobContext,
        *,
        container_id: str,
        owner: str,
        request: dict[str, Any],
        source: str = "manual",
        item_id: str | None = None,
    ) -> dict[str, Any]:
        created = await self._service.create(
            Actor(owner=owner, session_hash=job.session_hash),
            CreateContainerRequest.model_validate(request),
            Origin(source=source, item_id=item_id),
            job.progress,
            container_id=container_id,
            pull=True,
        )
        return created.model_dump()

    async def restart(self, job: JobContext, *, container_id: str, owner: str) -> dict[str, Any]:
        """Restart from the stored config (after an edit with `?restart=true&async=true`): the
        arguments are ids, the result the action's ids, name and status."""
        actor = Actor(owner=owner, session_hash=job.session_hash)
        result = await self._service.restart(actor, container_id)
        return result.model_dump(mode="json")
