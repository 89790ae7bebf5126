"""Redaction cannot be turned against the console: linear time on adversarial input, bounded
chunks, and an event loop that keeps running while megabytes are redacted.

Scaling is asserted as a ratio of the best of several runs at n and 8n characters, measured
side by side in CPU time of the test's own thread (so other processes on a busy machine do not
count): linear work gives about 8x, the quadratic pattern this replaced gave about 64x.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import pytest

from mcp_console.core.logging import CHUNK_CHARS, Redactor, SecretRegistry, text_chunks

GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
BASE_CHARS = 16_000
SCALE = 8
MAX_RATIO = 12.0  # linear is ~8; quadratic would be ~64


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "long hex": _repeat("0123456789abcdef"),
    "uuid list": lambda n: ", ".join(str(uuid.UUID(int=i)) for i in range(n // 38 + 1))[:n],
    "key-like words": _repeat("token_"),
    "key=key=": _repeat("token="),
    "unclosed quotes": _repeat('token="'),
    "bare pairs": _repeat("a="),
    "jwt prefixes": _repeat("-eyJ"),
    "github prefixes": _repeat("ghp_"),
    "bearer words": _repeat("Bearer "),
    "url userinfo": _repeat("://a:"),
    "pem headers": _repeat("-----BEGIN PRIVATE KEY-----"),
    "base64 run": _repeat("Ab+/"),
    "fernet prefixes": _repeat("gAAAAA="),
    "glued github prefixes": _repeat("x-ghp_"),
    "glued pat prefixes": _repeat("_github_pat_"),
    "glued sk prefixes": _repeat("-sk-"),
    "escaped jwt prefixes": _repeat("%20eyJ"),
}


def _best_seconds(redactor: Redactor, text: str, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.thread_time()
        redactor.text(text)
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_redaction_time_grows_linearly(name: str) -> None:
    redactor = Redactor(SecretRegistry())
    make = ADVERSARIAL[name]
    small = _best_seconds(redactor, make(BASE_CHARS))
    large = _best_seconds(redactor, make(BASE_CHARS * SCALE))
    assert large / small <= MAX_RATIO, f"{name}: {large / small:.1f}x for {SCALE}x the input"


def test_chunks_end_at_white_space_and_cover_the_text() -> None:
    words = " ".join(f"word{i}" for i in range(40_000))
    chunks = list(text_chunks(words))
    assert "".join(chunks) == words
    assert len(chunks) > 2
    assert all(chunk[-1].isspace() for chunk in chunks[:-1])
    assert all(len(chunk) <= CHUNK_CHARS + 16 for chunk in chunks)


def test_twenty_mebibytes_are_redacted_with_tokens_found_at_chunk_edges() -> None:
    filler = "x" * (CHUNK_CHARS - 20) + " "
    text = (filler + GITHUB_TOKEN + " ") * 320  # ~20 MiB, a token across every chunk edge
    redacted = Redactor(SecretRegistry()).text(text)
    assert GITHUB_TOKEN not in redacted
    assert redacted.count("***") == 320


async def test_the_event_loop_keeps_running_while_a_large_text_is_redacted() -> None:
    text = " ".join(["0123456789abcdef" * 64] * 20_000)  # ~20 MiB of hex words
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    before = ticks
    (redacted,) = await Redactor(SecretRegistry()).texts_off_loop([text])
    done.set()
    await ticker
    assert len(redacted) == len(text)
    assert ticks - before >= 20  # a blocked loop would have ticked once or not at all


def test_a_long_log_message_is_cut_at_a_word_and_redacted() -> None:
    redactor = Redactor(SecretRegistry())
    message = "start " + "y" * 10 + " " + GITHUB_TOKEN + " " + "z " * 10
    preview = redactor.preview(message, 30)
    assert GITHUB_TOKEN[:10] not in preview
    assert preview.startswith("start " + "y" * 10)
    assert preview.endswith("characters dropped]")
