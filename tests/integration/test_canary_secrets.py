"""The canary test: every flow of the product runs with known secret values in the fake vault
(and known plain-text secrets a careless client sends), against real `mcp-console api` and
`worker` processes, real Redis, SQLite in WAL mode and Docker. Afterwards `audit-secrets` must
find nothing, and no canary may appear, raw or encoded, in the SQLite file or its WAL/SHM, in any
Redis key or value, in any process's output, or in any HTTP response body. (The environment of
the containers holds the resolved values by design: that is where they are meant to go, and it is
not one of the console's stores.)

To cover a new flow, write a function taking the `Run` and add it to `FLOWS`; the test logs out
after them all (and scans both while logged in and after logout).
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import pytest
from redis import Redis as SyncRedis

from mcp_console.core.migrate import upgrade_to_head
from tests.support.auth import fake_bw_env, login_payload
from tests.support.bitwarden import FakeBitwarden
from tests.support.canary import (
    RecordingClient,
    leaks,
    logged_console,
    random_text,
    stored_bytes,
)
from tests.support.catalog_entries import catalog_document, echo_entry
from tests.support.containers import remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.processes import base_env, console_command, free_port, wait_for_http
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.web import local_catalog_env
from tests.support.workers import wait_for_worker_count

pytestmark = pytest.mark.docker

SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 3600 & wait"]


@dataclass(frozen=True)
class Vault:
    """The canaries: the account's master password and vault values, each with its reference,
    and plain-text secrets that requests try (and fail) to store."""

    email: str = field(default_factory=lambda: f"canary-{uuid.uuid4().hex[:8]}@example.test")
    item: str = "canary-item"
    master_password: str = field(default_factory=lambda: "Canary-Master-" + random_text(16))
    password: str = field(default_factory=lambda: "Canary-Pw-" + random_text(20))
    notes: str = field(default_factory=lambda: "Canary notes " + random_text(20))
    api_token: str = field(default_factory=lambda: "ghp_" + random_text(36))
    # Resolved only by the worker, for the inspector's container: no API process ever holds it.
    tool_secret: str = field(default_factory=lambda: "Canary-Tool-" + random_text(20))
    plain_token: str = field(default_factory=lambda: "ghp_" + random_text(36))
    plain_answer: str = field(default_factory=lambda: "Canary-Plain-" + random_text(20))
    url_password: str = field(default_factory=lambda: "Canary-UrlPw-" + random_text(16))
    # GitHub tokens: one the stand-in knows (not token-shaped, so no redactor masks it), and a
    # token-shaped one it refuses.
    github_token: str = field(default_factory=lambda: "Canary-GhTok-" + random_text(24))
    wrong_github_token: str = field(default_factory=lambda: "ghp_" + random_text(36))

    def ref(self, name: str) -> str:
        return f"{{{{ bw:{self.item}:{name} }}}}"

    def items(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self.item,
                "name": "Canary",
                "type": 1,
                "notes": self.notes,
                "login": {"username": "canary-user", "password": self.password},
                "fields": [
                    {"name": "api_token", "value": self.api_token, "type": 1},
                    {"name": "tool_secret", "value": self.tool_secret, "type": 1},
                ],
            }
        ]

    def canaries(self) -> dict[str, str]:
        names = ("master_password", "password", "notes", "api_token", "tool_secret")
        plain = (
            "plain_token",
            "plain_answer",
            "url_password",
            "github_token",
            "wrong_github_token",
        )
        return {name: getattr(self, name) for name in names + plain}


@dataclass
class Run:
    """What the flows share: the recording API client, the vault, images, and what they made."""

    api: RecordingClient
    vault: Vault
    busybox: str
    mcp_server: str
    catalog: RegistryServers
    containers: dict[str, str] = field(default_factory=dict)

    def create(self, name: str, config: dict[str, Any], *, queued: bool = False) -> dict[str, Any]:
        """`POST /api/containers`, or with `?async=true` through the worker when `queued`."""
        body = {"config": config, "server_name": name}
        if queued:
            params = {"async": True}
            accepted = self.api.call("POST", "/api/containers", 202, json=body, params=params)
            job = self.api.wait_for_job(accepted.json()["job_id"])
            assert job["status"] == "succeeded", job
            result: dict[str, Any] = job["result"]
        else:
            result = self.api.call("POST", "/api/containers", 201, json=body).json()
        self.containers[name] = result["container_id"]
        return result


# --- flows -------------------------------------------------------------------------------------


def login(run: Run) -> None:
    body = login_payload(run.vault.email, password=run.vault.master_password)
    session_id = run.api.call("POST", "/api/auth/login", 200, json=body).json()["session_id"]
    run.api.headers["Authorization"] = f"Bearer {session_id}"
    run.api.call("GET", "/api/auth/session", 200)


def resolve_references(run: Run) -> None:
    env = {"TOKEN": run.vault.ref("api_token"), "PW": run.vault.ref("password"), "MODE": "x"}
    accepted = run.api.call("POST", "/api/secrets/resolve", 202, json={"env": env})
    assert run.api.wait_for_job(accepted.json()["job_id"])["status"] == "succeeded"


def create_sync_and_async(run: Run) -> None:
    env = {
        "API_TOKEN": run.vault.ref("api_token"),
        "DB_URL": f"postgres://app:{run.vault.ref('password')}@db/app",
        "NOTES": run.vault.ref("notes"),
        "LOG_LEVEL": "debug",
    }
    run.create("canary-sync", {"image": run.busybox, "command": SLEEPER, "env": env})
    run.create("canary-async", {"image": run.busybox, "command": SLEEPER, "env": env}, queued=True)
    run.api.call("GET", f"/api/containers/{run.containers['canary-sync']}/config", 200)
    run.api.call("GET", "/api/containers", 200, params={"all": True, "stats": True})


def install_from_catalog(run: Run) -> None:
    body = {
        "item_id": "docker:echo-server",
        "parameters": {"region": "eu"},
        "secrets": {"echo-server.api_key": run.vault.ref("password")},
        "command": SLEEPER,
    }
    run.api.call("GET", "/api/catalog", 200, params={"q": "echo"})
    run.api.call("POST", "/api/containers/install", 200, json=body, params={"dry_run": True})
    installed = run.api.call("POST", "/api/containers/install", 201, json=body).json()
    run.containers["canary-install"] = installed["container_id"]
    accepted = run.api.call(
        "POST", "/api/containers/install", 202, json=body, params={"async": True}
    )
    job = run.api.wait_for_job(accepted.json()["job_id"])
    assert job["status"] == "succeeded", job


def start_stop_restart(run: Run) -> None:
    container_id = run.containers["canary-sync"]
    for action, status in (("stop", "exited"), ("start", "running"), ("restart", "running")):
        answer = run.api.call("POST", f"/api/containers/{container_id}/{action}", 200).json()
        assert answer["status"] == status


def inspector_tool_call(run: Run) -> None:
    config = {
        "image": run.mcp_server,
        "stdin_open": True,
        "env": {"CANARY": run.vault.ref("tool_secret")},
    }
    # Created by the worker, with a value nothing else uses: the API process answering the call
    # never resolved it, so only not logging tool results (not masking) can keep it out of logs.
    container_id = run.create("canary-mcp", config, queued=True)["container_id"]
    run.api.call("GET", f"/api/inspector/{container_id}/tools", 200)
    answer = run.api.call(
        "POST",
        f"/api/inspector/{container_id}/tools/env_value/call",
        200,
        json={"arguments": {"name": "CANARY"}},
    )
    assert run.vault.tool_secret in answer.text  # the container saw the resolved value
    # The one place a canary may appear: the caller asked the tool for it, and the answer goes
    # back to that caller only. It is excluded from the response scan, nowhere else.
    run.api.exclude_last("the tool call returns the canary to the user who asked for it")


def stream_logs(run: Run) -> None:
    for name in ("canary-sync", "canary-mcp"):
        path = f"/api/containers/{run.containers[name]}/logs"
        answer = run.api.call("GET", path, 200, params={"follow": "false", "tail": "all"})
        assert "data:" in answer.text


def add_catalog_source(run: Run) -> None:
    body = {"name": "canary catalog", "url": run.catalog.docker_url}
    source = run.api.call("POST", "/api/catalog/sources", 201, json=body).json()
    run.api.call("GET", "/api/catalog", 200, params={"source": source["id"]})
    run.api.call("GET", "/api/catalog/sources", 200)


def plain_text_secrets_are_refused(run: Run) -> None:
    vault = run.vault
    config = {"image": run.busybox, "env": {"GITHUB_TOKEN": vault.plain_token}}
    install = {
        "item_id": "docker:echo-server",
        "parameters": {"region": "eu"},
        "secrets": {"echo-server.api_key": vault.plain_answer},
    }
    source = {"name": "leaky", "url": f"https://canary:{vault.url_password}@example.com/c.yaml"}
    attempts: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("/api/containers", {"config": config}, {}),
        ("/api/containers", {"config": config}, {"async": True}),
        ("/api/containers/install", install, {}),
        ("/api/containers/install", install, {"async": True}),
        ("/api/containers/install", install, {"dry_run": True}),
        ("/api/secrets/resolve", {"env": {"GITHUB_TOKEN": vault.plain_token}}, {}),
        ("/api/catalog/sources", source, {}),
    ]
    for path, body, params in attempts:
        refused = run.api.call("POST", path, 422, json=body, params=params).json()
        assert refused["error"]["code"] == "SECRET_IN_PLAIN_TEXT", (path, refused)


def delete_container(run: Run) -> None:
    container_id = run.containers.pop("canary-async")
    run.api.call("DELETE", f"/api/containers/{container_id}", 204, params={"force": True})


def edit_config(run: Run) -> None:
    """`PATCH .../config`: a new reference applied by a restart at once, then by a restart job;
    a plain token is refused."""
    path = f"/api/containers/{run.containers['canary-sync']}/config"
    view = run.api.call("GET", path, 200).json()
    env = {**view["config"]["env"], "MORE_NOTES": run.vault.ref("notes")}
    body = {"config_version": view["config_version"], "config": {"env": env}}
    edited = run.api.call("PATCH", path, 200, json=body, params={"restart": True}).json()
    assert edited["restart"] == "applied", edited
    body = {"config_version": edited["config_version"], "config": {"env": {**env, "MODE": "b"}}}
    params = {"restart": True, "async": True}
    queued = run.api.call("PATCH", path, 202, json=body, params=params).json()
    assert run.api.wait_for_job(queued["job_id"])["status"] == "succeeded"
    plain = {"GITHUB_TOKEN": run.vault.plain_token}
    body = {"config_version": queued["config_version"], "config": {"env": plain}}
    refused = run.api.call("PATCH", path, 422, json=body).json()
    assert refused["error"]["code"] == "SECRET_IN_PLAIN_TEXT"


def github_token(run: Run) -> None:
    """A refused token; set, status, remove, set again (left stored for the scan while logged
    in); a refresh of the GitHub catalog source, which sends the token to the stand-in."""
    vault = run.vault
    run.catalog.state.github_users[vault.github_token] = ("canary-octocat", "repo")
    run.api.call("PUT", "/api/github-token", 422, json={"token": vault.wrong_github_token})
    run.api.call("PUT", "/api/github-token", 200, json={"token": vault.github_token})
    run.api.call("DELETE", "/api/github-token", 204)
    run.api.call("PUT", "/api/github-token", 200, json={"token": vault.github_token})
    status = run.api.call("GET", "/api/github-token/status", 200).json()
    assert status["configured"] and status["login"] == "canary-octocat"
    run.api.call("GET", "/api/catalog", 200, params={"source": "github", "page_size": 1})
    assert f"Bearer {vault.github_token}" in run.catalog.state.auth_headers


def logout(run: Run) -> None:
    run.api.call("POST", "/api/auth/logout", 200)


FLOWS: list[Callable[[Run], None]] = [
    login,
    resolve_references,
    create_sync_and_async,
    install_from_catalog,
    start_stop_restart,
    inspector_tool_call,
    stream_logs,
    add_catalog_source,
    plain_text_secrets_are_refused,
    edit_config,
    github_token,
    delete_container,
]


# --- the console under test --------------------------------------------------------------------


@dataclass
class Console:
    """Settings shared by the processes (one set of keys), where they log, the catalog stand-in."""

    env: dict[str, str]
    root: Path
    catalog: RegistryServers

    @property
    def logs(self) -> dict[str, Path]:
        return {name: self.root / f"{name}.log" for name in ("api", "worker")}


@pytest.fixture(name="console")
def console_fixture(
    tmp_path: Path, raw_redis: SyncRedis, busybox_image: BuiltImage
) -> Iterator[Console]:
    """A fresh SQLite file, the fake `bw`, a local catalog stand-in, an emptied test Redis."""
    database_url = f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    upgrade_to_head(database_url)
    with registry_servers() as servers:
        servers.state.docker_yaml = catalog_document({"echo-server": echo_entry(busybox_image.tag)})
        env = base_env(
            **fake_bw_env(tmp_path / "vaults"),
            **local_catalog_env(servers),
            DATABASE_URL=database_url,
            DATA_DIR=str(tmp_path / "data"),
            LOG_LEVEL="DEBUG",
        )
        yield Console(env, tmp_path, servers)


def _start(console: Console, stack: ExitStack) -> str:
    """`mcp-console api` and `worker`, their whole output in files; returns the API's URL."""
    port = free_port()
    logs = console.logs
    api_args = ["api", "--port", str(port)]
    api = stack.enter_context(logged_console(api_args, console.env, logs["api"]))
    stack.enter_context(logged_console(["worker"], console.env, logs["worker"]))
    base_url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base_url}/health", process=api)
    asyncio.run(wait_for_worker_count(console.env["REDIS_URL"], 1))
    return base_url


def _assert_nothing_at_rest(console: Console, vault: Vault) -> None:
    """`audit-secrets` is clean, and no canary is in the SQLite files or any Redis key/value."""
    audit = subprocess.run(
        console_command("audit-secrets"),
        env=console.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    places = stored_bytes(console.env["DATABASE_URL"], console.env["REDIS_URL"])
    assert places, "nothing was scanned"
    assert leaks(places, vault.canaries()) == []


def test_no_canary_anywhere_after_every_flow(
    console: Console,
    mcp_server_image: BuiltImage,
    busybox_image: BuiltImage,
    docker_client: docker.DockerClient,
) -> None:
    vault = Vault()
    FakeBitwarden(console.root / "vaults").add_account(
        vault.email, master_password=vault.master_password, items=vault.items()
    )
    with ExitStack() as stack:
        stack.callback(remove_containers_of, docker_client, [vault.email])
        api = RecordingClient(_start(console, stack))
        stack.callback(api.close)
        run = Run(api, vault, busybox_image.tag, mcp_server_image.tag, console.catalog)
        for flow in FLOWS:
            flow(run)
        _assert_nothing_at_rest(console, vault)  # logged in: session record, secret cache, jobs
        logout(run)
    _assert_nothing_at_rest(console, vault)  # logged out, processes stopped (WAL checkpointed)
    output = {f"{name} output": path.read_bytes() for name, path in console.logs.items()}
    assert all(output.values()), "a process printed nothing: its output was not captured"
    assert leaks({**output, **api.bodies()}, vault.canaries()) == []
    assert len(api.records) - len(api.bodies()) == 1  # only the tool call's answer is excluded
