"""What the web UI adds on top of the API: a catalog search asked of the API directly (JSON) vs
the same search through the `web` process (the API call plus rendering the results as HTML, as an
htmx request does while the user types), side by side on the same running processes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx
from tests.support.registry_servers import registry_servers
from tests.support.web import api_process, local_catalog_env, page_token, running_web

from bench.support import markdown_table, run_loadgen

ROUNDS = 2
SECONDS = 4.0
CONCURRENCY = 8
QUERY = "q=database&source=docker"


def _sign_in(web_url: str, email: str, password: str) -> str:
    """The UI session cookie of a real login through the web process."""
    with httpx.Client(base_url=web_url, timeout=30) as client:
        token = page_token(client.get("/login").text)
        form = {"csrf_token": token, "method": "master_password", "email": email}
        client.post("/login", data={**form, "master_password": password})
        return str(client.cookies["mcp_session"])


def _measure(root: Path) -> list[list[object]]:
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    with (
        registry_servers() as servers,
        api_process(
            root, local_catalog_env(servers), REDIS_URL=redis_url, LOG_LEVEL="WARNING"
        ) as api,
        running_web(api.env, api.base_url) as web_url,
    ):
        account = api.account()
        session = _sign_in(web_url, account.email, account.master_password)
        targets = {
            "API `GET /api/catalog` (JSON)": (
                f"{api.base_url}/api/catalog?{QUERY}",
                {"Authorization": f"Bearer {session}"},
            ),
            "web `GET /catalog` (htmx results fragment)": (
                f"{web_url}/catalog?{QUERY}",
                {"Cookie": f"mcp_session={session}", "HX-Request": "true"},
            ),
            "web `GET /catalog` (whole page)": (
                f"{web_url}/catalog?{QUERY}",
                {"Cookie": f"mcp_session={session}"},
            ),
        }
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(ROUNDS):  # interleaved so every target sees the same machine noise
            for name, (url, headers) in targets.items():
                samples[name].append(run_loadgen(url, SECONDS, CONCURRENCY, headers))
    rows: list[list[object]] = []
    for name, runs in samples.items():
        best = max(runs, key=lambda s: s["rps"])
        rows.append([name, best["rps"], best["p50_ms"], best["p99_ms"], best["errors"]])
    return rows


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        rows = _measure(Path(tmp))
    api_rps, fragment_rps = float(rows[0][1]), float(rows[1][1])  # type: ignore[arg-type]
    return (
        "## Web UI (`bench/bench_web.py`)\n\n"
        f"A catalog search (`{QUERY}`, the local Docker-catalog snapshot) with {CONCURRENCY} "
        f"concurrent keep-alive clients for {SECONDS:.0f} s per run, {ROUNDS} interleaved runs "
        "each, best run shown. One `api` and one `web` process (uvicorn, 1 worker each) share the "
        "machine's 2 cores with the load generator.\n\n"
        + markdown_table(["request", "requests/s", "p50 ms", "p99 ms", "errors"], rows)
        + f"\nThrough the UI a search as you type runs at {fragment_rps / api_rps:.2f} times the "
        "API's rate: each UI request makes two API requests (the sources for the selector and the "
        "search, sent at once) plus a template render, and both processes compete for the same "
        "cores here.\n"
    )
