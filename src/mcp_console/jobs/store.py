"""Job records in Redis (`job:meta:{id}` hashes plus a per-session index), next to ARQ's own keys.

ARQ knows whether a job is queued or done; this record adds what clients need and ARQ does not
keep: the owning session (its hash, `core/session_ids.py`, never the bearer token), progress,
timestamps and a sanitised error. Only JSON goes in here.
"""

from __future__ import annotations

import time
from typing import Any

from mcp_console.core.clock import utcnow
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.jobs.schemas import FINAL_STATES, JobView

META_PREFIX = "job:meta:"
SESSION_INDEX_PREFIX = "jobs:session:"
LIST_LIMIT = 50


def timestamp() -> str:
    """Now as ISO 8601 with milliseconds, the form job records carry."""
    return utcnow().isoformat(timespec="milliseconds")


class JobStore:
    def __init__(self, redis: RedisService, retention_seconds: int) -> None:
        self.redis = redis
        self.retention_seconds = retention_seconds

    async def create(self, job_id: str, task: str, session_hash: SessionHash) -> None:
        fields = {
            "job_id": job_id,
            "task": task,
            "session_hash": session_hash,
            "status": "queued",
            "queued_at": timestamp(),
            "attempt": 0,
        }
        index_key = SESSION_INDEX_PREFIX + session_hash
        await self.redis.hash_set_json(META_PREFIX + job_id, fields, self.retention_seconds)

        async def index(r: Any) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.zadd(index_key, {job_id: time.time()})
                pipe.expire(index_key, self.retention_seconds)
                await pipe.execute()

        await self.redis.call(index)

    async def update(self, job_id: str, **fields: Any) -> None:
        await self.redis.hash_set_json(META_PREFIX + job_id, fields, self.retention_seconds)

    async def finish(self, job_id: str, status: str, **fields: Any) -> None:
        """Record a final state unless one is already there (a cancel is never overwritten)."""
        current = await self.read(job_id)
        if current and current.get("status") in FINAL_STATES:
            return
        await self.update(job_id, status=status, finished_at=timestamp(), **fields)

    async def read(self, job_id: str) -> dict[str, Any]:
        return await self.redis.hash_get_json(META_PREFIX + job_id)

    async def recent_ids(self, session_hash: SessionHash) -> list[str]:
        key = SESSION_INDEX_PREFIX + session_hash
        ids: list[str] = await self.redis.call(lambda r: r.zrevrange(key, 0, LIST_LIMIT - 1))
        return ids


def to_view(record: dict[str, Any]) -> JobView:
    return JobView.model_validate({k: v for k, v in record.items() if k != "session_hash"})
