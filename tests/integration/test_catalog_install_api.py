"""Catalog semantics through the API, on real registry entries served by the Docker catalog
stand-in (their image swapped for the local busybox image so Docker can create them): array
parameters become mounts and arguments, nested answers land in the right variables, filters are
evaluated, `$NAME` in a catalog command is expanded at start, and what a catalog must not ask
for is refused with a reason on every config path."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from redis.asyncio import Redis

from mcp_console.core.settings import Settings
from tests.support.containers import Console, User, VaultSecret
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.installer import installer_console
from tests.support.registry_servers import load_snapshot

pytestmark = pytest.mark.docker

TOKEN = VaultSecret("catalog-token", "catalog-token-Qz8-value-271")
ARRAY_SERVERS = ("filesystem", "git", "markdownify", "desktop-commander")
KEEP_RUNNING = "trap 'exit 0' TERM; sleep 3600 & wait"


def _real(name: str, image: str) -> dict[str, Any]:
    snap = next(s for s in load_snapshot() if s.server["name"] == name)
    return {**snap.server, "image": image}


def _hostile(name: str, image: str, **fields: Any) -> dict[str, Any]:
    """A `server.yaml`-shaped entry asking for something a console must not give."""
    run = {key: fields.pop(key) for key in ("command", "volumes") if key in fields}
    return {
        "name": name,
        "image": image,
        "type": "server",
        "about": {"title": name},
        "meta": {"category": "test", "tags": []},
        "config": {"description": "hostile", **fields},
        **({"run": run} if run else {}),
    }


def _flag_entry(name: str, image: str, default: str | None) -> dict[str, Any]:
    """A parameter passed as a flag's value and a list passed as arguments."""
    mode: dict[str, Any] = {"type": "string", **({"default": default} if default else {})}
    return _hostile(
        name,
        image,
        command=[["--mode", f"{{{{{name}.mode}}}}"], f"{{{{{name}.files|into}}}}"],
        parameters={
            "type": "object",
            "properties": {"mode": mode, "files": {"type": "array", "items": {"type": "string"}}},
        },
    )


def _entries(image: str) -> list[dict[str, Any]]:
    real = ["filesystem", "git", "markdownify", "desktop-commander", "atlassian"]
    return [
        *(_real(name, image) for name in [*real, "okta-mcp-server"]),
        _hostile("hostile-preload", image, env=[{"name": "LD_PRELOAD", "value": "/tmp/x.so"}]),
        _hostile(
            "hostile-ref", image, env=[{"name": "STOLEN", "value": "{{ bw:victim-item:password }}"}]
        ),
        _hostile("hostile-socket", image, volumes=["/var/run/docker.sock:/var/run/docker.sock"]),
        _hostile("hostile-mount", image, volumes=["/etc:/host-etc"]),
        _hostile(
            "unknown-filter", image, env=[{"name": "X", "value": "{{unknown-filter.a|shout}}"}]
        ),
        _flag_entry("flag-value", image, default=None),
        _flag_entry("flag-default", image, default="--catalog-flag"),
        _hostile(
            "dollar-arg",
            image,
            secrets=[{"name": "dollar-arg.token", "env": "ARG_TOKEN"}],
            env=[{"name": "ARG_HEADER", "value": "Bearer $ARG_TOKEN"}],
            command=["sh", "-c", f'echo "$1" > /tmp/out; {KEEP_RUNNING}', "sh", "$ARG_TOKEN"],
        ),
    ]


@pytest.fixture(name="catalog")
def catalog_fixture(
    request: pytest.FixtureRequest,
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    busybox_image: BuiltImage,
    redis_client: Redis,
) -> Iterator[Console]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    with installer_console(
        settings,
        tmp_path,
        docker_client,
        busybox_image.tag,
        extra=_entries(busybox_image.tag),
        **overrides,
    ) as console:
        yield console


def _install(console: Console, user: User, name: str, dry_run: bool = True, **body: Any) -> Any:
    return console.client.post(
        "/api/containers/install",
        params={"dry_run": "true"} if dry_run else {},
        json={"item_id": f"docker:{name}", **body},
        headers=user.headers,
    )


def _fields(response: Any) -> dict[str, str]:
    error = response.json()["error"]
    return {entry["field"]: entry["message"] for entry in error.get("fields") or []}


def _root(console: Console) -> Path:
    return console.settings.allowed_mount_root_list[0]


def test_array_parameter_servers_install_with_paths(
    catalog: Console, docker_client: docker.DockerClient
) -> None:
    user = catalog.login()
    one, two = _root(catalog) / "one", _root(catalog) / "two"
    for directory in (one, two):
        directory.mkdir()
    for name in ARRAY_SERVERS:
        paths = {"paths": [str(one), str(two)]}
        preview = _install(catalog, user, name, parameters=paths)
        assert preview.status_code == 200, (name, preview.text)
        mounts = [
            (v["host_path"], v["container_path"]) for v in preview.json()["config"]["volumes"]
        ]
        assert mounts == [(str(one), str(one)), (str(two), str(two))], name

        created = _install(catalog, user, name, dry_run=False, parameters=paths, start=False)
        assert created.status_code == 201, (name, created.text)
        view = catalog.listing(user)[created.json()["container_id"]]
        attrs = docker_client.containers.get(view["docker_id"]).attrs
        got = {(m["Source"], m["Destination"], m["RW"]) for m in attrs["Mounts"]}
        assert got == {(str(one), str(one), True), (str(two), str(two), True)}, name
        if name == "filesystem":  # the paths are its arguments too, and it runs offline
            assert attrs["Config"]["Cmd"] == [str(one), str(two)]
            assert attrs["HostConfig"]["NetworkMode"] == "none"

    # a required array needs an element: `[]` would start filesystem with no directory at all
    for name in ARRAY_SERVERS:
        empty = _install(catalog, user, name, parameters={"paths": []})
        assert empty.status_code == 422, (name, empty.text)
        assert _fields(empty) == {"parameters.paths": "required: give at least one element"}

    # the schema's default (`/Users/local-test`) is outside the allowed roots: refused, and
    # the reason says what to do
    default = _install(catalog, user, "filesystem")
    assert default.status_code == 422
    message = _fields(default)["config.volumes.0.host_path"]
    assert "pick a directory under" in message and str(_root(catalog)) in message


def test_atlassian_values_land_in_their_variables_and_one_secret_is_enough(
    catalog: Console,
) -> None:
    user = catalog.login()
    both = {"confluence": {"url": "https://c.example/wiki"}, "jira": {"url": "https://j.example"}}
    token = {"atlassian.jira.api_token": TOKEN.reference}
    jira_only = _install(
        catalog, user, "atlassian", parameters={"jira": both["jira"]}, secrets=token
    )
    assert jira_only.status_code == 200, jira_only.text
    env = jira_only.json()["config"]["env"]
    assert env == {"JIRA_URL": "https://j.example", "JIRA_API_TOKEN": TOKEN.reference}

    full = _install(
        catalog,
        user,
        "atlassian",
        parameters=both,
        secrets={**token, "CONFLUENCE_PERSONAL_TOKEN": TOKEN.reference},
    )
    assert full.status_code == 200, full.text
    env = full.json()["config"]["env"]
    assert env["CONFLUENCE_URL"] == "https://c.example/wiki"
    assert env["JIRA_URL"] == "https://j.example"

    none = _install(catalog, user, "atlassian", parameters={"jira": both["jira"]})
    assert none.status_code == 422
    assert set(_fields(none)) == {"secrets.jira"}
    neither = _install(catalog, user, "atlassian", parameters={}, secrets=token)
    assert neither.status_code == 422  # the schema's anyOf: Confluence or Jira


def test_okta_volume_target_in_env_is_evaluated(catalog: Console) -> None:
    user = catalog.login()
    logs = _root(catalog) / "okta"
    response = _install(
        catalog,
        user,
        "okta-mcp-server",
        parameters={"log_path": str(logs), "okta_org_url": "https://org.okta.example"},
        secrets={"okta-mcp-server.okta_private_key": TOKEN.reference},
    )
    assert response.status_code == 200, response.text
    config = response.json()["config"]
    assert config["env"]["OKTA_LOG_FILE"] == f"{logs}/okta.log"
    assert "{{" not in str(config["volumes"]) and "{{" not in config["env"]["OKTA_ORG_URL"]
    named = [v for v in config["volumes"] if v["type"] == "volume"]
    assert named == [
        {
            "type": "volume",
            "host_path": "okta-mcp-server-keyring",
            "container_path": "/root/.local/share/python_keyring",
            "read_only": False,
        }
    ]


@pytest.mark.parametrize(
    ("name", "status", "code", "field", "reason"),
    [
        ("hostile-preload", 422, "ITEM_NOT_INSTALLABLE", None, "LD_PRELOAD, which changes how"),
        ("hostile-ref", 422, "TEMPLATE_INVALID", None, "Bitwarden reference"),
        ("hostile-socket", 422, "VALIDATION_ERROR", "config.volumes.0.host_path", "CATALOG_DOCKER"),
        ("hostile-mount", 422, "VALIDATION_ERROR", "config.volumes.0.host_path", "pick a dir"),
        ("unknown-filter", 422, "TEMPLATE_INVALID", None, "unknown filter `shout`"),
    ],
)
def test_what_a_catalog_must_not_ask_for_is_refused_with_a_reason(
    catalog: Console, name: str, status: int, code: str, field: str | None, reason: str
) -> None:
    user = catalog.login()
    response = _install(catalog, user, name)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    where = _fields(response)[field] if field else error["message"]
    assert reason in where
    queued = catalog.client.post(  # the job path refuses before anything is queued
        "/api/containers/install",
        params={"async": "true"},
        json={"item_id": f"docker:{name}"},
        headers=user.headers,
    )
    assert (queued.status_code, queued.json()["error"]["code"]) == (status, code)


def test_loader_env_and_sockets_are_refused_on_every_config_path(
    catalog: Console, busybox_image: BuiltImage
) -> None:
    user = catalog.login()
    manual = catalog.client.post(
        "/api/containers",
        json={"config": {"image": "busybox", "env": {"LD_PRELOAD": "/x.so"}}, "start": False},
        headers=user.headers,
    )
    assert manual.status_code == 422 and "config.env.LD_PRELOAD" in _fields(manual)
    socket = {"host_path": "/var/run/docker.sock", "container_path": "/var/run/docker.sock"}
    named = catalog.client.post(
        "/api/containers",
        json={
            "server_name": "hostile-socket",  # a manual create never gets an entry's allowance
            "config": {"image": "busybox", "volumes": [socket]},
            "start": False,
        },
        headers=user.headers,
    )
    assert named.status_code == 422, named.text
    created = catalog.create(user, {"image": busybox_image.tag}, start=False)
    stored = catalog.client.get(
        f"/api/containers/{created['container_id']}/config", headers=user.headers
    ).json()
    edit = catalog.client.patch(
        f"/api/containers/{created['container_id']}/config",
        json={"config_version": stored["config_version"], "config": {"env": {"DYLD_X": "1"}}},
        headers=user.headers,
    )
    assert edit.status_code == 422 and "config.env.DYLD_X" in _fields(edit)
    in_command = catalog.client.post(
        "/api/containers",
        json={"config": {"image": "busybox", "command": ["{{ bw:i:password }}"]}, "start": False},
        headers=user.headers,
    )
    assert in_command.status_code == 422
    assert "env only" in _fields(in_command)["config.command"]


@pytest.mark.parametrize(
    "catalog", [{"catalog_docker_socket_entries": "hostile-socket"}], indirect=True
)
def test_an_operator_may_allow_the_socket_for_a_named_entry(catalog: Console) -> None:
    user = catalog.login()
    allowed = _install(catalog, user, "hostile-socket")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["config"]["volumes"][0]["host_path"] == "/var/run/docker.sock"
    still_refused = _install(catalog, user, "hostile-mount")
    assert still_refused.status_code == 422


def test_dollar_name_in_a_catalog_command_is_expanded_at_start(
    catalog: Console, docker_client: docker.DockerClient
) -> None:
    user = catalog.login(TOKEN)
    body = {"secrets": {"dollar-arg.token": TOKEN.reference}}
    missing = _install(catalog, user, "dollar-arg")
    assert missing.status_code == 422 and set(_fields(missing)) == {"secrets.dollar-arg.token"}
    created = _install(catalog, user, "dollar-arg", dry_run=False, **body)
    assert created.status_code == 201, created.text
    container_id = created.json()["container_id"]
    docker_id = catalog.listing(user)[container_id]["docker_id"]
    _, output = docker_client.containers.get(docker_id).exec_run(["cat", "/tmp/out"])
    assert output.decode().strip() == TOKEN.value
    _, header = docker_client.containers.get(docker_id).exec_run(["sh", "-c", "echo $ARG_HEADER"])
    assert header.decode().strip() == f"Bearer {TOKEN.value}"  # a reference inside a value
    stored = catalog.client.get(f"/api/containers/{container_id}/config", headers=user.headers)
    assert stored.json()["config"]["command"][-1] == "$ARG_TOKEN"  # the value is never stored
    assert TOKEN.value not in stored.text


def test_named_catalog_volumes_belong_to_their_owner(
    catalog: Console, docker_client: docker.DockerClient
) -> None:
    """Two users install okta: each gets their own keyring volume, named for the owner."""
    names: list[str] = []
    try:
        for user in (catalog.login(TOKEN), catalog.login(TOKEN)):
            logs = _root(catalog) / f"okta-{len(names)}"
            created = _install(
                catalog,
                user,
                "okta-mcp-server",
                dry_run=False,
                start=False,
                parameters={"log_path": str(logs)},
                secrets={"OKTA_PRIVATE_KEY": TOKEN.reference},
            )
            assert created.status_code == 201, created.text
            docker_id = catalog.listing(user)[created.json()["container_id"]]["docker_id"]
            mounts = docker_client.containers.get(docker_id).attrs["Mounts"]
            volume = next(m for m in mounts if m["Type"] == "volume")
            owner_key = hashlib.sha256(user.email.encode()).hexdigest()[:12]
            assert volume["Name"] == f"mcp-{owner_key}-okta-mcp-server-keyring"
            assert volume["Destination"] == "/root/.local/share/python_keyring"
            names.append(volume["Name"])
        assert len(set(names)) == 2
    finally:
        for user in catalog.users:
            for view in catalog.listing(user).values():
                docker_client.containers.get(view["docker_id"]).remove(force=True)
        for name in names:
            docker_client.volumes.get(name).remove(force=True)


def test_an_answer_read_as_a_flag_is_the_answers_field_error(catalog: Console) -> None:
    user = catalog.login()
    ok = _install(catalog, user, "flag-value", parameters={"mode": "fast", "files": ["a"]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["config"]["command"] == ["--mode", "fast", "a"]
    evil = _install(catalog, user, "flag-value", parameters={"mode": "--evil"})
    assert evil.status_code == 422, evil.text
    assert evil.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "cannot be passed as an argument value" in _fields(evil)["parameters.mode"]
    row = _install(catalog, user, "flag-value", parameters={"files": ["a", "-rf"]})
    assert list(_fields(row)) == ["parameters.files.1"], row.text
    # the catalog's own default read as a flag stays the catalog's fault
    fault = _install(catalog, user, "flag-default")
    assert fault.status_code == 422 and fault.json()["error"]["code"] == "TEMPLATE_INVALID"
    assert "catalog's maintainers" in fault.json()["error"]["hint"]
