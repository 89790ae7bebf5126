"""Local HTTP servers that stand in for Docker's catalog, GitHub and the Official MCP Registry.

They serve the real snapshot in `../shared/data/docker-mcp-registry/`, converted here (by code
independent of the product's parsers) into each upstream's wire format, and count every request
so tests can assert how many upstream fetches happened.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

SNAPSHOT_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "docker-mcp-registry"
REPO = "docker/mcp-registry"
ARCHIVE_ROOT = "docker-mcp-registry-0123abc"
OFFICIAL_PREFIX = "io.github.docker-mcp"
EXTRA_OFFICIAL = 2  # synthetic npm-only and pypi-only entries added to the official emulation


@dataclass
class SnapshotServer:
    directory: str
    server: dict[str, Any]
    tools: list[dict[str, Any]] | None
    files: dict[str, bytes]


def load_snapshot(root: Path = SNAPSHOT_DIR) -> list[SnapshotServer]:
    servers = []
    for directory in sorted((root / "servers").iterdir()):
        files = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
        if "server.yaml" not in files:
            continue
        tools = json.loads(files["tools.json"]) if "tools.json" in files else None
        servers.append(
            SnapshotServer(directory.name, yaml.safe_load(files["server.yaml"]), tools, files)
        )
    return servers


def snapshot_docker_entry(snap: SnapshotServer) -> dict[str, Any]:
    data = snap.server
    about, meta, config = data.get("about", {}), data.get("meta", {}), data.get("config", {})
    run = data.get("run") or {}
    entry: dict[str, Any] = {
        "title": about.get("title"),
        "description": about.get("description"),
        "type": data.get("type"),
        "icon": about.get("icon"),
        "metadata": {"category": meta.get("category"), "tags": meta.get("tags", [])},
    }
    optional = {
        "image": data.get("image"),
        "source": (data.get("source") or {}).get("project"),
        "secrets": config.get("secrets"),
        # Docker's catalog file keeps `run:`'s keys at the top level, its env map as entries
        "env": [
            *(config.get("env") or []),
            *({"name": k, "value": v} for k, v in (run.get("env") or {}).items()),
        ],
        "command": run.get("command"),
        "volumes": run.get("volumes"),
        "user": run.get("user"),
        "disableNetwork": run.get("disableNetwork"),
        "remote": data.get("remote"),
        "tools": [{"name": t["name"]} for t in snap.tools or data.get("tools") or []],
    }
    entry.update({key: value for key, value in optional.items() if value})
    if config.get("parameters"):
        entry["config"] = [
            {"name": data["name"], "description": config.get("description"), **config["parameters"]}
        ]
    return entry


def docker_catalog(snapshot: list[SnapshotServer], fmt: str = "yaml") -> bytes:
    """Docker's catalog file: YAML v2 or JSON v3, a `registry:` map keyed by server name."""
    registry = {snap.server["name"]: snapshot_docker_entry(snap) for snap in snapshot}
    if fmt == "json":
        return json.dumps({"version": 3, "name": "docker-mcp", "registry": registry}).encode()
    document = {
        "version": 2,
        "name": "docker-mcp",
        "displayName": "Docker MCP",
        "registry": registry,
    }
    return yaml.safe_dump(document, sort_keys=False).encode()


def github_tarball(snapshot: list[SnapshotServer]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for snap in snapshot:
            for name, body in snap.files.items():
                info = tarfile.TarInfo(f"{ARCHIVE_ROOT}/servers/{snap.directory}/{name}")
                info.size = len(body)
                archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def _official_server(snap: SnapshotServer, version: str) -> dict[str, Any] | None:
    data, config = snap.server, snap.server.get("config", {})
    server: dict[str, Any] = {
        "name": f"{OFFICIAL_PREFIX}/{data['name']}",
        "title": data.get("about", {}).get("title"),
        "description": data.get("about", {}).get("description") or "",
        "version": version,
    }
    # a `config.env` entry in the secrets shape (uberall: `env:` and no value) is a secret
    env_secrets = [e for e in config.get("env", []) if "env" in e and "value" not in e]
    variables = [
        {"name": s["env"], "description": s.get("example"), "isSecret": True, "isRequired": True}
        for s in [*config.get("secrets", []), *env_secrets]
    ] + [
        {"name": e["name"], "description": str(e.get("example", "")), "isRequired": False}
        for e in config.get("env", [])
        if e not in env_secrets
    ]
    if data.get("image"):
        server["packages"] = [
            {
                "registryType": "oci",
                "identifier": data["image"],
                "transport": {"type": "stdio"},
                "environmentVariables": variables,
            }
        ]
    elif data.get("remote"):
        remote = data["remote"]
        server["remotes"] = [{"type": remote["transport_type"], "url": remote["url"]}]
    else:
        return None
    return server


def official_entries(snapshot: list[SnapshotServer]) -> list[dict[str, Any]]:
    """Registry list entries: every 7th server also has an older, non-latest version."""
    entries = []
    for n, snap in enumerate(snapshot):
        latest = _official_server(snap, "1.1.0")
        if latest is None:
            continue
        if n % 7 == 0:
            old = _official_server(snap, "1.0.0")
            entries.append({"server": old, "_meta": _meta(is_latest=False)})
        entries.append({"server": latest, "_meta": _meta(is_latest=True)})
    for kind in ("npm", "pypi"):
        server = {
            "name": f"io.example/{kind}-only",
            "description": f"Only published on {kind}",
            "version": "0.1.0",
            "packages": [{"registryType": kind, "identifier": f"{kind}-only-server"}],
        }
        entries.append({"server": server, "_meta": _meta(is_latest=True)})
    return entries


def _meta(*, is_latest: bool) -> dict[str, Any]:
    return {
        "io.modelcontextprotocol.registry/official": {"status": "active", "isLatest": is_latest}
    }


@dataclass
class RegistryState:
    """What the servers serve and how they misbehave; tests flip these between requests."""

    docker_yaml: bytes
    docker_json: bytes
    tarball: bytes
    official: list[dict[str, Any]]
    snapshot: list[SnapshotServer]
    page_size: int = 50
    official_loop: bool = False  # the last page's cursor points back to the second page
    archive_enabled: bool = True
    rate_limited: bool = False
    delay_seconds: float = 0.0
    failing: set[str] = field(default_factory=set)
    # GitHub accounts by token, for `GET /user`: token -> (login, `X-OAuth-Scopes` header value).
    github_users: dict[str, tuple[str, str]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    auth_headers: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (route kind, Authorization)
    host_headers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.hits[kind] += 1
            self.auth_headers.append(handler.headers.get("Authorization", ""))
            self.requests.append((kind, handler.headers.get("Authorization", "")))
            self.host_headers.append(handler.headers.get("Host", ""))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the suite's output stays readable."""

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, value: Any, status: int = 200) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        kind = _route_kind(url.path)
        state.count(kind, self)
        if state.delay_seconds:
            time.sleep(state.delay_seconds)
        if kind in state.failing:
            self._json({"message": "upstream broken"}, status=500)
            return
        route = getattr(self, f"_route_{kind}", None)
        if route is None:
            self._json({"message": "Not Found"}, status=404)
            return
        route(url)

    def _route_user(self, _url: Any) -> None:
        """GitHub's `GET /user`: the account of a known bearer token, 401 for any other."""
        if self._rate_limit():
            return
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        account = self.server.state.github_users.get(token)
        if account is None:
            self._json({"message": "Bad credentials", "status": "401"}, status=401)
            return
        body = json.dumps({"login": account[0], "id": 1, "type": "User"}).encode()
        self._send(200, body, "application/json", X_OAuth_Scopes=account[1])

    def _route_docker_yaml(self, _url: Any) -> None:
        self._send(200, self.server.state.docker_yaml, "application/x-yaml")

    def _route_docker_json(self, _url: Any) -> None:
        self._send(200, self.server.state.docker_json, "application/json")

    def _rate_limit(self) -> bool:
        if not self.server.state.rate_limited:
            return False
        self._send(
            403,
            b'{"message": "API rate limit exceeded"}',
            "application/json",
            X_RateLimit_Remaining="0",
            X_RateLimit_Reset="1900000000",
        )
        return True

    def _route_tarball(self, _url: Any) -> None:
        if self._rate_limit():
            return
        if not self.server.state.archive_enabled:
            self._json({"message": "Not Found"}, status=404)
            return
        location = f"/codeload/{REPO}/legacy.tar.gz/refs/heads/main"
        self._send(302, b"", "text/html", Location=location)

    def _route_codeload(self, _url: Any) -> None:
        self._send(200, self.server.state.tarball, "application/x-gzip")

    def _route_tree(self, _url: Any) -> None:
        if self._rate_limit():
            return
        tree = [
            {"path": f"servers/{snap.directory}/{name}", "type": "blob"}
            for snap in self.server.state.snapshot
            for name in snap.files
        ]
        self._json({"sha": "0123abc", "tree": tree, "truncated": False})

    def _route_contents(self, url: Any) -> None:
        if self._rate_limit():
            return
        path = url.path.split("/contents/", 1)[1]
        _servers, directory, name = path.split("/")
        snap = next((s for s in self.server.state.snapshot if s.directory == directory), None)
        if snap is None or name not in snap.files:
            self._json({"message": "Not Found"}, status=404)
        elif "raw" in self.headers.get("Accept", ""):
            self._send(200, snap.files[name], "application/vnd.github.raw")
        else:
            content = base64.b64encode(snap.files[name]).decode()
            self._json({"name": name, "path": path, "encoding": "base64", "content": content})

    def _route_official(self, url: Any) -> None:
        state = self.server.state
        query = parse_qs(url.query)
        limit = min(int(query.get("limit", ["30"])[0]), state.page_size)
        start = int(query.get("cursor", ["0"])[0] or 0)
        page = state.official[start : start + limit]
        metadata: dict[str, Any] = {"count": len(page)}
        if start + limit < len(state.official):
            # Alternate spellings page by page: both must be understood.
            cursor_key = "nextCursor" if (start // limit) % 2 == 0 else "next_cursor"
            metadata[cursor_key] = str(start + limit)
        elif state.official_loop and len(state.official) > limit:
            metadata["nextCursor"] = str(limit)
        self._json({"servers": page, "metadata": metadata})

    def _route_redirect(self, url: Any) -> None:
        target = parse_qs(url.query).get("to", ["/redirect"])[0]  # no target: a loop
        self._send(302, b"", "text/html", Location=target)

    def _route_hello(self, _url: Any) -> None:
        self._json({"host": self.headers.get("Host", "")})

    def _route_big(self, _url: Any) -> None:
        self._send(200, b"x" * (2 * 1024 * 1024), "application/json")

    def _route_html(self, _url: Any) -> None:
        self._send(200, b"<html></html>", "text/html")


def _route_kind(path: str) -> str:
    routes = {
        "/redirect": "redirect",
        "/hello": "hello",
        "/big": "big",
        "/html": "html",
        "/catalog.yaml": "docker_yaml",
        "/catalog.json": "docker_json",
        f"/repos/{REPO}/tarball": "tarball",
        f"/repos/{REPO}/git/trees/HEAD": "tree",
        "/v0/servers": "official",
        "/user": "user",
    }
    if path in routes:
        return routes[path]
    if path.startswith(f"/repos/{REPO}/contents/"):
        return "contents"
    if path.startswith("/codeload/"):
        return "codeload"
    return "other"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: RegistryState


@dataclass
class RegistryServers:
    state: RegistryState
    base_url: str

    @property
    def docker_url(self) -> str:
        return f"{self.base_url}/catalog.yaml"

    @property
    def docker_json_url(self) -> str:
        return f"{self.base_url}/catalog.json"

    def reset_counts(self) -> None:
        with self.state.lock:
            self.state.hits.clear()
            self.state.auth_headers.clear()
            self.state.requests.clear()
            self.state.host_headers.clear()


_CACHED: dict[str, RegistryState] = {}


def build_state() -> RegistryState:
    """Conversions are done once per test session; each server gets a fresh copy of the flags."""
    if "state" not in _CACHED:
        snapshot = load_snapshot()
        _CACHED["state"] = RegistryState(
            docker_yaml=docker_catalog(snapshot, "yaml"),
            docker_json=docker_catalog(snapshot, "json"),
            tarball=github_tarball(snapshot),
            official=official_entries(snapshot),
            snapshot=snapshot,
        )
    base = _CACHED["state"]
    return RegistryState(
        base.docker_yaml, base.docker_json, base.tarball, base.official, base.snapshot
    )


@contextmanager
def registry_servers(host: str = "127.0.0.1") -> Iterator[RegistryServers]:
    server = _Server((host, 0), _Handler)
    server.state = build_state()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RegistryServers(server.state, f"http://{host}:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
