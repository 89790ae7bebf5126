"""The README's run command brings up the console; `run` starts Redis itself when none answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import REPO_ROOT, base_env, free_port, wait_for_http


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _stop_group(process: subprocess.Popen[str]) -> str:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def _start_detached(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """In its own process group, so the test can stop everything the command started."""
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        text=True,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_until_free(*ports: int) -> None:
    deadline = time.monotonic() + 15
    while not all(_port_free(port) for port in ports):
        assert time.monotonic() < deadline, f"something the run command started still holds {ports}"
        time.sleep(0.2)


def test_readme_run_command_serves_api_on_8000_and_web_on_3000(tmp_path: Path) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make run" in readme.split("##")[0], "the README must open with the run command"
    if not (_port_free(8000) and _port_free(3000)):
        pytest.fail("ports 8000/3000 are taken; stop whatever runs there before the suite")
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite", DATA_DIR=str(tmp_path))
    process = _start_detached(["make", "run"], env)
    try:
        wait_for_http("http://127.0.0.1:8000/health", timeout=120, process=process)
        wait_for_http("http://127.0.0.1:3000/", timeout=30, process=process)
        assert httpx.get("http://127.0.0.1:8000/health").json()["status"] == "ok"
        page = httpx.get("http://127.0.0.1:3000/")
        assert page.status_code == 200
        assert 'data-testid="api-status">ok<' in page.text
    finally:
        _stop_group(process)
    _wait_until_free(8000, 3000)


def test_run_starts_a_local_redis_when_none_answers(tmp_path: Path) -> None:
    redis_port, api_port, web_port = free_port(), free_port(), free_port()
    env = base_env(
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        DATA_DIR=str(tmp_path),
    )
    command = ["uv", "run", "mcp-console", "run", "--api-port", str(api_port)]
    process = _start_detached([*command, "--web-port", str(web_port)], env)
    try:
        wait_for_http(f"http://127.0.0.1:{api_port}/health", timeout=60, process=process)
        assert httpx.get(f"http://127.0.0.1:{api_port}/health/redis").status_code == 200
        assert not _port_free(redis_port)
    finally:
        _stop_group(process)
    _wait_until_free(redis_port)
