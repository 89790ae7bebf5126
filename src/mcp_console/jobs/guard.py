"""Refuses job payloads and results that carry a secret value.

Job arguments and results sit in Redis in plain JSON, so they may only hold identifiers and
`{{ bw:... }}` references. A value that looks like a token, or that the process has resolved or
decrypted, is refused before it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mcp_console.core.errors import AppError
from mcp_console.core.logging import TOKEN_PATTERNS, SecretRegistry


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def find_secret_value(value: Any, registry: SecretRegistry) -> bool:
    return any(
        registry.scrub(text) != text or any(pattern.search(text) for pattern in TOKEN_PATTERNS)
        for text in _strings(value)
    )


def ensure_no_secret_values(value: Any, registry: SecretRegistry) -> None:
    if find_secret_value(value, registry):
        raise AppError(
            "SECRET_IN_PLAIN_TEXT",
            "A value looks like a secret and cannot be sent to the job queue.",
            status=422,
            hint="Store the secret in Bitwarden and pass a {{ bw:<item-id>:<field> }} reference.",
        )
