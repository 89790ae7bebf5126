"""Hostile catalogs: what the bounded reader costs on the real catalog, what it saves on hostile
documents, and another user's search latency on a real API process while an attacker makes it
fetch an alias bomb and an oversized catalog over and over (p95 with and without, same run)."""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml
from tests.support.auth import bearer, login_user
from tests.support.hostile_servers import alias_bomb, catalog, hostile_servers, nested
from tests.support.registry_servers import docker_catalog, load_snapshot, registry_servers
from tests.support.web import api_process, local_catalog_env

from bench.support import markdown_table
from mcp_console.catalog.documents import DocumentLimits, DocumentReader
from mcp_console.core.errors import AppError

SEARCHES = 200
READER = DocumentReader(DocumentLimits())


def _ms(work: Callable[[], object]) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        work()
        outcome = "parsed"
    except AppError as exc:
        outcome = f"refused ({exc.details.get('reason')})"
    except RecursionError:
        outcome = "RecursionError (a 500)"
    return round((time.perf_counter() - started) * 1000, 1), outcome


def _expanded_bomb() -> int:
    """The old path: `yaml.safe_load`, then the JSON the cache and the API would write."""
    return len(json.dumps(yaml.safe_load(alias_bomb())))


def _parse_rows() -> list[list[object]]:
    real = docker_catalog(load_snapshot())
    bomb, deep = alias_bomb(), f"registry: {nested(20_000)}\n".encode()
    rows: list[list[object]] = []
    for label, body in (
        (f"real snapshot ({len(real) // 1024} KiB)", real),
        (f"alias bomb ({len(bomb)} B)", bomb),
        ("20,000 nested brackets", deep),
    ):
        before_ms, before = _ms(lambda body=body: yaml.safe_load(body))  # type: ignore[misc]
        after_ms, after = _ms(lambda body=body: READER.load(body))  # type: ignore[misc]
        rows.append([label, before_ms, before, after_ms, after])
    started = time.perf_counter()
    size = _expanded_bomb()
    rows.append(
        [
            "alias bomb, serialised as the cache did",
            round((time.perf_counter() - started) * 1000, 1),
            f"{size / 1e6:.0f} MB of JSON",
            "-",
            "never built",
        ]
    )
    return rows


def _memory_row() -> list[object]:
    """Peak Python memory while reading a large valid catalog, per byte of document."""
    body = catalog(20_000, "y" * 400)
    tracemalloc.start()
    READER.load(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [
        f"{len(body) / 1e6:.1f} MB JSON catalog",
        f"{peak / 1e6:.0f} MB",
        round(peak / len(body), 1),
    ]


def _p(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[49], 1), round(cuts[94], 1)


def _searches(client: httpx.Client) -> list[float]:
    samples = []
    for n in range(SEARCHES):
        started = time.perf_counter()
        response = client.get("/api/catalog", params={"source": "docker", "q": f"git{n % 3}"})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return samples


def _user(base_url: str, vaults: Path) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60)
    email = f"bench-{uuid.uuid4().hex[:8]}@example.test"
    client.headers.update(bearer(login_user(client, email, vaults_dir=vaults)))
    return client


def _latency_rows(tmp: Path) -> list[list[object]]:
    with registry_servers() as registry, hostile_servers() as hostile:
        hostile.state.documents.update({"/bomb.yaml": alias_bomb(), "/many.json": catalog(20_001)})
        with api_process(tmp, local_catalog_env(registry)) as api:
            victim = _user(api.base_url, api.bitwarden.vaults_dir)
            attacker = _user(api.base_url, api.bitwarden.vaults_dir)
            try:
                victim.get("/api/catalog", params={"source": "docker"})
                baseline = _searches(victim)
                created = attacker.post(
                    "/api/catalog/sources", json={"name": "bomb", "url": hostile.url("/bomb.yaml")}
                ).json()
                key = f"custom-{created['id']}"
                stop = threading.Event()
                rounds = [0]

                def attack() -> None:
                    urls = [hostile.url("/bomb.yaml"), hostile.url("/many.json")]
                    while not stop.is_set():
                        body = {"name": "bomb", "url": urls[rounds[0] % 2]}
                        attacker.put(f"/api/catalog/sources/{created['id']}", json=body)
                        attacker.get("/api/catalog", params={"source": key})
                        rounds[0] += 1

                thread = threading.Thread(target=attack)
                thread.start()
                attacked = _searches(victim)
                stop.set()
                thread.join()
            finally:
                victim.close()
                attacker.close()
    p50, p95 = _p(baseline)
    a50, a95 = _p(attacked)
    return [
        ["no bad source", p50, p95, "-"],
        [f"attacker re-fetching bomb / 20,001-item catalog ({rounds[0]} refetches)", a50, a95,
         round(a95 / p95, 2)],
    ]  # fmt: skip


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        latency = _latency_rows(Path(tmp))
    return (
        "## Hostile catalogs\n\n"
        "Reading a document: the old path (`yaml.safe_load`) against the bounded reader "
        "(`catalog/documents.py`: libyaml event pre-scan refusing aliases and depth, then "
        "libyaml's safe loader), same run.\n\n"
        + markdown_table(
            ["document", "old ms", "old outcome", "bounded ms", "bounded outcome"], _parse_rows()
        )
        + "\nMemory of a large valid document (tracemalloc peak; no alias expansion, so it "
        "scales with the bytes, which `CATALOG_MAX_DOCUMENT_BYTES` caps):\n\n"
        + markdown_table(["document", "peak", "bytes per document byte"], [_memory_row()])
        + f"\nAnother user's search (`source=docker`, {SEARCHES} sequential requests) on a real "
        "API process, without and then with an attacker who re-saves a custom source (dropping "
        "its cached failure) and searches it in a loop:\n\n"
        + markdown_table(["condition", "p50 ms", "p95 ms", "p95 ratio"], latency)
    )


if __name__ == "__main__":
    print(run())
