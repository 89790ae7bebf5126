"""Exact values the log redactor masks: the console's key material, and each session's secrets.

Why two scopes: a value that one user resolved must never change what another user gets. If it
were masked everywhere, a user could write a guess of someone else's password into a container
and learn from a `***` in their own log stream that the guess was right. So:

- process-wide values are only key material the process holds (Fernet keys, decrypted keys and
  tokens: random, unguessable);
- values from a user's vault (secret slots only, at least `MIN_SECRET_LENGTH` characters) go into
  the set of the session that resolved them, used only for log records of that session. The
  current session is the `log_session_var` context variable (set by the auth dependency for API
  requests, by the job runner for worker jobs, and around log streaming). A set is keyed by a
  hash of the session id, lives in memory only, is dropped at logout and is pruned once the
  session can no longer be alive.

Scrubbing is one pass of one compiled alternation (longest value first) per scope, rebuilt only
when that scope's values or the process-wide values changed.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

MASK = "***"
# Shorter values would mask ordinary words in the session's own logs.
MIN_SECRET_LENGTH = 8

log_session_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "log_session", default=None
)


def session_scope(session_id: str) -> str:
    """The in-memory key of a session's set: a hash, so the bearer id itself is not kept."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def bind_log_session(session_id: str) -> None:
    """Scope the rest of the current task's log records to this session (the auth dependency;
    a request runs in its own task, so the binding ends with it)."""
    log_session_var.set(session_scope(session_id))


@contextlib.contextmanager
def log_session(session_id: str | None) -> Iterator[None]:
    """Scope the log records written inside the block to this session (jobs, log streams)."""
    token = log_session_var.set(session_scope(session_id) if session_id else None)
    try:
        yield
    finally:
        log_session_var.reset(token)


def _compile(values: set[str]) -> re.Pattern[str] | None:
    if not values:
        return None
    ordered = sorted(values, key=len, reverse=True)
    return re.compile("|".join(re.escape(value) for value in ordered))


@dataclass
class _SessionSet:
    expires_at: float
    values: set[str] = field(default_factory=set)
    pattern: re.Pattern[str] | None = None
    built_for: int = -1  # the process-wide generation `pattern` includes


class SecretRegistry:
    """Process-wide values plus one set per session; `scrub` masks the current session's."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._generation = 0
        self._pattern: re.Pattern[str] | None = None
        self._built_for = 0
        self._sessions: dict[str, _SessionSet] = {}

    def register(self, value: str) -> None:
        """Key material: masked in every log record of the process."""
        if len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._generation += 1

    def register_many(self, values: Iterable[str]) -> None:
        for value in values:
            self.register(value)

    def register_session(
        self, session_id: str, values: Iterable[str], lifetime_seconds: float
    ) -> None:
        """A session's secret values, kept until logout or until the session cannot be alive."""
        kept = {value for value in values if len(value) >= MIN_SECRET_LENGTH}
        now = self._clock()
        with self._lock:
            self._prune(now)
            entry = self._sessions.setdefault(session_scope(session_id), _SessionSet(now))
            entry.expires_at = max(entry.expires_at, now + lifetime_seconds)
            if not kept <= entry.values:
                entry.values |= kept
                entry.pattern = None

    def drop_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_scope(session_id), None)

    def session_count(self) -> int:
        """Live session sets (for tests and diagnostics); prunes the expired ones."""
        with self._lock:
            self._prune(self._clock())
            return len(self._sessions)

    def scrub(self, text: str) -> str:
        """Mask process-wide values and those of the current log session, never another's."""
        pattern = self._pattern_for(log_session_var.get())
        return pattern.sub(MASK, text) if pattern else text

    def _pattern_for(self, scope: str | None) -> re.Pattern[str] | None:
        with self._lock:
            if self._built_for != self._generation:
                self._pattern = _compile(self._values)
                self._built_for = self._generation
            entry = self._live(scope)
            if entry is None or not entry.values:
                return self._pattern
            if entry.pattern is None or entry.built_for != self._generation:
                entry.pattern = _compile(self._values | entry.values)
                entry.built_for = self._generation
            return entry.pattern

    def _live(self, scope: str | None) -> _SessionSet | None:
        """The scope's set unless it expired (then it is removed: prune on access)."""
        entry = self._sessions.get(scope) if scope else None
        if scope is None or entry is None or entry.expires_at > self._clock():
            return entry
        del self._sessions[scope]
        return None

    def _prune(self, now: float) -> None:
        for scope in [s for s, entry in self._sessions.items() if entry.expires_at <= now]:
            del self._sessions[scope]


# The process-wide registry: key rings and resolvers register into it, the formatter reads it.
secret_registry = SecretRegistry()
