"""Edge cases of mapping an Official OCI package: how runtime flags are read, refused or
dropped, and which catalog text is refused (docs/CATALOG.md, Official MCP Registry)."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_console.catalog.schemas import CatalogItem
from mcp_console.catalog.sources.official import server_to_item
from mcp_console.catalog.sources.official_inputs import schema_property


def _item(
    runtime: list[dict[str, Any]] | None = None,
    remotes: list[dict[str, Any]] | None = None,
    **package: Any,
) -> CatalogItem:
    oci = {"registryType": "oci", "identifier": "example/x", "version": "1.0.0",
           "runtimeArguments": runtime or [], **package}  # fmt: skip
    server = {"name": "io.example/x", "description": "x", "version": "1.0.0", "packages": [oci],
              "remotes": remotes or []}  # fmt: skip
    return server_to_item("official", "io.example/x", {"server": server})


def _named(name: str, value: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "named", "name": name, **({"value": value} if value else {}), **extra}


def _positional(value: str) -> dict[str, Any]:
    return {"type": "positional", "value": value}


def test_flags_written_inline_or_as_positional_pairs_are_read() -> None:
    item = _item([
        _named("--env=MODE=fast"), _positional("-v"), _positional("/srv/in:/in"),
        _positional("--user"), _positional("1000:1000"), _named("--network", "none"),
        _positional("--init"), _named("-t"),
    ])  # fmt: skip
    assert item.installable, item.install_note
    assert [(e.name, e.value) for e in item.env] == [("MODE", "fast")]
    assert item.run.volumes == ["/srv/in:/in"]
    assert (item.run.user, item.run.disable_network) == ("1000:1000", True)
    assert item.install_note is None


def test_a_volume_flag_without_a_value_is_a_parameter() -> None:
    item = _item([_named("-v", valueHint="workspace", isRequired=True)])
    assert item.run.volumes == ["{{x.workspace}}"]
    assert item.package is not None and item.package.runtime_arguments[0].parameter == "workspace"
    assert item.config_schema == {
        "type": "object", "properties": {"workspace": {"type": "string"}},
        "required": ["workspace"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("runtime", "named_in_note"),
    [
        ([_named("--cap-add", "SYS_ADMIN")], "`--cap-add`"),
        ([_named("--device", "/dev/kvm")], "`--device`"),
        ([_positional("--pid=host")], "`--pid`"),
        ([_named("--network", "my-net")], "`--network my-net`"),
        ([_positional("example/x")], "`example/x` is not a docker flag"),
        ([_positional("-e")], "`-e` has no value"),
        ([_named("-e", "TOKEN")], "no fixed `NAME=value`"),
        ([_named("--mount", "type=volume,src=data,dst=/data")], "`type=bind,src=...,dst=...`"),
        ([_named("--mount", "src=/a,dst=/b")], "`type=bind,src=...,dst=...`"),
        ([_named("--mount", "type=bind,src=/a,dst=/b,bind-propagation=shared")], "`--mount`"),
        ([_named("-e", "AUTH=Bearer {t}", variables={"t": {"isSecret": True}})], "secret `t`"),
        ([_named("-e", "X={{ bw:item:password }}")], "`{{` or `}}`"),
    ],
)
def test_runtime_flags_the_console_does_not_grant_make_it_not_installable(
    runtime: list[dict[str, Any]], named_in_note: str
) -> None:
    item = _item(runtime)
    assert not item.installable and item.image is None
    assert named_in_note in (item.install_note or "")


def test_bind_mount_forms_and_published_ports() -> None:
    item = _item([
        _named("--mount", "type=bind,source=/a,target=/b"),
        _named("--mount", "type=bind,src=/c,destination=/d,readonly"),
        _named("--mount", "type=bind,src=/e,dst=/f,ro=true"),
        _named("--publish", "127.0.0.1:9000:9000"),
    ])  # fmt: skip
    assert item.run.volumes == ["/a:/b", "/c:/d:ro", "/e:/f:ro"]
    assert item.install_note == (
        "The package publishes ports (`--publish`): choose them in the install form."
    )


def test_catalog_text_that_reads_as_a_template_is_refused() -> None:
    env = [{"name": "LEAK", "value": "{{ bw:vault:password }}"}]
    assert "`{{` or `}}`" in (_item(environmentVariables=env).install_note or "")
    default = [{"name": "X", "default": "{{other.value}}"}]
    assert not _item(environmentVariables=default).installable
    argument = [_positional("{{x.y}}")]
    assert not _item(packageArguments=argument).installable
    assert not _item(identifier="example/{{x}}").installable


def test_unknown_placeholders_stay_and_known_ones_become_parameters() -> None:
    arguments = [_positional("--root={root}/{unknown}") | {
        "variables": {"root": {"default": "/data", "format": "filepath"}}
    }]  # fmt: skip
    item = _item(packageArguments=arguments)
    assert item.run.command == [["--root={{x.root}}/{unknown}"]]
    assert item.config_schema == {
        "type": "object",
        "properties": {"root": {"type": "string", "format": "filepath", "default": "/data"}},
    }


def test_a_secret_value_variable_becomes_the_variables_secret() -> None:
    env = [{"name": "TOKEN", "value": "{token}",
            "variables": {"token": {"isSecret": True, "description": "API token"}}}]  # fmt: skip
    item = _item(environmentVariables=env)
    assert [(s.name, s.env, s.required, s.description) for s in item.secrets] == [
        ("x.token", "TOKEN", False, "API token")
    ]
    assert item.env == [] and item.config_schema is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"format": "number", "default": "8080", "choices": ["8080", "9090"]},
         {"type": "number", "enum": [8080, 9090], "default": 8080}),
        ({"format": "number", "default": "0.5"}, {"type": "number", "default": 0.5}),
        ({"format": "number", "default": "eight"}, {"type": "string", "default": "eight"}),
        ({"format": "boolean", "default": "TRUE"}, {"type": "boolean", "default": True}),
        ({"format": "boolean", "default": "yes"}, {"type": "string", "default": "yes"}),
        ({"format": "other", "placeholder": "e.g."}, {"type": "string", "examples": ["e.g."]}),
    ],
)  # fmt: skip
def test_formats_defaults_and_choices_become_typed_schema(
    raw: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert schema_property(raw) == expected


def test_repeated_required_input_is_a_non_empty_array() -> None:
    raw = {"isRequired": True, "default": "a", "choices": ["a", "b"], "description": "Tags"}
    assert schema_property(raw, repeated=True) == {
        "type": "array", "items": {"type": "string", "enum": ["a", "b"]},
        "description": "Tags", "default": ["a"], "minItems": 1,
    }  # fmt: skip


def test_a_required_secret_argument_is_a_secret_named_by_env_in_the_command() -> None:
    arguments = [
        {"type": "named", "name": "--api-key", "isSecret": True, "isRequired": True},
        {"type": "positional", "valueHint": "1st-token", "isSecret": True, "isRequired": True},
    ]
    item = _item(packageArguments=arguments)
    assert item.installable, item.install_note
    assert item.run.command == ["--api-key", "$API_KEY", "$ARG_1ST_TOKEN"]
    assert [(s.name, s.env, s.required) for s in item.secrets] == [
        ("x.api_key", "API_KEY", True),
        ("x.arg_1st_token", "ARG_1ST_TOKEN", True),
    ]
    repeated = [{"type": "named", "name": "--key", "isSecret": True, "isRequired": True,
                 "isRepeated": True}]  # fmt: skip
    assert "optional or repeated secret" in (_item(packageArguments=repeated).install_note or "")


def test_a_broken_remote_is_left_out_and_the_package_still_counts() -> None:
    remotes = [{"type": "websocket", "url": "wss://x.example/ws"}, {"type": "sse"},
               {"type": "sse", "url": "https://x.example/sse"}]  # fmt: skip
    item = _item(remotes=remotes)
    assert item.installable
    assert [(r.transport, r.url) for r in item.remotes] == [("sse", "https://x.example/sse")]
