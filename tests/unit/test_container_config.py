"""Container config validation, install previews from catalog items, and log frame parsing."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mcp_console.catalog.schemas import CatalogItem, EnvTemplate, SecretSpec
from mcp_console.containers.docker import demux_frames, frames_to_batches
from mcp_console.containers.install import preview_install
from mcp_console.containers.logs import LogQuery, parse_log_query
from mcp_console.containers.schemas import ContainerConfig, CreateContainerRequest, InstallRequest
from mcp_console.containers.service import default_name
from mcp_console.containers.state import usage_of
from mcp_console.containers.validation import check_config, check_mounts
from mcp_console.core.errors import AppError
from mcp_console.core.registries import RegistryPolicy
from mcp_console.core.settings import Settings

REGISTRIES = RegistryPolicy.from_settings(Settings())


def _error_fields(exc: ValidationError) -> set[str]:
    return {".".join(str(part) for part in err["loc"]) for err in exc.errors()}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"image": "Not A Ref!"}, "image"),
        ({"image": "busybox", "ports": [{"container_port": 70000}]}, "ports.0.container_port"),
        (
            {"image": "busybox", "ports": [{"container_port": 80, "host_port": 0}]},
            "ports.0.host_port",
        ),
        ({"image": "busybox", "env": {"1BAD": "x"}}, "env"),
        ({"image": "busybox", "env": {"A-B": "x"}}, "env"),
        ({"image": "busybox", "privileged": True}, "privileged"),
        ({"image": "busybox", "network_mode": "host"}, "network_mode"),
        ({"image": "busybox", "memory": "lots"}, "memory"),
        ({"image": "busybox", "cap_add": ["SYS_ADMIN"]}, "cap_add"),
        ({"image": "busybox", "pid_mode": "host"}, "pid_mode"),
        (
            {"image": "busybox", "volumes": [{"host_path": "rel", "container_path": "/d"}]},
            "volumes.0.host_path",
        ),
    ],
)
def test_unsafe_or_invalid_config_names_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ContainerConfig.model_validate(config)
    assert field in _error_fields(caught.value)


@pytest.mark.parametrize(
    "image",
    [
        "busybox",
        "mcp/github:latest",
        "ghcr.io/org/server:1.2",
        "localhost:5000/a/b",
        "repo@sha256:" + "a" * 64,
    ],
)
def test_valid_image_references(image: str) -> None:
    assert ContainerConfig(image=image).image == image


def test_volumes_default_read_only_and_ports_to_loopback() -> None:
    config = ContainerConfig.model_validate(
        {
            "image": "x",
            "volumes": [{"host_path": "/a", "container_path": "/b"}],
            "ports": [{"container_port": 80}],
        }
    )
    assert config.volumes[0].read_only is True
    assert config.ports[0].host_ip == "127.0.0.1"


def test_mounts_outside_allowed_roots_are_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    (allowed / "data").mkdir(parents=True)
    (allowed / "escape").symlink_to("/etc")
    ok = ContainerConfig.model_validate(
        {"image": "x", "volumes": [{"host_path": str(allowed / "data"), "container_path": "/d"}]}
    )
    check_mounts(ok, [allowed])
    for host_path in ("/etc", str(allowed / "escape"), str(allowed / ".." / "other")):
        bad = ContainerConfig.model_validate(
            {"image": "x", "volumes": [{"host_path": host_path, "container_path": "/d"}]}
        )
        with pytest.raises(AppError) as caught:
            check_mounts(bad, [allowed])
        assert caught.value.status == 422
        assert caught.value.details["fields"][0]["field"] == "config.volumes.0.host_path"
    with pytest.raises(AppError):
        check_mounts(ok, [])  # no roots configured: no host mounts at all


def test_malformed_reference_is_refused_before_docker(tmp_path: Path) -> None:
    check_config(ContainerConfig(image="x", env={"A": "{{ bw:item-1:password }}"}), [], REGISTRIES)
    with pytest.raises(AppError) as caught:
        check_config(ContainerConfig(image="x", env={"TOKEN": "{{ bw:item-1 }}"}), [], REGISTRIES)
    assert caught.value.status == 422
    assert caught.value.details["key"] == "TOKEN"


def _item(**overrides: Any) -> CatalogItem:
    base: dict[str, Any] = {
        "id": "docker:airtable",
        "name": "airtable",
        "title": "Airtable",
        "source": "docker",
        "image": "mcp/airtable:1",
        "transport": "stdio",
        "secrets": [SecretSpec(name="airtable.api_key", env="AIRTABLE_API_KEY")],
        "env": [
            EnvTemplate(name="NODE_ENV", value="{{airtable.nodeenv}}"),
            EnvTemplate(name="REGION", value="{{airtable.region}}", required=True),
        ],
        "config_schema": {
            "type": "object",
            "properties": {"nodeenv": {"type": "string"}, "region": {"enum": ["eu", "us"]}},
        },
    }
    base.update(overrides)
    return CatalogItem.model_validate(base)


def test_install_fills_templates_and_keeps_references() -> None:
    reference = "{{ bw:0f3a-item:password }}"
    request = InstallRequest(
        item_id="docker:airtable",
        parameters={"nodeenv": "production", "region": "eu"},
        secrets={"airtable.api_key": reference},
    )
    preview = preview_install(_item(), request)
    assert preview.config.env == {
        "NODE_ENV": "production",
        "REGION": "eu",
        "AIRTABLE_API_KEY": reference,
    }
    assert preview.config.image == "mcp/airtable:1"
    assert preview.config.stdin_open is True  # stdio servers need stdin
    # The catalog suggests nothing that the request did not carry.
    assert preview.config.command is None and not preview.config.volumes
    assert not preview.config.ports


def test_install_names_every_missing_or_invalid_answer() -> None:
    request = InstallRequest(
        item_id="docker:airtable", parameters={"region": "mars"}, secrets={"unknown": "x"}
    )
    with pytest.raises(AppError) as caught:
        preview_install(_item(), request)
    fields = {entry["field"] for entry in caught.value.details["fields"]}
    assert caught.value.status == 422
    assert {"parameters.region", "secrets.airtable.api_key", "secrets.unknown"} <= fields


def test_install_of_remote_only_item_is_refused() -> None:
    with pytest.raises(AppError) as caught:
        preview_install(
            _item(image=None, transport="streamable-http"),
            InstallRequest(item_id="docker:airtable"),
        )
    assert caught.value.code == "ITEM_NOT_INSTALLABLE"


def test_create_request_refuses_bad_names_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        CreateContainerRequest.model_validate({"name": "-bad", "config": {"image": "x"}})
    with pytest.raises(ValidationError):
        CreateContainerRequest.model_validate({"config": {"image": "x"}, "privileged": True})


def test_default_name_is_readable() -> None:
    assert default_name("GitHub Server", "x", "abcdef123") == "mcp-github-server-abcdef"
    assert default_name(None, "ghcr.io/org/fetch:1.0", "0123456789") == "mcp-fetch-012345"


def test_log_query_accepts_unix_and_iso_times() -> None:
    assert parse_log_query(LogQuery(since="1700000000.5"))["since"] == 1700000000.5
    iso = parse_log_query(LogQuery(since="2023-11-14T22:13:20Z", tail="5"))
    assert iso == {"since": 1700000000.0, "tail": "5", "follow": True}
    with pytest.raises(ValidationError):
        LogQuery(tail="-1")
    with pytest.raises(AppError):
        parse_log_query(LogQuery(since="yesterday"))


def _frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("chunk_size", [1, 5, 4096])
async def test_multiplexed_frames_become_tagged_lines(chunk_size: int) -> None:
    data = (
        _frame(1, b"2026-01-01T00:00:00.1Z out one\n2026-01-01T00:00:00.2Z out ")
        + _frame(2, b"2026-01-01T00:00:00.3Z err line\n")
        + _frame(1, b"two\n2026-01-01T00:00:00.4Z tail-without-newline")
    )
    lines = [line async for batch in frames_to_batches(_chunks(data, chunk_size)) for line in batch]
    assert [(line.stream, line.text) for line in lines] == [
        ("stdout", "out one"),
        ("stderr", "err line"),
        ("stdout", "out two"),
        ("stdout", "tail-without-newline"),
    ]
    assert lines[0].timestamp == "2026-01-01T00:00:00.1Z"


def test_cpu_percent_from_two_samples() -> None:
    usage = usage_of(
        {
            "cpu_stats": {
                "cpu_usage": {"total_usage": 300},
                "system_cpu_usage": 2000,
                "online_cpus": 2,
            },
            "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
            "memory_stats": {"usage": 1024, "limit": 4096},
        }
    )
    assert usage.cpu_percent == 40.0
    assert (usage.memory_bytes, usage.memory_limit_bytes) == (1024, 4096)


def test_demux_keeps_incomplete_frames_for_later() -> None:
    data = _frame(1, b"abc") + _frame(2, b"de") + _frame(1, b"partial")[:-3]
    frames, rest = demux_frames(data)
    assert frames == [(1, b"abc"), (2, b"de")]
    assert demux_frames(rest + b"ial") == ([(1, b"partial")], b"")
