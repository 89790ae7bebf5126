"""Start real console processes (and private Redis servers) for integration tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fresh_key() -> str:
    return Fernet.generate_key().decode("ascii")


def base_env(**overrides: str) -> dict[str, str]:
    """Environment for a console process: valid keys and the test Redis unless overridden."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_ENCRYPTION_KEY") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        CREDENTIAL_ENCRYPTION_KEY=fresh_key(),
        OAUTH_TOKEN_ENCRYPTION_KEY=fresh_key(),
        REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
        LOG_LEVEL="INFO",
    )
    env.update(overrides)
    return env


def wait_for_http(
    url: str, timeout: float = 30.0, process: subprocess.Popen[str] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def stop_process(process: subprocess.Popen[str], timeout: float = 10.0) -> str:
    """Stop a process (SIGTERM, then SIGKILL) and return everything it printed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


def console_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mcp_console", *args]


def spawn_console(
    args: list[str], env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        console_command(*args),
        env=dict(env),
        cwd=cwd or REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextmanager
def running_api(
    env: Mapping[str, str], port: int | None = None, logs: list[str] | None = None
) -> Iterator[str]:
    """A real `mcp-console api` process; yields its base URL and stops it afterwards (appending
    everything it printed to `logs`, when given)."""
    port = port or free_port()
    process = spawn_console(["api", "--port", str(port)], env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base_url}/health", process=process)
        yield base_url
    finally:
        output = stop_process(process)
        if logs is not None:
            logs.append(output)


class RedisServer:
    """A private redis-server that a test may really stop, freeze and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (scripts/test.sh installs it)"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def freeze(self) -> None:
        assert self.process
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process
        self.process.send_signal(signal.SIGCONT)
