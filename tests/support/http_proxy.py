"""A small loopback HTTP proxy for gateway tests: it forwards each request to the next backend
(round robin over one or more), optionally adds headers, and streams responses through unchanged,
byte for byte, as they arrive (SSE included).

Two uses: the conformance suite and other clients that cannot send an `Authorization` header get
one added here; and two API processes behind it serve one client session alternately, with a
count of the requests each backend answered.

Each response ends by closing the connection (HTTP/1.0 framing), so a stream of unknown length
needs no re-chunking. `Host`, `Origin` and every other end-to-end header pass as the client sent
them, as a reverse proxy that preserves the host does.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


@dataclass(frozen=True)
class Exchange:
    """One forwarded request: which backend answered, with what status and content type."""

    method: str
    backend: str
    status: int
    content_type: str | None


class StreamingProxy:
    """Round robin over `backends` (base URLs); `headers` are added to every forwarded request."""

    def __init__(self, backends: Sequence[str], headers: Mapping[str, str] | None = None) -> None:
        if not backends:
            raise ValueError("a proxy needs at least one backend")
        self.backends = [backend.rstrip("/") for backend in backends]
        self.headers = dict(headers or {})
        self.served: Counter[str] = Counter()
        self.exchanges: list[Exchange] = []
        self.failures: list[str] = []
        self._cycle = itertools.cycle(self.backends)
        self._lock = threading.Lock()
        self._open: set[httpx.Response] = set()
        self._client = httpx.Client(timeout=httpx.Timeout(60.0, read=None))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stops accepting, then closes the streams still open (a client's GET stream), so the
        backends see the disconnect at once rather than at their own shutdown."""
        self._server.shutdown()
        with self._lock:
            still_open = list(self._open)
        for response in still_open:
            response.close()
        self._server.server_close()
        self._client.close()

    def open_upstream(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> httpx.Response:
        with self._lock:
            backend = next(self._cycle)
            self.served[backend] += 1
        request = self._client.build_request(
            method, backend + path, headers={**headers, **self.headers}, content=body
        )
        response = self._client.send(request, stream=True)
        with self._lock:
            self._open.add(response)
            self.exchanges.append(
                Exchange(
                    method, backend, response.status_code, response.headers.get("content-type")
                )
            )
        return response

    def release(self, response: httpx.Response) -> None:
        response.close()
        with self._lock:
            self._open.discard(response)


def _handler_for(proxy: StreamingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in HOP_BY_HOP
            }
            try:
                upstream = proxy.open_upstream(self.command, self.path, headers, body)
            except httpx.HTTPError as error:
                proxy.failures.append(f"{self.command} {self.path}: {error!r}")
                self.send_error(502, "backend unreachable")
                return
            try:
                self.send_response_only(upstream.status_code)
                for name, value in upstream.headers.multi_items():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in upstream.iter_raw():
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (OSError, httpx.HTTPError):
                pass  # the client went away, or stop() closed the stream
            finally:
                proxy.release(upstream)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test's own assertions say what went wrong."""

    for method in ("GET", "POST", "PUT", "DELETE", "OPTIONS"):
        setattr(Handler, f"do_{method}", Handler._forward)
    return Handler


@contextmanager
def streaming_proxy(
    backends: Sequence[str], headers: Mapping[str, str] | None = None
) -> Iterator[StreamingProxy]:
    proxy = StreamingProxy(backends, headers)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
