"""The gateway's shared state in Redis, so any API replica can serve any request.

- MCP sessions: `gateway:mcp-session:{id}` -> {token_id, profile, protocol_version, and once
  the client sets them: log_level, subscriptions (a map of subscribed URI -> 1)}, expiring
  after GATEWAY_SESSION_IDLE_MINUTES without use (every request refreshes it).
- Rate limits: `gateway:rate:{token id}:{minute}`, a counter per token and clock minute.
- Events: `PUBLISH gateway:events:{owner}` (list changes) and `gateway:cancel` (a client's
  `notifications/cancelled`), received by one subscriber connection per process
  (`EventHub`) and fanned out to the streams and calls of this process.

Nothing here holds a tool argument, a result or a token: sessions name the token by its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis import exceptions as redis_errors
from redis.asyncio.client import PubSub

from mcp_console.core.redis import RedisService

logger = logging.getLogger("mcp_console.gateway")
SESSION_PREFIX = "gateway:mcp-session:"
RATE_PREFIX = "gateway:rate:"
EVENTS_PREFIX = "gateway:events:"
CANCEL_CHANNEL = "gateway:cancel"
QUEUE_SIZE = 100
RECONNECT_SECONDS = 1.0

_RATE_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# Changes one field of a session record in place (atomic, its idle expiry kept): ARGV[1] is
# `level` (ARGV[2] the level), `subscribe` or `unsubscribe` (ARGV[2] the URI, ARGV[3] the most
# subscriptions a session may hold). Returns 0 for no such session, -1 over the limit, else 1.
_SESSION_UPDATE_SCRIPT = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local session = cjson.decode(raw)
if ARGV[1] == 'level' then
  session['log_level'] = ARGV[2]
else
  local subs = session['subscriptions']
  if type(subs) ~= 'table' then subs = {} end
  if ARGV[1] == 'subscribe' and subs[ARGV[2]] == nil then
    local count = 0
    for _ in pairs(subs) do count = count + 1 end
    if count >= tonumber(ARGV[3]) then return -1 end
    subs[ARGV[2]] = 1
  elseif ARGV[1] == 'unsubscribe' then
    subs[ARGV[2]] = nil
  end
  session['subscriptions'] = subs
end
redis.call('SET', KEYS[1], cjson.encode(session), 'KEEPTTL')
return 1
"""
MAX_SUBSCRIPTIONS = 100


@dataclass(frozen=True)
class McpSession:
    session_id: str
    token_id: str
    profile: str
    protocol_version: str
    log_level: str | None = None
    subscriptions: frozenset[str] = frozenset()


class McpSessionStore:
    """The gateway's own session layer in front of the SDK's stateless transport."""

    def __init__(self, redis: RedisService, idle_seconds: int) -> None:
        self._redis = redis
        self._idle = idle_seconds

    async def create(self, token_id: str, profile: str, protocol_version: str) -> McpSession:
        session = McpSession(secrets.token_hex(16), token_id, profile, protocol_version)
        await self._redis.set_json(
            SESSION_PREFIX + session.session_id,
            {"token_id": token_id, "profile": profile, "protocol_version": protocol_version},
            self._idle,
        )
        return session

    async def touch(self, session_id: str, token_id: str, profile: str) -> McpSession | None:
        """The session when it exists and belongs to this token and profile (its idle time
        restarts); None otherwise, which the endpoint answers like an unknown session."""
        if not 0 < len(session_id) <= 64 or not session_id.isalnum():
            return None
        key = SESSION_PREFIX + session_id
        stored = await self._redis.call(lambda r: r.getex(key, ex=self._idle))
        if stored is None:
            return None
        data = json.loads(stored)
        if data.get("token_id") != token_id or data.get("profile") != profile:
            return None
        subscriptions = data.get("subscriptions")
        return McpSession(
            session_id,
            token_id,
            profile,
            str(data.get("protocol_version", "")),
            data.get("log_level"),
            frozenset(subscriptions) if isinstance(subscriptions, dict) else frozenset(),
        )

    async def set_log_level(self, session_id: str, level: str) -> bool:
        """Keeps the client's `logging/setLevel` in its session (every replica reads it)."""
        return await self._update(session_id, "level", level) == 1

    async def subscribe(self, session_id: str, uri: str) -> int:
        """Adds a subscribed URI: 1 done, 0 no such session, -1 over MAX_SUBSCRIPTIONS."""
        return await self._update(session_id, "subscribe", uri)

    async def unsubscribe(self, session_id: str, uri: str) -> bool:
        return await self._update(session_id, "unsubscribe", uri) == 1

    async def _update(self, session_id: str, field: str, value: str) -> int:
        key = SESSION_PREFIX + session_id
        args: list[str | int] = [field, value, MAX_SUBSCRIPTIONS]
        return int(await self._redis.run_script(_SESSION_UPDATE_SCRIPT, [key], args))

    async def end(self, session_id: str) -> None:
        await self._redis.delete(SESSION_PREFIX + session_id)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int


class RateLimiter:
    """Requests per token and clock minute, counted in Redis (shared by every replica)."""

    def __init__(self, redis: RedisService, per_minute: int) -> None:
        self._redis = redis
        self._per_minute = per_minute

    @property
    def per_minute(self) -> int:
        return self._per_minute

    async def hit(self, token_id: str) -> RateDecision:
        now = time.time()
        minute = int(now // 60)
        key = f"{RATE_PREFIX}{token_id}:{minute}"
        count = await self._redis.run_script(_RATE_SCRIPT, [key], [61])
        retry_after = max(1, 60 - int(now % 60))
        return RateDecision(int(count) <= self._per_minute, retry_after)


Listener = Callable[[dict[str, Any]], Awaitable[None]]


class EventHub:
    """One Redis subscription per process, fanned out to local listeners.

    `publish_owner` reaches every replica; each replica passes the event to its listeners for
    that owner (the open GET streams) and to the owner-wide callbacks (cache invalidation).
    Pub/sub delivers at most once and only to connected subscribers: a stream that was not open
    misses the event, which is harmless, since a client lists again when it (re)connects.
    """

    def __init__(self, redis: RedisService) -> None:
        self._redis = redis
        self._streams: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._owner_callbacks: list[Listener] = []
        self._cancel_callbacks: list[Callable[[str, str], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def on_owner_event(self, callback: Listener) -> None:
        self._owner_callbacks.append(callback)

    def on_cancel(self, callback: Callable[[str, str], None]) -> None:
        """`callback(session_id, request key)` for every cancellation published anywhere."""
        self._cancel_callbacks.append(callback)

    async def publish_owner(self, owner: str, event: dict[str, Any]) -> None:
        payload = json.dumps({**event, "owner": owner})
        await self._redis.call(lambda r: r.publish(EVENTS_PREFIX + owner, payload))

    async def publish_cancel(self, session_id: str, request_key: str) -> None:
        payload = json.dumps({"session": session_id, "request": request_key})
        await self._redis.call(lambda r: r.publish(CANCEL_CHANNEL, payload))

    @contextlib.asynccontextmanager
    async def stream(self, owner: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of this owner's events while the context is open (oldest dropped when full)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._streams.setdefault(owner, set()).add(queue)
        try:
            yield queue
        finally:
            listeners = self._streams.get(owner, set())
            listeners.discard(queue)
            if not listeners:
                self._streams.pop(owner, None)

    def listeners(self, owner: str) -> int:
        """How many streams of this process wait for the owner's events."""
        return len(self._streams.get(owner, ()))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-event-hub")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 5.0)

    @property
    def subscribed(self) -> bool:
        """Whether the subscription is live (it is re-made after a Redis outage)."""
        return self._ready.is_set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                pubsub = self._redis.client.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.psubscribe(EVENTS_PREFIX + "*")
                    await pubsub.subscribe(CANCEL_CHANNEL)
                    self._ready.set()
                    await self._listen(pubsub)
                finally:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
            except (redis_errors.RedisError, OSError) as exc:
                self._ready.clear()
                logger.warning("gateway events unsubscribed", extra={"error": type(exc).__name__})
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is None or message.get("type") not in ("message", "pmessage"):
                continue
            try:
                data = json.loads(message["data"])
            except (TypeError, ValueError):
                continue
            if message["channel"] == CANCEL_CHANNEL:
                for cancel in self._cancel_callbacks:
                    cancel(str(data.get("session")), str(data.get("request")))
            else:
                await self._deliver(data)

    async def _deliver(self, event: dict[str, Any]) -> None:
        owner = str(event.get("owner"))
        for callback in self._owner_callbacks:
            try:
                await callback(event)
            except Exception:
                logger.exception("gateway event callback failed")
        for queue in list(self._streams.get(owner, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
