"""A small closed-loop HTTP load generator, run as its own process so it never shares the server's
event loop. Prints JSON: requests, errors, rps and latency percentiles in milliseconds."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx


async def _worker(client: httpx.AsyncClient, url: str, until: float, out: list[float]) -> int:
    errors = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.get(url)
        out.append((time.perf_counter() - started) * 1000)
        errors += response.status_code >= 400
    return errors


async def measure(
    url: str, seconds: float, concurrency: int, headers: dict[str, str] | None = None
) -> dict[str, float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10, headers=headers) as client:
        await client.get(url)  # warm the connection pool
        until = time.perf_counter() + seconds
        errors = await asyncio.gather(
            *(_worker(client, url, until, latencies) for _ in range(concurrency))
        )
    return summarise(latencies, seconds, sum(errors))


def summarise(latencies: list[float], seconds: float, errors: int = 0) -> dict[str, float]:
    ordered = sorted(latencies)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "requests": len(ordered),
        "errors": errors,
        "rps": round(len(ordered) / seconds, 1),
        "p50_ms": round(cuts[49], 3),
        "p95_ms": round(cuts[94], 3),
        "p99_ms": round(cuts[98], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--header", action="append", default=[], help="`Name: value`, repeatable")
    args = parser.parse_args()
    headers = dict(item.split(": ", 1) for item in args.header)
    print(json.dumps(asyncio.run(measure(args.url, args.seconds, args.concurrency, headers))))


if __name__ == "__main__":
    main()
