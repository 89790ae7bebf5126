"""Loads a source's search index: from this process, from Redis, or by one upstream fetch.

Refreshes are single-flight twice over: inside a process one task per source is shared by every
waiting request, and across processes the Redis lock lets exactly one fetch run while the others
poll the cache for its result. Stale copies are served at once and refreshed in the background.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from mcp_console.catalog.cache import LOCK_SECONDS, CatalogCache
from mcp_console.catalog.errors import SourcePendingError, SourceUnavailableError
from mcp_console.catalog.index import IndexStore, SearchIndex
from mcp_console.catalog.sources import CatalogSource
from mcp_console.core.errors import AppError

logger = logging.getLogger("mcp_console.catalog")
POLL_SECONDS = 0.05


def as_app_error(exc: Exception, key: str) -> AppError:
    """Whatever a source raised, as the error its users see: one bad source must never turn
    into a 500 for a search that includes it."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, httpx.TimeoutException | TimeoutError):  # one request / the whole fetch
        return SourceUnavailableError(key, "the upstream did not answer in time")
    if isinstance(exc, httpx.RemoteProtocolError):
        return SourceUnavailableError(key, "the upstream closed the connection without an answer")
    if isinstance(exc, httpx.TransportError):
        return SourceUnavailableError(key, "the upstream could not be reached")
    # anything else is ours to look into: the log has it, the user gets no internal name
    logger.warning("catalog source error", extra={"source": key, "reason": type(exc).__name__})
    return SourceUnavailableError(key, "an unexpected error occurred while reading it")


def _as_exception(error: BaseException) -> Exception:
    if isinstance(error, Exception):
        return error
    raise error  # KeyboardInterrupt and friends are not a source's failure


def _to_record(error: AppError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": error.message,
        "status": error.status,
        "hint": error.hint,
        "details": error.details,
    }


def _from_record(record: dict[str, Any]) -> AppError:
    """The error another process recorded, re-raised here with the same code and status."""
    return AppError(
        str(record.get("code", "CATALOG_SOURCE_UNAVAILABLE")),
        str(record.get("message", "The catalog source could not be read.")),
        status=int(record.get("status", 502)),
        hint=record.get("hint"),
        details=record.get("details") if isinstance(record.get("details"), dict) else {},
    )


class CatalogLoader:
    """`wait_seconds`: how long one search waits for sources that are being fetched (the fetch
    goes on in the background past it); `fetch_seconds`: the whole of one fetch, so a host that
    answers a byte at a time cannot hold a refresh (and its lock) open; `is_current`: whether a
    finished fetch may still be stored (its source was not deleted or re-pointed meanwhile)."""

    def __init__(
        self,
        cache: CatalogCache,
        indexes: IndexStore | None = None,
        *,
        wait_seconds: float = 8.0,
        fetch_seconds: float = 60.0,
        is_current: Callable[[CatalogSource], Awaitable[bool]] | None = None,
    ) -> None:
        self.cache = cache
        self.is_current = is_current
        self.indexes = indexes or IndexStore()
        self.wait_seconds = wait_seconds
        self.fetch_seconds = fetch_seconds
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.upstream_fetches = 0

    async def indexes_of(self, sources: list[CatalogSource]) -> list[SearchIndex | Exception]:
        """Each source's index, or why it has none, within `wait_seconds`: a slow or silent
        source answers `CATALOG_SOURCE_PENDING` and never holds the others back."""
        if not sources:  # a user with no source selected: nothing to wait for
            return []
        waiting = [asyncio.ensure_future(self.index(source)) for source in sources]
        await asyncio.wait(waiting, timeout=self.wait_seconds)
        outcomes: list[SearchIndex | Exception] = []
        for source, task in zip(sources, waiting, strict=True):
            if not task.done():
                task.cancel()  # only this wait: the shared refresh is shielded and goes on
                outcomes.append(SourcePendingError(source.key, self.wait_seconds))
            elif task.cancelled():
                outcomes.append(SourcePendingError(source.key, self.wait_seconds))
            else:
                error = task.exception()
                outcomes.append(task.result() if error is None else _as_exception(error))
        await asyncio.gather(*waiting, return_exceptions=True)
        return outcomes

    async def index(self, source: CatalogSource) -> SearchIndex:
        """The current index of a source; fetches upstream only on a cold cache."""
        state = await self.cache.state(source.key)
        if state is None:
            last = await self.cache.last_error(source.key)
            if last is not None:  # failed before: answer that at once, retry past its TTL
                if not self.cache.is_recent(last):
                    self._refresh_in_background(source)
                raise _from_record(last)
            await self._shared_refresh(source, wait_for_others=True)
            state = await self.cache.state(source.key)
            if state is None:
                raise SourceUnavailableError(source.key, "no catalog after refresh")
        elif not self.cache.is_fresh(state):
            self._refresh_in_background(source)
        index = self.indexes.get(source.key, state.version)
        if index is None:
            loaded = await self.cache.items(source.key)
            if loaded is None:
                raise SourceUnavailableError(source.key, "the cached catalog vanished")
            index = self.indexes.get(source.key, loaded[0]) or self.indexes.put(
                source.key, loaded[0], loaded[1], state.partial
            )
        return index

    async def _shared_refresh(self, source: CatalogSource, *, wait_for_others: bool) -> None:
        task = self._inflight.get(source.key)
        if task is None:
            task = asyncio.create_task(self._refresh(source, wait_for_others))
            self._inflight[source.key] = task
            task.add_done_callback(lambda done: self._settled(source.key, done))
        await asyncio.shield(task)

    def _settled(self, key: str, task: asyncio.Task[None]) -> None:
        """The shared refresh ended. Its failure is retrieved here: every search that waited
        for it may have given up, and the failure is already logged and cached."""
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()

    def _refresh_in_background(self, source: CatalogSource) -> None:
        if source.key in self._inflight:
            return
        refresh = self._shared_refresh(source, wait_for_others=False)
        task = asyncio.create_task(self._quiet(source.key, refresh))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _quiet(key: str, refresh: Awaitable[None]) -> None:
        """A background refresh has no caller to answer: its failure is one log line."""
        try:
            await refresh
        except AppError:
            pass  # the source's own failure: logged as "catalog source failed" and cached
        except Exception as exc:  # Redis or the database, not the source
            reason = type(exc).__name__
            logger.warning(
                "background catalog refresh failed", extra={"source": key, "reason": reason}
            )

    async def _refresh(self, source: CatalogSource, wait_for_others: bool) -> None:
        recent = await self.cache.recent_error(source.key)
        if recent is not None:
            if wait_for_others:
                raise _from_record(recent)
            return  # negative cache: a failed source is not fetched again before its TTL
        token = await self.cache.acquire(source.key)
        if token is None:
            if wait_for_others:
                await self._wait_for_other(source)
            return
        try:
            # Another process may have stored a fresh copy between our cache read and the lock.
            state = await self.cache.state(source.key)
            if state is None or not self.cache.is_fresh(state):
                await self._fetch_and_store(source)
        finally:
            await self.cache.release(source.key, token)

    async def _fetch_and_store(self, source: CatalogSource) -> None:
        self.upstream_fetches += 1
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(source.fetch(), self.fetch_seconds)
        except Exception as exc:  # any failure of an untrusted source is that source's failure
            error = as_app_error(exc, source.key)
            await self._check_current(source)
            logger.warning(
                "catalog source failed",
                extra={"source": source.key, "code": error.code, "reason": error.message[:200]},
            )
            await self.cache.remember_error(source.key, _to_record(error))
            raise error from None
        await self._check_current(source)
        version = await self.cache.store(source.key, result.items, result.skipped, result.partial)
        self.indexes.put(source.key, version, result.items, result.partial)
        logger.info(
            "catalog refreshed",
            extra={
                "source": source.key,
                "items": len(result.items),
                "skipped": result.skipped,
                "duplicates": result.duplicates,
                "partial": result.partial,
                "upstream_requests": result.upstream_requests,
                "ms": round((time.perf_counter() - started) * 1000),
            },
        )

    async def _check_current(self, source: CatalogSource) -> None:
        """Refuses to store what was fetched for a source deleted or changed meanwhile."""
        if self.is_current is not None and not await self.is_current(source):
            logger.info("catalog fetch discarded: source changed", extra={"source": source.key})
            raise SourceUnavailableError(source.key, "the source was changed while it was fetched")

    async def _wait_for_other(self, source: CatalogSource) -> None:
        """Another process holds the lock: wait for its result instead of fetching in parallel."""
        deadline = time.monotonic() + LOCK_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            if await self.cache.state(source.key) is not None:
                return
            recent = await self.cache.recent_error(source.key)
            if recent is not None:
                raise _from_record(recent)
            if not await self.cache.locked(source.key):
                await self._refresh(source, wait_for_others=True)
                return
        raise SourceUnavailableError(source.key, "timed out waiting for another refresh")
