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


@contextmanager
def served_catalog(body: bytes) -> Iterator[str]:
    """Serves `body` at `/catalog.yaml` on loopback; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/yaml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/catalog.yaml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


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

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            held.requested.set()
            if not held.release.wait(timeout=60):
                return
            self.send_response(500 if held.failing else 200)
            payload = b"down" if held.failing else body
            self.send_header("Content-Type", "text/plain" if held.failing else "application/yaml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    held.url = f"http://127.0.0.1:{server.server_address[1]}/catalog.yaml"
    try:
        yield held
    finally:
        held.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
