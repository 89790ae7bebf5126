"""The Official Registry source against a local stand-in registry (real HTTP, pages of 3): every
field of `packages[]` and `remotes[]` maps as docs/CATALOG.md says, the latest version follows
`isLatest` and SemVer precedence across pages, a looping cursor is reported as a partial read,
and the install dry run turns a mapped package into the exact command, env and mounts."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from redis import Redis as SyncRedis

from mcp_console.catalog.schemas import CatalogItem, PackageArgument
from mcp_console.catalog.sources.official import OfficialRegistrySource
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard, SsrfPolicy
from tests.support.containers import Console, VaultSecret
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.installer import loopback_catalog_console
from tests.support.official_registry import (
    DB,
    DIGEST,
    DIGESTED,
    GHCR,
    HOST_NETWORK,
    NPM,
    PRERELEASES,
    PRIVILEGED,
    RELEASES,
    REMOTE_ONLY,
    SECRET_ARG,
    official_entries,
)
from tests.support.registry_servers import RegistryServers, registry_servers

PAGE_SIZE = 3


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        servers.state.official = official_entries()
        servers.state.page_size = PAGE_SIZE
        yield servers


@pytest.fixture
async def fetcher(registry: RegistryServers) -> AsyncIterator[SafeFetcher]:
    registry.reset_counts()
    registry.state.official_loop = False
    policy = SsrfPolicy(allow_insecure=True, allow_cidrs=(ipaddress.ip_network("127.0.0.1/32"),))
    fetcher = SafeFetcher(SsrfGuard(policy))
    yield fetcher
    await fetcher.aclose()


async def _items(registry: RegistryServers, fetcher: SafeFetcher) -> dict[str, CatalogItem]:
    result = await OfficialRegistrySource(registry.base_url, 50, fetcher).fetch()
    assert result.partial is None
    assert registry.state.hits["official"] == -(-len(registry.state.official) // PAGE_SIZE)
    return {item.name: item for item in result.items}


async def test_latest_version_is_is_latest_else_highest_release(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    items = await _items(registry, fetcher)
    # 9.9.9 looks newest but the registry flags 1.2.0 as latest.
    assert (items[DB].version, items[DB].image) == ("1.2.0", "example/db-manager:1.2.0")
    # No flags: 1.0.0 beats 1.0.0-rc.1, 0.9.0+build.7 and the newer pre-release 1.1.0-beta.2.
    assert (items[RELEASES].version, items[RELEASES].image) == ("1.0.0", "example/rel:1.0.0")
    # Only pre-releases: rc.10 > rc.9 > rc.2 (numeric identifiers compare as numbers).
    assert items[PRERELEASES].version == "2.0.0-rc.10"
    assert items[DIGESTED].image == f"example/dig@{DIGEST}"
    assert items[GHCR].image == "ghcr.io/example/gh:1.0.0"


async def test_oci_package_maps_to_run_env_secrets_and_schema(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    item = (await _items(registry, fetcher))[DB]
    assert item.installable and item.config_root == "db_manager"
    assert (
        item.install_note == "The package publishes ports (`-p`): choose them in the install form."
    )
    assert item.run.model_dump() == {
        "command": [
            "serve",
            "{{db_manager.database_name}}",
            ["--host", "{{db_manager.host}}"],
            ["--port", "{{db_manager.port}}"],
            ["--mode", "{{db_manager.mode}}"],
            ["--tag", "{{db_manager.tag}}"],
            ["{{db_manager.extra_path}}"],
            ["--verbose", "{{db_manager.verbose}}"],
        ],
        "volumes": ["{{db_manager.data_dir}}:/data:ro"],
        "user": None,
        "disable_network": False,
    }
    assert [(e.name, e.value, e.required, e.default) for e in item.env] == [
        ("LOG_FORMAT", "json", False, None),
        ("DB_TYPE", "{{db_manager.db_type}}", False, None),
        ("DB_USERNAME", "{{db_manager.db_username}}", True, None),
        ("SSL_MODE", "{{db_manager.ssl_mode}}", False, "prefer"),
        ("LOG_LEVEL", "{{db_manager.log_level}}", False, None),
    ]
    assert [(s.name, s.env, s.required) for s in item.secrets] == [
        ("db_manager.api_token", "API_TOKEN", True),
        ("db_manager.db_password", "DB_PASSWORD", True),
        ("db_manager.sentry_dsn", "SENTRY_DSN", False),
    ]
    schema = item.config_schema or {}
    assert schema["required"] == ["db_type", "data_dir", "database_name", "host", "db_username"]
    assert schema["properties"] == {
        "db_type": {"type": "string", "enum": ["postgres", "mysql"]},
        "data_dir": {"type": "string", "format": "filepath"},
        "database_name": {"type": "string"},
        "host": {"type": "string", "default": "localhost"},
        "port": {"type": "number"},
        "mode": {"type": "string", "enum": ["local", "cached"], "default": "local"},
        "tag": {"type": "array", "items": {"type": "string"}},
        "extra_path": {"type": "array", "items": {"type": "string"}},
        "verbose": {"type": "boolean"},
        "db_username": {"type": "string", "description": "Database user"},
        "ssl_mode": {
            "type": "string",
            "enum": ["disable", "prefer", "require"],
            "default": "prefer",
        },
        "log_level": {"type": "string", "description": "Optional, no default"},
    }
    assert item.package is not None
    assert (item.package.registry_type, item.package.identifier) == ("oci", "example/db-manager")
    shown = [(a.kind, a.name or a.value_hint, a.parameter) for a in item.package.package_arguments]
    assert shown == [
        ("positional", None, None),
        ("positional", "database_name", "database_name"),
        ("named", "--host", "host"),
        ("named", "--port", "port"),
        ("named", "--mode", "mode"),
        ("named", "--tag", "tag"),
        ("positional", "extra_path", "extra_path"),
        ("named", "--verbose", "verbose"),
    ]
    assert [a.name for a in item.package.runtime_arguments] == [
        "--rm", None, "-e", "--env", "-e", "--mount", "-p"
    ]  # fmt: skip


async def test_remotes_keep_url_variables_and_secret_headers(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    items = await _items(registry, fetcher)
    (remote,) = items[DB].remotes
    assert (remote.transport, remote.url) == (
        "streamable-http",
        "https://{tenant}.db.example.com/mcp",
    )
    assert remote.variables == [
        PackageArgument(
            kind="named", name="tenant", description="Your tenant", required=True,
            parameter="tenant",
        )
    ]  # fmt: skip
    assert [(h.name, h.secret, h.required, h.default, h.choices) for h in remote.headers] == [
        ("Authorization", True, True, None, []),
        ("X-Region", False, False, "eu", ["eu", "us"]),
    ]
    only = items[REMOTE_ONLY]
    assert not only.installable and only.image is None
    assert (only.transport, only.remote_url) == ("sse", "https://api.example.com/{workspace}/sse")
    assert only.install_note == (
        "Remote endpoint https://api.example.com/{workspace}/sse: remote servers are registered "
        "separately, not installed as containers."
    )
    (variable,) = only.remotes[0].variables
    assert (variable.name, variable.required) == ("workspace", True)
    assert [(h.name, h.secret) for h in only.remotes[0].headers] == [("X-Api-Key", True)]


async def test_packages_the_console_cannot_run_say_why(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    items = await _items(registry, fetcher)
    refused = {name: items[name] for name in (NPM, PRIVILEGED, HOST_NETWORK, SECRET_ARG)}
    assert not any(item.installable or item.image for item in refused.values())
    assert refused[NPM].install_note == (
        "Published as a npm package: only OCI (container image) packages install as containers."
    )
    npm_package = refused[NPM].package
    assert npm_package is not None and npm_package.registry_type == "npm"
    assert "`--privileged`" in (refused[PRIVILEGED].install_note or "")
    assert "Remote endpoint https://priv.example.com/sse" in (
        refused[PRIVILEGED].install_note or ""
    )
    assert "`--network host`" in (refused[HOST_NETWORK].install_note or "")
    assert "`--api-key` is an optional or repeated secret on the command line" in (
        refused[SECRET_ARG].install_note or ""
    )


async def test_a_looping_cursor_stops_and_is_reported_partial(
    registry: RegistryServers, fetcher: SafeFetcher
) -> None:
    registry.state.official_loop = True
    result = await OfficialRegistrySource(registry.base_url, 50, fetcher).fetch()
    pages = -(-len(registry.state.official) // PAGE_SIZE)
    assert registry.state.hits["official"] == pages  # the loop is not followed
    assert result.partial == (
        f"the registry repeated a cursor on page {pages} (a paging loop); "
        f"{len(registry.state.official)} entries read so far are shown"
    )
    assert DB in {item.name for item in result.items}


# --- through the API: partial results and the install dry run -------------------------------

SECRETS = {
    "api": VaultSecret("official-api-token", "api-token-canary-7781"),
    "db": VaultSecret("official-db-password", "db-password-canary-9902"),
}


@pytest.fixture
def console(
    registry: RegistryServers,
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    raw_redis: SyncRedis,
) -> Iterator[Console]:
    """A console reading only the stand-in registry, on a flushed Redis (no cached catalog)."""
    registry.reset_counts()
    registry.state.official_loop = False
    with loopback_catalog_console(
        settings,
        tmp_path,
        docker_client,
        catalog_official_url=registry.base_url,
        catalog_sources="official",
    ) as running:
        yield running


def _dry_run(console: Console, **body: Any) -> Any:
    user = console.login(*SECRETS.values())
    return console.client.post(
        "/api/containers/install",
        params={"dry_run": True},
        json={"item_id": f"official:{DB}", **body},
        headers=user.headers,
    )


@pytest.mark.docker
def test_dry_run_builds_the_command_env_and_mounts(console: Console, tmp_path: Path) -> None:
    data = tmp_path / "mounts" / "data"
    data.mkdir()
    full = _dry_run(
        console,
        parameters={
            "db_type": "mysql", "data_dir": str(data), "database_name": "orders",
            "port": 5433, "tag": ["a", "b"], "extra_path": ["/x", "/y"], "verbose": True,
            "db_username": "app", "log_level": "debug",
        },
        secrets={
            "db_manager.api_token": SECRETS["api"].reference,
            "DB_PASSWORD": SECRETS["db"].reference,
        },
    )  # fmt: skip
    assert full.status_code == 200, full.text
    config = full.json()["config"]
    assert config["command"] == [
        "serve", "orders", "--host", "localhost", "--port", "5433", "--mode", "local",
        "--tag", "a", "--tag", "b", "/x", "/y", "--verbose", "true",
    ]  # fmt: skip
    assert config["env"] == {
        "LOG_FORMAT": "json",
        "DB_TYPE": "mysql",
        "DB_USERNAME": "app",
        "SSL_MODE": "prefer",
        "LOG_LEVEL": "debug",
        "API_TOKEN": SECRETS["api"].reference,
        "DB_PASSWORD": SECRETS["db"].reference,
    }
    assert [(v["host_path"], v["container_path"], v["read_only"]) for v in config["volumes"]] == [
        (str(data), "/data", True)
    ]
    assert config["image"] == "example/db-manager:1.2.0"
    assert config["ports"] == []  # `-p` is left to the install form

    # Only the required answers: optional groups and env disappear, defaults apply.
    minimal = _dry_run(
        console,
        parameters={
            "db_type": "postgres", "data_dir": str(data), "database_name": "orders",
            "db_username": "app",
        },
        secrets={"API_TOKEN": SECRETS["api"].reference, "DB_PASSWORD": SECRETS["db"].reference},
    )  # fmt: skip
    assert minimal.status_code == 200, minimal.text
    config = minimal.json()["config"]
    assert config["command"] == ["serve", "orders", "--host", "localhost", "--mode", "local"]
    assert set(config["env"]) == {
        "LOG_FORMAT", "DB_TYPE", "DB_USERNAME", "SSL_MODE", "API_TOKEN", "DB_PASSWORD"
    }  # fmt: skip


@pytest.mark.docker
def test_dry_run_refuses_what_the_schema_refuses(console: Console, tmp_path: Path) -> None:
    response = _dry_run(
        console,
        parameters={"db_type": "oracle", "database_name": "orders", "port": "x"},
        secrets={"API_TOKEN": SECRETS["api"].reference},
    )
    assert response.status_code == 422, response.text
    fields = {entry["field"] for entry in response.json()["error"]["fields"]}
    assert {
        "parameters.db_type", "parameters.port", "secrets.db_manager.db_password"
    } <= fields  # fmt: skip
    assert any("data_dir" in entry["message"] for entry in response.json()["error"]["fields"])
    user = console.login()
    npm = console.client.post(
        "/api/containers/install",
        params={"dry_run": True},
        json={"item_id": f"official:{NPM}"},
        headers=user.headers,
    )
    assert npm.status_code == 422 and npm.json()["error"]["code"] == "ITEM_NOT_INSTALLABLE"
    assert "npm package" in npm.json()["error"]["message"]


@pytest.mark.docker
def test_a_partial_read_reaches_the_catalog_answer(
    console: Console, registry: RegistryServers
) -> None:
    registry.state.official_loop = True
    user = console.login()
    page = console.client.get("/api/catalog", params={"source": "official"}, headers=user.headers)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["partial"] is True
    assert [(e["source"], e["code"]) for e in body["errors"]] == [
        ("official", "CATALOG_SOURCE_PARTIAL")
    ]
    assert "repeated a cursor" in body["errors"][0]["message"]
    assert DB in {item["name"] for item in body["items"]}
    # Served again from the cache, the reason still goes along.
    again = console.client.get("/api/catalog", params={"source": "official"}, headers=user.headers)
    assert again.json()["errors"] == body["errors"]
    assert registry.state.hits["official"] == -(-len(registry.state.official) // PAGE_SIZE)


def _runner(image: str) -> dict[str, Any]:
    """An Official entry whose OCI package is the busybox test image: the package arguments
    make `sh` write the arguments it got to /tmp/args."""
    script = "trap 'exit 0' TERM; echo \"$@\" > /tmp/args; sleep 3600 & wait"
    package = {
        "registryType": "oci",
        "identifier": image,
        "transport": {"type": "stdio"},
        "runtimeArguments": [{"type": "named", "name": "-e", "value": "STAGE=test"}],
        "packageArguments": [
            *({"type": "positional", "value": word} for word in ("sh", "-c", script, "args")),
            {"type": "named", "name": "--mode", "choices": ["fast", "slow"], "default": "fast"},
            {"type": "named", "name": "--tag", "isRepeated": True},
            {"type": "positional", "valueHint": "target", "isRequired": True},
            {"type": "named", "name": "--token", "isSecret": True, "isRequired": True},
        ],
        "environmentVariables": [
            {"name": "GREETING", "isRequired": True},
            {"name": "API_TOKEN", "isSecret": True, "isRequired": True},
            {"name": "UNSET_OPTIONAL"},
        ],
    }
    server = {"name": RUNNER, "description": "runs", "version": "1.0.0", "packages": [package]}
    return {"server": server}


RUNNER = "io.example/runner"


@pytest.mark.docker
def test_installed_official_package_runs_with_its_arguments_and_env(
    console: Console,
    registry: RegistryServers,
    docker_client: docker.DockerClient,
    busybox_image: BuiltImage,
) -> None:
    registry.state.official = [*official_entries(), _runner(busybox_image.tag)]
    try:
        user = console.login(*SECRETS.values())
        response = console.client.post(
            "/api/containers/install",
            json={
                "item_id": f"official:{RUNNER}",
                "parameters": {"tag": ["a", "b"], "target": "dest", "greeting": "hello"},
                "secrets": {
                    "API_TOKEN": SECRETS["api"].reference,
                    "runner.token": SECRETS["db"].reference,
                },
            },
            headers=user.headers,
        )
    finally:
        registry.state.official = official_entries()
    assert response.status_code == 201, response.text
    docker_id = console.listing(user)[response.json()["container_id"]]["docker_id"]
    container = docker_client.containers.get(docker_id)
    wait_then_read = "while [ ! -s /tmp/args ]; do sleep 0.05; done; cat /tmp/args"
    _, args = container.exec_run(["sh", "-c", wait_then_read])
    # The secret argument's `$TOKEN` got the resolved value when the container was created.
    assert (
        args.decode().strip() == f"--mode fast --tag a --tag b dest --token {SECRETS['db'].value}"
    )
    _, env = container.exec_run(
        ["sh", "-c", "echo $GREETING/$API_TOKEN/$STAGE/${UNSET_OPTIONAL-absent}"]
    )
    assert env.decode().strip() == f"hello/{SECRETS['api'].value}/test/absent"
