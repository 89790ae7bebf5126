"""`mcp-console run`: migrate, make sure Redis is up, then run api, worker and web as children."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.redis import redis_reachable
from mcp_console.core.settings import Settings

logger = logging.getLogger("mcp_console.run")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CHILD_STOP_SECONDS = 10


def start_local_redis(url: str, data_dir: Path) -> subprocess.Popen[bytes] | None:
    """Start a throw-away `redis-server` for a local REDIS_URL that nothing answers on."""
    parsed = urlparse(url)
    binary = shutil.which("redis-server")
    if parsed.hostname not in LOCAL_HOSTS or binary is None:
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    port = str(parsed.port or 6379)
    process = subprocess.Popen(
        [
            binary,
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not redis_reachable(url):
        time.sleep(0.1)
    logger.info("started a local redis-server", extra={"port": port})
    return process


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "mcp_console", *args], env=env)


def _stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + CHILD_STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def _interrupt(_signum: int, _frame: object) -> None:
    """SIGTERM takes the same clean path as Ctrl-C."""
    raise KeyboardInterrupt


def child_environment(settings: Settings, host: str, api_port: int) -> dict[str, str]:
    """The children's environment: the web finds the API at `API_URL`; the gateway's endpoint
    URLs (`PUBLIC_URL`) follow the API's port too, unless the operator set one."""
    api_url = f"http://{host}:{api_port}"
    public_url = settings.public_url if "public_url" in settings.model_fields_set else api_url
    return {**os.environ, "API_URL": api_url, "PUBLIC_URL": public_url}


def run_all(settings: Settings, host: str, api_port: int, web_port: int) -> int:
    upgrade_to_head(settings.database_url)
    children: list[subprocess.Popen[bytes]] = []
    if not redis_reachable(settings.redis_url):
        local_redis = start_local_redis(settings.redis_url, settings.data_dir / "redis")
        if local_redis is None:
            logger.error("Redis at REDIS_URL is not reachable and cannot be started locally")
            return 1
        children.append(local_redis)
    env = child_environment(settings, host, api_port)
    children += [
        _spawn(["api", "--host", host, "--port", str(api_port)], env),
        _spawn(["worker"], env),
        _spawn(["web", "--host", host, "--port", str(web_port)], env),
    ]
    signal.signal(signal.SIGTERM, _interrupt)
    logger.info("console running", extra={"api": api_port, "web": web_port})
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        logger.error("a console process exited; stopping the others")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_all(children)
