"""The call log off the hot path: calls are queued and written by one background task.

A gateway call never waits for its audit row; shutdown drains the queue, so nothing queued is
lost on a clean stop. Rows hold names, durations and outcomes only (never arguments/results).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Literal

from mcp_console.gateway.ports import CallRecorder, Principal

logger = logging.getLogger("mcp_console.gateway")
QUEUE_LIMIT = 10_000


@dataclass(frozen=True)
class CallEntry:
    principal: Principal
    server: str | None
    method: str
    name: str | None
    duration_ms: float
    outcome: Literal["success", "failure"]
    error_code: str | None


class BackgroundRecorder:
    def __init__(self, log: CallRecorder) -> None:
        self._log = log
        self._queue: asyncio.Queue[CallEntry | None] = asyncio.Queue(QUEUE_LIMIT)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-call-log")

    def record(self, entry: CallEntry) -> None:
        try:
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            logger.warning("gateway call log full; entry dropped", extra={"method": entry.method})

    async def flush(self) -> None:
        """Waits until every queued entry is written."""
        await self._queue.join()

    async def stop(self) -> None:
        if self._task is None:
            return
        await self._queue.put(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            entry = await self._queue.get()
            try:
                if entry is None:
                    return
                await self._log.record(
                    entry.principal,
                    server=entry.server,
                    method=entry.method,
                    name=entry.name,
                    duration_ms=entry.duration_ms,
                    outcome=entry.outcome,
                    error_code=entry.error_code,
                )
            except Exception:
                logger.exception("gateway call log write failed")
            finally:
                self._queue.task_done()
