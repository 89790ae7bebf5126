"""Thin container routes: parse, call `ContainerService`, return a schema. All need a login."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, WebSocket
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError

from mcp_console.auth.deps import CurrentSession
from mcp_console.containers.deps import (
    CatalogLookupDep,
    ContainerServiceDep,
    actor_of,
    websocket_actor,
    websocket_service,
)
from mcp_console.containers.install import as_create_request, preview_install
from mcp_console.containers.logs import LogQuery, parse_log_query
from mcp_console.containers.schemas import (
    ActionResult,
    ConfigEdit,
    ConfigEdited,
    ConfigEditQueued,
    ContainerConfigView,
    ContainerCreated,
    ContainerList,
    CreateContainerRequest,
    InstallPreview,
    InstallRequest,
)
from mcp_console.containers.service import Actor, ContainerService, Origin
from mcp_console.containers.streaming import close_with_error, pump_until_disconnect, sse_chunk
from mcp_console.containers.tasks import install_args
from mcp_console.core.errors import AppError
from mcp_console.core.task_names import TaskName
from mcp_console.jobs.deps import JobQueueDep
from mcp_console.jobs.queue import JobQueue
from mcp_console.jobs.schemas import JobAccepted

router = APIRouter(prefix="/api/containers", tags=["containers"])
AsyncFlag = Annotated[bool, Query(alias="async")]
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": ContainerCreated},
    202: {"model": JobAccepted},
}


@router.get("")
async def list_containers(
    session: CurrentSession,
    service: ContainerServiceDep,
    all: bool = False,
    stats: bool = True,
) -> ContainerList:
    containers = await service.list_views(actor_of(session), include_stopped=all, stats=stats)
    return ContainerList(containers=containers)


@router.post("", status_code=201, responses=CREATED, response_model=None)
async def create_container(
    body: CreateContainerRequest,
    session: CurrentSession,
    service: ContainerServiceDep,
    jobs: JobQueueDep,
    run_async: AsyncFlag = False,
) -> JSONResponse:
    request = service.prepare(body)
    return await _create(service, jobs, actor_of(session), request, Origin(), run_async)


@router.post("/install", status_code=201, responses=CREATED, response_model=None)
async def install_container(
    body: InstallRequest,
    session: CurrentSession,
    service: ContainerServiceDep,
    catalog: CatalogLookupDep,
    jobs: JobQueueDep,
    run_async: AsyncFlag = False,
    dry_run: bool = False,
) -> JSONResponse:
    item = await catalog.item(body.item_id)
    # the entry's schema is untrusted: its bounded validation runs off the event loop
    preview: InstallPreview = await asyncio.to_thread(preview_install, item, body)
    origin = Origin(source=preview.catalog_source, item_id=preview.item_id)
    request = service.prepare(as_create_request(preview, body.start), origin)
    if dry_run:
        return JSONResponse(preview.model_dump(mode="json"))
    return await _create(service, jobs, actor_of(session), request, origin, run_async)


async def _create(
    service: ContainerService,
    jobs: JobQueue,
    actor: Actor,
    request: CreateContainerRequest,
    origin: Origin,
    run_async: bool,
) -> JSONResponse:
    if run_async:
        job = await jobs.enqueue(
            TaskName.CONTAINERS_INSTALL,
            session_hash=actor.session_hash,
            args=install_args(actor, request, origin),
        )
        accepted = JobAccepted(job_id=job.job_id, status="queued")
        return JSONResponse(accepted.model_dump(), status_code=202)
    created = await service.create(actor, request, origin)
    return JSONResponse(created.model_dump(), status_code=201)


@router.get("/{container_id}/config")
async def container_config(
    container_id: str, session: CurrentSession, service: ContainerServiceDep
) -> ContainerConfigView:
    return await service.get_config(actor_of(session), container_id)


@router.patch(
    "/{container_id}/config",
    responses={200: {"model": ConfigEdited}, 202: {"model": ConfigEditQueued}},
    response_model=None,
)
async def edit_container_config(
    container_id: str,
    body: ConfigEdit,
    session: CurrentSession,
    service: ContainerServiceDep,
    jobs: JobQueueDep,
    restart: bool = False,
    run_async: AsyncFlag = False,
) -> JSONResponse:
    """Store an edited config (409 CONFIG_CONFLICT when `config_version` is stale). It applies
    at the next start or restart; `?restart=true` restarts now, `&async=true` as a job."""
    actor = actor_of(session)
    edited = await service.edit_config(actor, container_id, body, restart and not run_async)
    if not (restart and run_async):
        return JSONResponse(edited.model_dump(mode="json"))
    args = {"container_id": edited.container_id, "owner": actor.owner}
    job = await jobs.enqueue(
        TaskName.CONTAINERS_RESTART, session_hash=actor.session_hash, args=args
    )
    queued = ConfigEditQueued(
        job_id=job.job_id, config_version=edited.config_version, changed=edited.changed
    )
    return JSONResponse(queued.model_dump(mode="json"), status_code=202)


@router.post("/{container_id}/start")
async def start_container(
    container_id: str, session: CurrentSession, service: ContainerServiceDep
) -> ActionResult:
    return await service.start(actor_of(session), container_id)


@router.post("/{container_id}/stop")
async def stop_container(
    container_id: str, session: CurrentSession, service: ContainerServiceDep
) -> ActionResult:
    return await service.stop(actor_of(session), container_id)


@router.post("/{container_id}/restart")
async def restart_container(
    container_id: str, session: CurrentSession, service: ContainerServiceDep
) -> ActionResult:
    return await service.restart(actor_of(session), container_id)


@router.delete("/{container_id}", status_code=204)
async def delete_container(
    container_id: str, session: CurrentSession, service: ContainerServiceDep, force: bool = False
) -> Response:
    await service.delete(actor_of(session), container_id, force)
    return Response(status_code=204)


@router.get("/{container_id}/logs", response_class=StreamingResponse)
async def stream_logssse_chunk(
    container_id: str,
    session: CurrentSession,
    service: ContainerServiceDep,
    query: Annotated[LogQuery, Query()],
) -> StreamingResponse:
    """Server-sent events twin of the WebSocket: one `data:` JSON per line, then `event: end`."""
    options = parse_log_query(query)
    batches = service.logs(actor_of(session), container_id, **options)
    first = await anext(batches)  # raises 404 etc. before the 200 is sent

    async def body() -> AsyncIterator[str]:
        yield sse_chunk(first)
        async for batch in batches:
            yield sse_chunk(batch)

    return StreamingResponse(
        body(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.websocket("/{container_id}/logs")
async def stream_logs_ws(websocket: WebSocket, container_id: str) -> None:
    """JSON messages `{stream, time, line}`, then `{event: "end"}` and a normal close.

    A reader task watches for the client leaving, so an idle follow stream ends at once.
    """
    await websocket.accept()
    try:
        actor = await websocket_actor(websocket)
        query = LogQuery.model_validate(dict(websocket.query_params))
        events = websocket_service(websocket).logs(actor, container_id, **parse_log_query(query))
    except AppError as exc:
        await close_with_error(websocket, exc.code, exc.message, exc.status)
        return
    except ValidationError:
        await close_with_error(websocket, "VALIDATION_ERROR", "Invalid log query.", 422)
        return
    if await pump_until_disconnect(websocket, events):
        await websocket.close(code=1000)
