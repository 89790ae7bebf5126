"""A small Docker-format catalog in several scripts, served from a local HTTP server: the
fixture of the ownership and Unicode-search tests (API and browser); `held_catalog` is one
that answers only when the test lets it (a fetch still in flight)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Event, Thread
from typing import Any

import yaml

# name -> (title, description); each is found by exactly one of UNICODE_QUERIES.
UNICODE_ENTRIES = {
    "jp-admin": ("サーバー管理", "MCPサーバーを管理するツール"),
    "zurich-weather": ("Zürich Wetter", "Wettervorhersage für die Schweiz"),
    "rocket": ("Rocket launcher", "Launches things 🚀 fast"),
    "cn-db": ("数据库助手", "查询数据库"),
    "plain-notes": ("Plain notes", "Keeps notes in a file"),
}
UNICODE_QUERIES = {
    "サーバー": "jp-admin",
    "管理": "jp-admin",
    "zurich": "zurich-weather",
    "Zürich": "zurich-weather",
    "🚀": "rocket",
    "数据库": "cn-db",
}


def catalog_yaml(entries: dict[str, tuple[str, str]]) -> bytes:
    """A Docker-format catalog of image servers: name -> (title, description)."""
    registry: dict[str, Any] = {
        name: {"title": title, "description": description, "type": "server", "image": f"mcp/{name}"}
        for name, (title, description) in entries.items()
    }
    return yaml.safe_dump({"version": 2, "name": "test", "registry": registry}).encode()


def unicode_catalog() -> bytes:
    return catalog_yaml(UNICODE_ENTRIES)


class _CatalogHandler(BaseHTTPRequestHandler):
    """Answers one catalog document; quiet."""

    def answer(self, status: int, payload: bytes, content_type: str = "application/yaml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Runs `handler` on a loopback port; yields the URL of `/catalog.yaml` there."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/catalog.yaml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def served_catalog(body: bytes) -> Iterator[str]:
    """Serves `body` at `/catalog.yaml` on loopback; yields its URL."""

    class Handler(_CatalogHandler):
        def do_GET(self) -> None:
            self.answer(200, body)

    with _serving(Handler) as url:
        yield url


@dataclass
class HeldCatalog:
    """A catalog server that holds each request open until `release` is set, then answers the
    catalog (or a 500 while `failing`); `requested` is set once a request arrived."""

    url: str
    requested: Event = field(default_factory=Event)
    release: Event = field(default_factory=Event)
    failing: bool = False


@contextmanager
def held_catalog(body: bytes) -> Iterator[HeldCatalog]:
    """Serves `body` at `/catalog.yaml` on loopback, each answer waiting for `release`."""
    held = HeldCatalog(url="")

    class Handler(_CatalogHandler):
        def do_GET(self) -> None:
            held.requested.set()
            if not held.release.wait(timeout=60):
                return
            if held.failing:
                self.answer(500, b"down", "text/plain")
            else:
                self.answer(200, body)

    with _serving(Handler) as held.url:
        try:
            yield held
        finally:
            held.release.set()  # no handler thread stays blocked past the test
