"""Runs the pinned third-party reference server `@modelcontextprotocol/server-everything` with Node.

The package (exact version in package.json, installed by `npm install`) listens on every
interface by default; a small preload script makes Node's `listen` bind 127.0.0.1 only, so the
test server is never reachable from outside the machine. The port is a free loopback port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from tests.support.processes import REPO_ROOT

PACKAGE = REPO_ROOT / "node_modules" / "@modelcontextprotocol" / "server-everything"
ENTRY = PACKAGE / "dist" / "index.js"
LOOPBACK_PRELOAD = """
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const callback = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
    return listen.call(this, Number(args[0]), "127.0.0.1", callback);
  }
  return listen.apply(this, args);
};
"""
Transport = Literal["streamableHttp", "sse"]
PATHS: dict[Transport, str] = {"streamableHttp": "/mcp", "sse": "/sse"}


@dataclass(frozen=True)
class EverythingServer:
    url: str
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server-everything exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server-everything did not start listening in time")


@contextmanager
def everything_server(transport: Transport, workdir: Path) -> Iterator[EverythingServer]:
    node = shutil.which("node")
    if node is None or not ENTRY.exists():
        pytest.fail("Node or server-everything is missing: run `npm install` (see package.json)")
    preload = workdir / "loopback-only.cjs"
    preload.write_text(LOOPBACK_PRELOAD)
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port), "HOME": str(workdir)}
    log = (workdir / f"everything-{transport}.log").open("wb")
    process = subprocess.Popen(
        [node, "--require", str(preload), str(ENTRY), transport],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_listening(port, process, time.monotonic() + 20)
        yield EverythingServer(url=f"http://127.0.0.1:{port}{PATHS[transport]}", port=port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
