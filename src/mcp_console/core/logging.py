"""One logging set-up for the app, uvicorn and arq, with redaction that cannot be skipped.

Redaction runs in the formatter on the final text (message, extras and traceback), so no handler
that uses it can write an unredacted line. If redaction itself fails, only metadata is written.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from mcp_console.core.secret_patterns import SECRET_PATTERNS, mask_shapes
from mcp_console.core.secret_registry import MASK as MASK
from mcp_console.core.secret_registry import SecretRegistry as SecretRegistry
from mcp_console.core.secret_registry import secret_registry as secret_registry

CHUNK_CHARS = 64 * 1024
MAX_CHUNK_CHARS = 1024 * 1024
INLINE_CHARS = 16 * 1024
MAX_MESSAGE_CHARS = 32 * 1024  # a longer log message is cut (see `Redactor.preview`)
_WHITE_SPACE = re.compile(r"\s")
MAX_WORD_CHARS = 4096

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

SENSITIVE_KEY_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "authorization",
    "cookie",
    "set-cookie",
    "session_key",
    "sessionkey",
    "client_secret",
    "master_password",
    "bw_session",
    "private_key",
    "credential",
    "encryption_key",
)
# A `key=value`, `key: value` or `"key": "value"` pair inside free text (query strings,
# repr()s...). Only runs of word characters holding a sensitive word are looked at: the word is
# found first (a literal alternation), then the run's start (at most `MAX_KEY_CHARS` back), the
# key and separator at that start, and the (bounded, quoted or bare) value at the separator's
# end. Each run is visited once, so the pass is linear.
MAX_KEY_CHARS = 80
_WORD_ALTERNATION = "|".join(
    re.escape(w).replace(r"\-", "[-_]").replace("_", "[-_]") for w in SENSITIVE_KEY_WORDS
)
# Case-insensitive search is ten times slower in `re`: ASCII text is searched lowered (same
# positions), anything else with IGNORECASE.
_SENSITIVE_WORD_LOWER = re.compile(_WORD_ALTERNATION)
_SENSITIVE_WORD = re.compile(_WORD_ALTERNATION, re.IGNORECASE)
_RUN_BEFORE = re.compile(rf"[\w-]{{0,{MAX_KEY_CHARS}}}+\Z")
_RUN_AFTER = re.compile(r"[\w-]*+")
_KEY_AND_SEPARATOR = re.compile(
    rf"""(?<![\w-])(["']?)([\w-]{{1,{MAX_KEY_CHARS}}}+)\1[ \t]{{0,8}}+[:=][ \t]{{0,8}}+"""
)
_VALUE = re.compile(r""""[^"\n]{0,4096}+"|'[^'\n]{0,4096}+'|[^\s&,;}\])]{1,4096}+""")
TOKEN_PATTERNS: tuple[re.Pattern[str], ...] = tuple(p.regex for p in SECRET_PATTERNS)


def is_sensitive_key(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return any(word.replace("-", "_") in lowered for word in SENSITIVE_KEY_WORDS)


def text_chunks(text: str) -> Iterator[str]:
    """`text` cut into pieces of about `CHUNK_CHARS`, each ending at white space when there is
    any within `MAX_CHUNK_CHARS`, so that no token is cut and no regex call runs long."""
    start = 0
    while len(text) - start > CHUNK_CHARS:
        space = _WHITE_SPACE.search(text, start + CHUNK_CHARS, start + MAX_CHUNK_CHARS)
        end = space.end() if space else start + MAX_CHUNK_CHARS
        yield text[start:end]
        start = end
    yield text[start:]


def _word_boundary_before(text: str, index: int) -> int:
    """The last cut position at or before `index` that splits no word (at most
    `MAX_WORD_CHARS` back; a longer word is dropped whole)."""
    floor = max(0, index - MAX_WORD_CHARS)
    while index > floor and not (text[index - 1].isspace() or text[index].isspace()):
        index -= 1
    return index


class Redactor:
    """Masks sensitive keys, token patterns and registered exact values in text and structures.

    Every step is linear in the input (see `core/secret_patterns.py`); long texts are redacted
    chunk by chunk, and `texts_off_loop` runs them in a thread so that an event loop keeps
    serving while a megabyte of container log or tool output is redacted.
    """

    def __init__(self, registry: SecretRegistry) -> None:
        self.registry = registry

    def text(self, value: str) -> str:
        if len(value) > CHUNK_CHARS:
            return "".join(self._chunk(chunk) for chunk in text_chunks(value))
        return self._chunk(value)

    def _chunk(self, value: str) -> str:
        return _mask_sensitive_pairs(mask_shapes(self.registry.scrub(value)))

    async def texts_off_loop(self, values: Sequence[str]) -> list[str]:
        """The same as `text` for each value; past `INLINE_CHARS` in all, the work runs in a
        worker thread. A regex call holds the GIL, so it is the bounded chunks of `text` that
        let the event loop run in between."""
        if sum(len(value) for value in values) <= INLINE_CHARS:
            return [self.text(value) for value in values]
        return await asyncio.to_thread(lambda: [self.text(value) for value in values])

    def preview(self, value: str, limit: int) -> str:
        """At most about `limit` characters, redacted, for a log line: cut first (at a word
        boundary, so no half token stays behind unmasked), then redacted."""
        if len(value) <= limit:
            return self.text(value)
        kept = value[: _word_boundary_before(value, limit)]
        return f"{self.text(kept)}[... {len(value) - len(kept)} characters dropped]"

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                self.text(key) if isinstance(key, str) else key: (
                    MASK if isinstance(key, str) and is_sensitive_key(key) else self.data(item)
                )
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value


def _mask_sensitive_pairs(text: str) -> str:
    """Mask the value of every `key=value` pair whose key is sensitive, in one forward pass."""
    out: list[str] = []
    cursor = position = 0
    ascii_text = text.isascii()
    haystack = text.lower() if ascii_text else text
    words = _SENSITIVE_WORD_LOWER if ascii_text else _SENSITIVE_WORD
    while (word := words.search(haystack, position)) is not None:
        run = _RUN_BEFORE.search(text, max(0, word.start() - MAX_KEY_CHARS), word.start())
        start = run.start() if run else word.start()
        if start and text[start - 1] in "\"'":
            start -= 1
        pair = _KEY_AND_SEPARATOR.match(text, start)
        value = _VALUE.match(text, pair.end()) if pair and pair.end(2) >= word.end() else None
        if pair is None or value is None:
            after = _RUN_AFTER.match(text, word.end())
            position = after.end() if after else word.end()  # the rest of this run: same key
            continue
        out += [text[cursor : pair.end()], MASK]
        cursor = position = value.end()
    if not out:
        return text
    out.append(text[cursor:])
    return "".join(out)


redactor = Redactor(secret_registry)

_STANDARD_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_FIELDS}


class RedactingFormatter(logging.Formatter):
    """Formats JSON (production) or readable text (development) and redacts the result."""

    def __init__(self, json_output: bool, redact: Redactor = redactor) -> None:
        super().__init__()
        self.json_output = json_output
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        try:
            return self._format_redacted(record)
        except Exception:  # redaction must never be the reason a secret escapes
            return self._metadata_only(record)

    def _format_redacted(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact.preview(record.getMessage(), MAX_MESSAGE_CHARS),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(self.redact.data(_extras(record)))
        if record.exc_info:
            entry["exception"] = self.redact.text(self.formatException(record.exc_info))
        if self.json_output:
            return json.dumps(entry, default=str)
        return _readable(entry)

    def _metadata_only(self, record: logging.LogRecord) -> str:
        entry: dict[str, str | int] = {
            "level": record.levelname,
            "logger": record.name,
            "message": "log record dropped: redaction failed",
        }
        for key in ("method", "path", "status"):
            value = getattr(record, key, None)
            if isinstance(value, str | int):
                entry[key] = str(value)[:200] if key == "path" else value
        return json.dumps(entry)


def _readable(entry: dict[str, Any]) -> str:
    head = (
        f"{entry.pop('time')} {entry.pop('level'):<7} {entry.pop('logger')}: {entry.pop('message')}"
    )
    exception = entry.pop("exception", None)
    rest = " ".join(f"{key}={value}" for key, value in entry.items())
    line = f"{head} {rest}".rstrip()
    return f"{line}\n{exception}" if exception else line


MANAGED_LOGGERS = ("mcp_console", "uvicorn", "uvicorn.error", "uvicorn.access", "arq", "alembic")
# The MCP SDK logs whole JSON-RPC messages (tool results, resource contents) at debug level, and
# parse failures with a traceback that quotes the input. Payloads are never logged, whatever
# LOG_LEVEL says: only its warnings and errors pass, with the exception's type instead of its text.
# `sse_starlette` (the SDK server's SSE responses, the gateway's) logs every chunk it sends.
PAYLOAD_LOGGERS = ("mcp", "sse_starlette")


class PayloadLoggerFilter(logging.Filter):
    """Keeps protocol libraries' records to their outcome; everyone else's pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not any(record.name == n or record.name.startswith(n + ".") for n in PAYLOAD_LOGGERS):
            return True
        if record.levelno < logging.WARNING:
            return False
        if record.exc_info:
            kind = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            record.msg, record.args = f"{record.getMessage()} ({kind})", None
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(
    level: str, json_output: bool, stream: TextIO | None = None
) -> logging.Handler:
    """Route the app, uvicorn and arq loggers to one redacting handler on the root logger."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(json_output))
    handler.addFilter(PayloadLoggerFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in MANAGED_LOGGERS:
        logger = logging.getLogger(name)
        for existing in list(logger.handlers):
            logger.removeHandler(existing)
        logger.propagate = True
        logger.setLevel(level)
    return handler
