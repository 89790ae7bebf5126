"""Tasks every deployment has: a diagnostic round trip used by tests and `doctor`."""

from __future__ import annotations

import time
from typing import Any


async def diagnostic(ctx: dict[str, Any], echo: str = "ping") -> dict[str, Any]:
    """Proves a worker picks up jobs; returns what it was given and which worker ran it."""
    return {"echo": echo, "worker": ctx.get("worker_name", "unknown"), "at": time.time()}
