"""Install derivation and the domain rules on what a config may ask for: parameter bounds and
defaults, optional and alternative secrets, env defaults and `$NAME`, volumes (binds, named
volumes), loader variables, references outside env, host sockets, command `$NAME` expansion."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mcp_console.catalog.schemas import CatalogItem, EnvTemplate, RunSpec, SecretSpec
from mcp_console.catalog.sources.docker import entry_to_item
from mcp_console.catalog.sources.official import server_to_item
from mcp_console.containers.answers import with_defaults
from mcp_console.containers.derive import parse_volume
from mcp_console.containers.install import preview_install
from mcp_console.containers.schemas import ContainerConfig, InstallRequest, VolumeMount
from mcp_console.containers.spec import expand_command, volume_source
from mcp_console.containers.validation import check_config
from mcp_console.core.errors import AppError

REF = "{{ bw:item-1:password }}"


def _item(**fields: Any) -> CatalogItem:
    return CatalogItem.model_validate(
        {"id": "docker:srv", "name": "srv", "title": "srv", "source": "docker", "image": "x/y"}
        | fields
    )


def _fields(exc: AppError) -> dict[str, str]:
    return {entry["field"]: entry["message"] for entry in exc.details["fields"]}


@pytest.mark.parametrize(
    "parameters",
    [
        {"deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}},
        {"many": list(range(2001))},
        {"big": "x" * 70_000},
    ],
)
def test_parameters_are_any_json_within_bounds(parameters: dict[str, Any]) -> None:
    InstallRequest(item_id="a", parameters={"n": 1.5, "b": True, "o": {"l": ["x"]}})
    with pytest.raises(ValidationError):
        InstallRequest(item_id="a", parameters=parameters)


def test_schema_defaults_fill_missing_answers_inside_answered_objects_only() -> None:
    schema = {
        "type": "object",
        "properties": {
            "mode": {"type": "string", "default": "stdio"},
            "jira": {"type": "object", "properties": {"port": {"default": 443}}},
            "paths": {"type": "array", "default": ["/a"]},
        },
    }
    assert with_defaults(schema, {}) == {"mode": "stdio", "paths": ["/a"]}
    assert with_defaults(schema, {"jira": {}, "mode": "http"}) == {
        "mode": "http",
        "jira": {"port": 443},
        "paths": ["/a"],
    }


def test_optional_secrets_and_env_defaults_and_empty_env_left_out() -> None:
    item = _item(
        secrets=[
            SecretSpec(name="srv.token", env="TOKEN", required=False),
            SecretSpec(name="srv.key", env="KEY"),
        ],
        env=[
            EnvTemplate(name="URL", value="{{srv.url}}", default="https://default.example"),
            EnvTemplate(name="EMPTY", value="{{srv.nothing}}"),
            EnvTemplate(name="HEADER", value="Bearer $KEY"),
        ],
    )
    preview = preview_install(item, InstallRequest(item_id="x", secrets={"KEY": REF}))
    assert preview.config.env == {
        "URL": "https://default.example",
        "HEADER": f"Bearer {REF}",
        "KEY": REF,
    }
    assert set(preview.config.secret_env) == {"TOKEN", "KEY", "HEADER"}
    assert any(n.field == "env.EMPTY" and n.origin == "left-out" for n in preview.notes)
    with pytest.raises(AppError) as caught:
        preview_install(item, InstallRequest(item_id="x"))
    assert set(_fields(caught.value)) == {"secrets.srv.key"}


def test_alternative_groups_are_derived_from_object_parameters() -> None:
    raw = {
        "image": "mcp/atlassian",
        "secrets": [
            {"name": "atlassian.jira.api_token", "env": "JIRA_API_TOKEN"},
            {"name": "atlassian.jira.personal_token", "env": "JIRA_PERSONAL_TOKEN"},
            {"name": "atlassian.other", "env": "OTHER", "required": False},
        ],
        "config": [{"properties": {"jira": {"type": "object"}}, "required": ["ghost"]}],
        "command": ["--a", ["--b", "{{atlassian.jira.url}}"]],
        "disableNetwork": True,
        "user": "1000:1000",
    }
    item = entry_to_item("docker", "atlassian", raw)
    groups = {s.name: (s.alternative_group, s.required) for s in item.secrets}
    assert groups == {
        "atlassian.jira.api_token": ("jira", True),
        "atlassian.jira.personal_token": ("jira", True),
        "atlassian.other": (None, False),
    }
    assert item.run == RunSpec(
        command=["--a", ["--b", "{{atlassian.jira.url}}"]], user="1000:1000", disable_network=True
    )
    assert "required" not in (item.config_schema or {})  # `ghost` has no property


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("/srv/a:/a", VolumeMount(host_path="/srv/a", container_path="/a", read_only=False)),
        ("/srv/a:/a:ro", VolumeMount(host_path="/srv/a", container_path="/a", read_only=True)),
        ("data:/d", VolumeMount(type="volume", host_path="data", container_path="/d",
                                read_only=False)),
        ("C:\\x:/C/x", "Windows path"),
        ("/only", "expected `source:target[:ro]`"),
        ("/a:relative", "absolute"),
        ("bad name!:/d", "volume name"),
    ],
)  # fmt: skip
def test_catalog_volume_specs(spec: str, expected: VolumeMount | str) -> None:
    parsed = parse_volume(spec)
    if isinstance(expected, str):
        assert isinstance(parsed, str) and expected in parsed
    else:
        assert parsed == expected


def test_named_volumes_are_namespaced_per_owner() -> None:
    named = VolumeMount(type="volume", host_path="claude-memory", container_path="/app/dist")
    mine, theirs = volume_source(named, "a@example.test"), volume_source(named, "b@example.test")
    assert mine != theirs and mine.endswith("-claude-memory") and mine.startswith("mcp-")
    bind = VolumeMount(host_path="/srv", container_path="/srv")
    assert volume_source(bind, "a@example.test") == "/srv"


def test_command_dollar_names_expand_only_listed_variables() -> None:
    command = ["--auth-token", "$TOKEN", "${TOKEN}x", "$OTHER", "$1"]
    env = {"TOKEN": "v", "OTHER": "o"}
    assert expand_command(command, env, ["TOKEN"]) == ["--auth-token", "v", "vx", "$OTHER", "$1"]
    assert expand_command(command, env, []) == command
    assert expand_command(None, env, ["TOKEN"]) is None


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"env": {"LD_PRELOAD": "/x.so"}}, "config.env.LD_PRELOAD"),
        ({"env": {"ld_library_path": "/x"}}, "config.env.ld_library_path"),
        ({"env": {"DYLD_INSERT_LIBRARIES": "/x"}}, "config.env.DYLD_INSERT_LIBRARIES"),
        ({"env": {"NODE_OPTIONS": "--require /x.js"}}, "config.env.NODE_OPTIONS"),
        ({"command": ["--token", REF]}, "config.command"),
        ({"user": "1000"} | {"volumes": [{"host_path": "/var/run/docker.sock",
                                          "container_path": "/s"}]}, "config.volumes.0.host_path"),
    ],
)  # fmt: skip
def test_domain_rules_refuse_with_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(AppError) as caught:
        check_config(ContainerConfig.model_validate({"image": "x", **config}), [Path("/")])
    assert caught.value.status == 422
    assert field in _fields(caught.value)


def test_a_socket_needs_the_operator_setting_and_a_catalog_entry(tmp_path: Path) -> None:
    path = tmp_path / "engine.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    try:
        mount = {"host_path": str(path), "container_path": "/engine.sock"}
        config = ContainerConfig.model_validate({"image": "x", "volumes": [mount]})
        with pytest.raises(AppError) as caught:
            check_config(config, [tmp_path])  # inside the roots, still a socket
        assert (
            "CATALOG_DOCKER_SOCKET_ENTRIES" in _fields(caught.value)["config.volumes.0.host_path"]
        )
        with pytest.raises(AppError):
            check_config(config, [tmp_path], "other", ["docker"])
        check_config(config, [], "docker", ["docker"])
    finally:
        listener.close()
    named = {"type": "volume", "host_path": "data", "container_path": "/d"}
    check_config(ContainerConfig.model_validate({"image": "x", "volumes": [named]}), [])


def test_official_items_read_answers_under_their_config_root() -> None:
    """Official names (`io.github.acme/prometheus`) cannot be a path segment: their templates
    read `{{prometheus.*}}`, and the install puts the answers there."""
    raw = {
        "name": "io.github.acme/prometheus",
        "version": "1.0.0",
        "packages": [
            {
                "registryType": "oci",
                "identifier": "acme/prom-mcp",
                "version": "1.0.0",
                "environmentVariables": [{"name": "PROMETHEUS_URL", "isRequired": True}],
            }
        ],
    }
    item = server_to_item("official", "io.github.acme/prometheus", raw)
    request = InstallRequest(item_id=item.id, parameters={"prometheus_url": "https://p.example"})
    assert preview_install(item, request).config.env == {"PROMETHEUS_URL": "https://p.example"}
