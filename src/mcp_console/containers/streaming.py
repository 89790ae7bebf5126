"""Log stream transports: Server-Sent Events chunks and the WebSocket send loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from mcp_console.core.errors import AppError


def sse_chunk(batch: list[dict[str, Any]]) -> str:
    """One chunk per batch; each event is its own `data:` message, the last one `event: end`."""
    parts = []
    for event in batch:
        if event.get("event") == "end":
            parts.append("event: end\n")
        parts.append(f"data: {json.dumps(event)}\n\n")
    return "".join(parts)


async def pump_until_disconnect(
    websocket: WebSocket, events: AsyncIterator[list[dict[str, Any]]]
) -> bool:
    """Send events until they end (True) or the client leaves (False)."""

    async def pump() -> None:
        async for batch in events:
            for event in batch:
                await websocket.send_json(event)

    sender = asyncio.create_task(pump())
    watcher = asyncio.create_task(_wait_for_disconnect(websocket))
    done, pending = await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if sender in done and (error := sender.exception()) is not None:
        if isinstance(error, AppError):
            await close_with_error(websocket, error.code, error.message, error.status)
            return False
        if not isinstance(error, WebSocketDisconnect):
            raise error
    return sender in done and sender.exception() is None


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def close_with_error(websocket: WebSocket, code: str, message: str, status: int) -> None:
    await websocket.send_json({"event": "error", "code": code, "message": message})
    await websocket.close(code=4000 + status % 1000)
