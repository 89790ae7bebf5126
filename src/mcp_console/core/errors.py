"""One error type for everything a client can be told about, with a stable code and a hint."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An expected failure; the handler turns it into the shared JSON error shape."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        self.message = message
        self.status = status
        self.hint = hint
        self.details = details or {}
        self.headers = headers or {}


class RedisUnavailableError(AppError):
    def __init__(self) -> None:
        super().__init__(
            "REDIS_UNAVAILABLE",
            "The session and cache store (Redis) is not reachable.",
            status=503,
            hint="Retry in a few seconds; operators: check that Redis at REDIS_URL is running.",
            headers={"Retry-After": "2"},
            retryable=True,
        )
