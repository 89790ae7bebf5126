"""Container logs through the UI: the browser holds only the UI's HttpOnly session cookie, so its
`EventSource` connects here; the page opens the API's SSE stream with the session's bearer token
(`ApiClient.open_logs`: an error answer raises before anything is relayed) and this module relays
the events as they come and closes the upstream when the browser leaves.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx

from mcp_console.web.api_client import ApiError

RETRY_MS = 5000


def error_event(error: ApiError) -> bytes:
    """What `logs.js` shows when the stream could not start. A server-side failure (API or
    Docker unreachable) is retryable: the browser's EventSource reconnects after `retry` ms."""
    retryable = error.status >= 500
    data = {"code": error.code, "message": error.message, "retryable": retryable}
    retry = f"retry: {RETRY_MS}\n" if retryable else ""
    return f"{retry}event: stream-error\ndata: {json.dumps(data)}\n\n".encode()


async def relay(response: httpx.Response) -> AsyncIterator[bytes]:
    """The API's bytes unchanged. A broken upstream (an API restart) just ends the response: the
    browser's EventSource reconnects by itself and gets the stream again, or a `stream-error`.

    Leaving the `try` (end of stream, or the browser gone and this generator cancelled) closes
    the upstream connection, which ends the API's Docker log stream too.
    """
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        return
    finally:
        await _close(response)


async def _close(response: httpx.Response) -> None:
    """Shielded: a departed browser cancels the relay, and the close must still happen."""
    with anyio.CancelScope(shield=True):
        await response.aclose()


def _line_text(event: dict[str, Any]) -> str:
    return f"{event.get('time', '')} {event.get('stream', '')} {event.get('line', '')}\n"


async def plain_lines(response: httpx.Response) -> AsyncIterator[str]:
    """The stream's log lines as text (`time stream line`), for a download."""
    try:
        async for raw in response.aiter_lines():
            if not raw.startswith("data:"):
                continue
            event = json.loads(raw[5:])
            if "line" in event:
                yield _line_text(event)
    finally:
        await _close(response)
