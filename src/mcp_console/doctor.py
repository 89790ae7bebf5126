"""`mcp-console doctor`: checks each dependency and says how to fix what is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from mcp_console.containers.docker import DockerAdapter
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.keys import KeyConfigError, KeyManager
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.migrate import current_revisions, head_revisions
from mcp_console.core.redis import redis_reachable
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.core.task_names import TaskName
from mcp_console.vault.bitwarden import BitwardenCli


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_keys(settings: Settings) -> CheckResult:
    try:
        KeyManager.from_settings(settings, SecretRegistry())
    except KeyConfigError as exc:
        return CheckResult("encryption keys", False, str(exc), "set the variable in .env")
    return CheckResult("encryption keys", True, "both keys valid")


def check_redis(settings: Settings) -> CheckResult:
    if redis_reachable(settings.redis_url):
        return CheckResult("redis", True, "reachable")
    return CheckResult(
        "redis", False, "not reachable at REDIS_URL", "start redis-server or fix REDIS_URL"
    )


def check_database(settings: Settings) -> CheckResult:
    async def probe() -> set[str]:
        database = Database(settings.database_url)
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                return await connection.run_sync(current_revisions)
        finally:
            await database.close()

    try:
        revision = asyncio.run(probe())
    except Exception as exc:
        return CheckResult("database", False, type(exc).__name__, "check DATABASE_URL")
    head = head_revisions(settings.database_url)
    if revision != head:
        detail = f"at {sorted(revision)}, latest {sorted(head)}"
        return CheckResult("database", False, detail, "run `mcp-console migrate`")
    return CheckResult("database", True, f"reachable, migrations at {', '.join(sorted(head))}")


def _failure(exc: Exception) -> str:
    """An adapter's error code, else the exception's class: never its message (it may hold
    paths or output)."""
    return exc.code if isinstance(exc, AppError) else type(exc).__name__


def check_docker(settings: Settings) -> CheckResult:
    async def probe() -> str:
        docker = DockerAdapter(settings.docker_host, timeout_seconds=3)
        try:
            return await docker.engine_version()
        finally:
            await docker.close()

    try:
        version = asyncio.run(probe())
    except Exception as exc:
        return CheckResult(
            "docker",
            False,
            f"{_failure(exc)} at DOCKER_HOST",
            "start dockerd or fix DOCKER_HOST",
        )
    return CheckResult("docker", True, f"engine {version}")


def check_bitwarden(settings: Settings) -> CheckResult:
    cli = BitwardenCli(settings.bitwarden_cli_path, timeout_seconds=30)
    fix = "run `make install` (installs the pinned @bitwarden/cli) or set BITWARDEN_CLI_PATH"
    if not cli.installed():
        return CheckResult("bitwarden cli", False, "not found", fix)
    try:
        out = asyncio.run(cli.version())
    except AppError as exc:
        return CheckResult("bitwarden cli", False, _failure(exc), fix)
    return CheckResult("bitwarden cli", True, f"version {out}")


async def _diagnostic_round_trip(settings: Settings) -> str:
    """Run `system.diagnostic` through the queue: proves a worker picks up and finishes jobs."""
    from mcp_console.core.redis import RedisService
    from mcp_console.jobs.heartbeat import worker_summary
    from mcp_console.wiring import build_job_queue

    redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
    queue = build_job_queue(settings, redis)
    try:
        if not (await worker_summary(redis))["live"]:
            return "no live worker"
        owner = SessionHash("doctor")  # no login: the diagnostic job belongs to no real session
        job = await queue.enqueue(TaskName.DIAGNOSTIC, session_hash=owner, args={})
        for _ in range(100):
            view = await queue.get(job.job_id, owner)
            if view.status in ("succeeded", "failed", "cancelled"):
                return "" if view.status == "succeeded" else f"diagnostic job {view.status}"
            await asyncio.sleep(0.1)
        return "diagnostic job not finished within 10 s"
    finally:
        await queue.close()
        await redis.close()


def check_worker(settings: Settings) -> CheckResult:
    fix = "start one with `mcp-console worker`"
    try:
        problem = asyncio.run(_diagnostic_round_trip(settings))
    except Exception as exc:
        return CheckResult("worker", False, type(exc).__name__, fix)
    if problem:
        return CheckResult("worker", False, problem, fix)
    return CheckResult("worker", True, "a diagnostic job ran")


CHECKS: tuple[Callable[[Settings], CheckResult], ...] = (
    check_keys,
    check_redis,
    check_database,
    check_docker,
    check_bitwarden,
    check_worker,
)


def run_doctor(settings: Settings) -> int:
    failed = 0
    for check in CHECKS:
        result = check(settings)
        mark = "ok  " if result.ok else "FAIL"
        line = f"[{mark}] {result.name}: {result.detail}"
        print(f"{line} -> fix: {result.fix}" if result.fix and not result.ok else line)
        failed += 0 if result.ok else 1
    return 1 if failed else 0
