"""Real loopback listeners that play hostile upstreams: catalogs that try to hurt the console
(one drips a byte at a time), a host that accepts connections and never answers, a plain
listener that only records whether anyone called it, and a minimal MCP server (streamable HTTP,
JSON answers) whose tools carry hostile `inputSchema`s. Every request is counted, so tests
assert what was (not) fetched.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LAUGHS = 9
DRIP_BYTES = 600
DRIP_INTERVAL = 0.5


def alias_bomb(levels: int = 7) -> bytes:
    """A ~0.5 KB YAML document whose aliases expand to 9**levels strings ("billion laughs")."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * LAUGHS)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"registry: {{bomb: {{image: mcp/bomb, description: *a{levels - 1}}}}}")
    return "\n".join(lines).encode()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def catalog(entries: int, description: str = "x") -> bytes:
    """A Docker-format catalog (JSON) with `entries` harmless servers."""
    registry = {
        f"server-{n}": {"image": f"mcp/s{n}", "description": description} for n in range(entries)
    }
    return json.dumps({"registry": registry}).encode()


def schema_catalog(schemas: dict[str, dict[str, Any]]) -> bytes:
    """One installable entry per schema: `config[0].properties` is taken as the entry's schema."""
    registry = {
        name: {"image": "mcp/hostile", "title": name, "config": [{"properties": properties}]}
        for name, properties in schemas.items()
    }
    return json.dumps({"registry": registry}).encode()


@dataclass
class HostileState:
    documents: dict[str, bytes] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    tools: list[dict[str, Any]] = field(default_factory=list)
    call_text: str = "called"  # what every tools/call answers (size-cap tests make it large)
    gzip_answers: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> None:
        with self.lock:
            self.hits[path] += 1


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state = self.server.state
        path = self.path.split("?", 1)[0]
        state.count(path)
        if path == "/redirect-malformed":
            self._send(302, b"", "text/plain", Location="http://[::1")
        elif path == "/drip.yaml":
            self._drip()
        elif path in state.documents:
            self._send(200, state.documents[path], "application/x-yaml")
        elif path == "/mcp":
            self._send(405, b"", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def _drip(self) -> None:
        """A catalog that arrives one byte per half second: every read is within any per-read
        timeout, and the whole never ends (until the client goes away)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-yaml")
        self.end_headers()
        for _ in range(DRIP_BYTES):
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(DRIP_INTERVAL)

    def do_POST(self) -> None:
        state = self.server.state
        state.count(self.path)
        message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if "id" not in message:  # a notification
            self._send(202, b"", "text/plain")
            return
        result = self._mcp(message["method"], message.get("params") or {})
        body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}).encode()
        if state.gzip_answers and message["method"] == "tools/call":
            self._send(200, gzip.compress(body), "application/json", **{"Content-Encoding": "gzip"})
        else:
            self._send(200, body, "application/json")

    def _mcp(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "initialize":
            return {
                "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "hostile-schemas", "version": "1.0.0"},
            }
        if method == "tools/list":
            return {"tools": self.server.state.tools}
        if method == "tools/call":
            text = self.server.state.call_text
            return {"content": [{"type": "text", "text": text}], "isError": False}
        return {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: HostileState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@dataclass
class SilentListener:
    """Accepts TCP connections and never answers; counts the connections it accepted."""

    port: int
    accepted: list[socket.socket]


@dataclass
class HostileServers:
    base_url: str
    state: HostileState
    silent: SilentListener

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def silent_url(self) -> str:
        return f"http://127.0.0.1:{self.silent.port}/catalog.yaml"


def _accept_forever(listener: socket.socket, accepted: list[socket.socket]) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        accepted.append(connection)  # held open, never read or answered


@contextmanager
def hostile_servers() -> Iterator[HostileServers]:
    state = HostileState()
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    silent = SilentListener(listener.getsockname()[1], [])
    acceptor = threading.Thread(target=_accept_forever, args=(listener, silent.accepted))
    acceptor.daemon = True
    acceptor.start()
    try:
        yield HostileServers(f"http://127.0.0.1:{server.server_address[1]}", state, silent)
    finally:
        server.shutdown()
        server.server_close()
        listener.close()
        for connection in silent.accepted:
            connection.close()
