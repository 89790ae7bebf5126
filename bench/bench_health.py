"""`GET /health` (cached dependency summary) vs `GET /health/redis` (live Redis ping), side by side
on the same running API process, with the load generator in another process."""

from __future__ import annotations

import os
import tempfile

from tests.support.processes import base_env, running_api

from bench.support import markdown_table, run_loadgen

ROUNDS = 2
SECONDS = 4.0
CONCURRENCY = 16


def run() -> str:
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env(
            REDIS_URL=redis_url,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/db.sqlite",
            LOG_LEVEL="WARNING",
        )
        with running_api(env) as base:
            results: dict[str, list[dict[str, float]]] = {"/health": [], "/health/redis": []}
            for _ in range(ROUNDS):  # interleaved so both endpoints see the same machine noise
                for path, samples in results.items():
                    samples.append(run_loadgen(base + path, SECONDS, CONCURRENCY))
    rows = []
    for path, samples in results.items():
        best = max(samples, key=lambda s: s["rps"])
        rows.append([f"`GET {path}`", best["rps"], best["p50_ms"], best["p99_ms"], best["errors"]])
    ratio = rows[0][1] / rows[1][1] if rows[1][1] else float("nan")  # type: ignore[operator]
    return (
        "## Health endpoints\n\n"
        f"One `mcp-console api` process (uvicorn, 1 worker), {CONCURRENCY} concurrent keep-alive "
        f"clients for {SECONDS:.0f} s per run, {ROUNDS} interleaved runs each, best run shown.\n\n"
        + markdown_table(["endpoint", "requests/s", "p50 ms", "p99 ms", "errors"], rows)
        + f"\n`/health` serves {ratio:.2f} times the requests/s of `/health/redis`: it answers "
        "from the background monitor's last check instead of pinging Redis on each request.\n"
    )
