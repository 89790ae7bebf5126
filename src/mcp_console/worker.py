"""The worker process's composition root: builds its clients and services once, at start-up,
and holds the task registry (every task the worker runs, by its public name).

One Redis pool, one database engine, one Docker client and one secret resolver serve every job
this process runs; tasks get them through the constructors of their task classes.
"""

from __future__ import annotations

from dataclasses import dataclass

from arq.worker import Worker

from mcp_console.audit.service import AuditService
from mcp_console.containers.docker import DockerAdapter
from mcp_console.containers.service import ContainerService
from mcp_console.containers.tasks import ContainerTasks
from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.core.task_names import TaskName
from mcp_console.jobs.runner import TaskSpec
from mcp_console.jobs.store import JobStore
from mcp_console.jobs.tasks import diagnostic
from mcp_console.jobs.worker import arq_worker
from mcp_console.secrets.resolver import SecretResolver
from mcp_console.secrets.tasks import SecretTasks
from mcp_console.wiring import (
    build_container_service,
    build_gateway_events,
    build_job_store,
    build_redis,
    build_secret_resolver,
    build_vault,
)


@dataclass
class WorkerServices:
    """Everything the worker's tasks use, built once per process."""

    redis: RedisService
    database: Database
    docker: DockerAdapter
    jobs: JobStore
    resolver: SecretResolver
    containers: ContainerService

    @classmethod
    def build(cls, settings: Settings, keys: KeyManager) -> WorkerServices:
        """Opens no connection: clients connect on first use, inside the worker's event loop."""
        redis = build_redis(settings)
        database = Database(settings.database_url)
        docker = DockerAdapter(settings.docker_host)
        resolver = build_secret_resolver(keys, build_vault(settings, keys, redis))
        audit = AuditService(database)
        return cls(
            redis=redis,
            database=database,
            docker=docker,
            jobs=build_job_store(settings, redis),
            resolver=resolver,
            containers=build_container_service(
                settings,
                redis,
                database,
                docker,
                resolver,
                audit,
                observer=build_gateway_events(redis),
            ),
        )

    async def aclose(self) -> None:
        await self.docker.close()
        await self.database.close()
        await self.redis.close()


def task_registry(services: WorkerServices) -> list[TaskSpec]:
    """Every task the worker runs; the API enqueues them by the same `TaskName`."""
    containers = ContainerTasks(services.containers)
    secrets = SecretTasks(services.resolver)
    return [
        TaskSpec(TaskName.DIAGNOSTIC, diagnostic),
        TaskSpec(TaskName.CONTAINERS_INSTALL, containers.install),
        TaskSpec(TaskName.CONTAINERS_RESTART, containers.restart),
        TaskSpec(TaskName.SECRETS_RESOLVE, secrets.resolve),
    ]


def build_worker(
    settings: Settings,
    keys: KeyManager,
    burst: bool = False,
    extra_tasks: list[TaskSpec] | None = None,
) -> Worker:
    """`extra_tasks` lets tests add their own tasks beside the registry."""
    services = WorkerServices.build(settings, keys)
    return arq_worker(
        settings,
        [*task_registry(services), *(extra_tasks or [])],
        redis=services.redis,
        store=services.jobs,
        on_shutdown=services.aclose,
        burst=burst,
    )
