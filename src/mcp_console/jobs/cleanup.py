"""Periodic removal of what expired sessions leave behind.

Sessions expire in Redis by TTL, so nothing runs at that moment; this sweep finds leftovers whose
owning session key is gone: secret cache entries, Bitwarden CLI data directories, mTLS bundles.
Leftovers and records are named alike (auth sessions by their keyed hash, `core/session_ids.py`),
so names are compared as they are, with no key needed here.
A failure is logged (redacted) and the leftover stays for the next sweep.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from mcp_console.core.errors import AppError
from mcp_console.core.redis import RedisService

logger = logging.getLogger("mcp_console.jobs.cleanup")

AUTH_SESSION_PREFIX = "session:auth:"
GATEWAY_SESSION_PREFIX = "session:gateway:"
SECRET_CACHE_PREFIX = "cache:secret:"  # noqa: S105 - a key prefix, not a secret


@dataclass(frozen=True)
class DirectoryLeftovers:
    """Per-session directories under `root`, owned by the Redis key `owner_prefix + <dir name>`."""

    root: Path
    owner_prefix: str


async def _session_alive(redis: RedisService, key: str) -> bool:
    return bool(await redis.call(lambda r: r.exists(key)))


async def sweep_secret_cache(redis: RedisService) -> int:
    removed = 0
    checked: dict[str, bool] = {}
    async for batch in redis.scan_keys(SECRET_CACHE_PREFIX):
        orphans = []
        for key in batch:
            name = key[len(SECRET_CACHE_PREFIX) :].split(":", 1)[0]
            if name not in checked:
                checked[name] = await _session_alive(redis, AUTH_SESSION_PREFIX + name)
            if not checked[name]:
                orphans.append(key)
        removed += await redis.delete(*orphans)
    return removed


async def sweep_directories(redis: RedisService, leftovers: DirectoryLeftovers) -> int:
    if not leftovers.root.is_dir():
        return 0
    removed = 0
    for directory in leftovers.root.iterdir():
        if not directory.is_dir() or await _session_alive(
            redis, leftovers.owner_prefix + directory.name
        ):
            continue
        try:
            shutil.rmtree(directory)
            removed += 1
        except OSError as exc:
            logger.warning("could not remove %s: %s", directory, type(exc).__name__)
    return removed


def directory_leftovers(data_dir: Path) -> list[DirectoryLeftovers]:
    return [
        DirectoryLeftovers(data_dir / "bitwarden", AUTH_SESSION_PREFIX),
        DirectoryLeftovers(data_dir / "certs", GATEWAY_SESSION_PREFIX),
    ]


async def cleanup_expired_sessions(redis: RedisService, data_dir: Path) -> dict[str, int]:
    """Counts of what was removed: `secret_cache_keys` and `directories`."""
    counts = {"secret_cache_keys": 0, "directories": 0}
    try:
        counts["secret_cache_keys"] = await sweep_secret_cache(redis)
        for leftovers in directory_leftovers(data_dir):
            counts["directories"] += await sweep_directories(redis, leftovers)
    except AppError as exc:
        logger.warning("cleanup interrupted (%s); the next sweep retries", exc.code)
    if any(counts.values()):
        logger.info("removed expired sessions' leftovers", extra=counts)
    return counts
