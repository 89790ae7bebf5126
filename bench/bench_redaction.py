"""Log redaction throughput (MB/s) on ordinary and adversarial text, how it grows with the
input, and the key=value pattern it replaced (`[\\w-]*` before a keyword alternation), measured
side by side in one run on the same inputs."""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial

import httpx
from tests.support.processes import base_env, running_api

from bench.support import markdown_table
from mcp_console.core.logging import SENSITIVE_KEY_WORDS, Redactor, SecretRegistry

LATENCY_ROUNDS = 50
SIZES = (64_000, 512_000, 4_096_000)
OLD_SIZES = (1_000, 2_000)  # the old pattern is quadratic: larger inputs take minutes
_OLD_KEY_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>["']?[\w-]*(?:{"|".join(re.escape(w) for w in SENSITIVE_KEY_WORDS)})[\w-]*["']?)
    (?P<sep>\s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s&,;}}\])]+)
    """
)


def _ordinary(n: int) -> str:
    line = (
        "2026-11-30T18:00:00Z INFO mcp_console.request: request method=GET path=/api/containers "
        "status=200 duration_ms=3.1 token=abc123 user=someone@example.com\n"
    )
    return (line * (n // len(line) + 1))[:n]


INPUTS: dict[str, Callable[[int], str]] = {
    "log lines": _ordinary,
    "long hex": lambda n: ("0123456789abcdef" * (n // 16 + 1))[:n],
    "uuid list": lambda n: ", ".join(str(uuid.UUID(int=i)) for i in range(n // 38 + 1))[:n],
    "key-like words": lambda n: ("token_" * (n // 6 + 1))[:n],
}


def _seconds(work: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _old(text: str) -> str:
    return _OLD_KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}***", text)


def _long_path_latency() -> list[list[object]]:
    """Median latency of unauthenticated GETs with short and 16 KB paths on a real API process
    (each is answered 404 and its access-log line redacted), measured interleaved."""
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    paths = {"short path": "/api/nothing", "16 KB hex path": "/api/" + "0123456789abcdef" * 1024}
    samples: dict[str, list[float]] = {name: [] for name in paths}
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env(REDIS_URL=redis_url, DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/db.sqlite")
        with running_api(env) as base, httpx.Client(base_url=base) as client:
            for _ in range(LATENCY_ROUNDS):
                for name, path in paths.items():
                    started = time.perf_counter()
                    client.get(path)
                    samples[name].append((time.perf_counter() - started) * 1000)
    return [[name, f"{statistics.median(values):.2f}"] for name, values in samples.items()]


def run() -> str:
    redactor = Redactor(SecretRegistry())
    rows = []
    for name, make in INPUTS.items():
        times = [_seconds(partial(redactor.text, make(n))) for n in SIZES]
        speeds = [f"{n / t / 1e6:.1f}" for n, t in zip(SIZES, times, strict=True)]
        rows.append([name, *speeds, f"{times[-1] / times[0]:.0f}x"])
    old_rows = []
    for name in ("long hex", "key-like words"):
        text_small, text_large = (INPUTS[name](n) for n in OLD_SIZES)
        new = [_seconds(partial(redactor.text, t)) for t in (text_small, text_large)]
        old = [_seconds(partial(_old, t), runs=1) for t in (text_small, text_large)]
        old_rows.append(
            [name, f"{old[0] * 1000:.0f}", f"{old[1] * 1000:.0f}", f"{new[1] * 1000:.2f}",
             f"{old[1] / new[1]:.0f}x"]
        )  # fmt: skip
    size_heads = [f"MB/s at {n / 1e6:g} M" for n in SIZES]
    scale = SIZES[-1] // SIZES[0]
    return (
        "## Log redaction (`bench/bench_redaction.py`)\n\n"
        "`Redactor.text` (every secret pattern, the key=value pass, an empty exact-value "
        f"registry), best of 3, on inputs of {', '.join(f'{n:,}' for n in SIZES)} characters. "
        f"Time growth is the time at {scale}x the smallest input: linear work grows about "
        f"{scale}x, and the MB/s stay flat.\n\n"
        + markdown_table(["input", *size_heads, "time growth"], rows)
        + "\nThe key=value pattern this replaced, on the same inputs (one run each; it is "
        "quadratic, so 2x the input costs about 4x):\n\n"
        + markdown_table(
            ["input", "old 1 kB ms", "old 2 kB ms", "new 2 kB ms", "old / new at 2 kB"],
            old_rows,
        )
        + "\nA real `mcp-console api` process (`LOG_LEVEL=INFO`, so every request's line is "
        f"redacted), {LATENCY_ROUNDS} interleaved unauthenticated GETs each, median latency; the "
        "replaced pattern took 23 s for the 16 KB path:\n\n"
        + markdown_table(["request", "median ms"], _long_path_latency())
    )
