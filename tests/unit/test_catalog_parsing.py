"""Normalising each source format into `CatalogItem`: mapping, duplicates, malformed entries."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from mcp_console.catalog.errors import SourceInvalidError
from mcp_console.catalog.sources.docker import parse_catalog
from mcp_console.catalog.sources.github import server_files_to_item
from mcp_console.catalog.sources.official import latest_only, server_to_item

PROMETHEUS: dict[str, Any] = {
    "title": "Prometheus",
    "description": "Query Prometheus metrics",
    "type": "server",
    "image": "mcp/prometheus@sha256:" + "a" * 64,
    "icon": "https://example.com/p.png",
    "readme": "https://example.com/readme",
    "metadata": {"category": "monitoring", "tags": ["metrics", "monitoring"]},
    "secrets": [{"name": "prometheus.token", "env": "PROM_TOKEN", "example": "<token>"}],
    "env": [{"name": "PROMETHEUS_URL", "value": "{{prometheus.prometheus_url}}"}],
    "config": [
        {
            "name": "prometheus",
            "description": "Where Prometheus is",
            "type": "object",
            "properties": {"prometheus_url": {"type": "string"}},
            "required": ["prometheus_url"],
        }
    ],
    "tools": [{"name": "query"}, {"name": "range_query"}],
}


def _catalog(registry: dict[str, Any], *, fmt: str = "yaml") -> bytes:
    if fmt == "json":
        return json.dumps({"version": 3, "registry": registry}).encode()
    return yaml.safe_dump({"version": 2, "registry": registry}).encode()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_docker_entry_maps_every_field(fmt: str) -> None:
    result = parse_catalog("docker", _catalog({"prometheus": PROMETHEUS}, fmt=fmt))
    (item,) = result.items
    assert item.id == "docker:prometheus"
    assert item.image == PROMETHEUS["image"]  # the digest is kept
    assert item.transport == "stdio"
    assert item.installable
    assert item.category == "monitoring"
    assert item.tags == ["metrics", "monitoring"]
    assert [(s.name, s.env, s.description) for s in item.secrets] == [
        ("prometheus.token", "PROM_TOKEN", "<token>")
    ]
    assert [(e.name, e.value) for e in item.env] == [
        ("PROMETHEUS_URL", "{{prometheus.prometheus_url}}")
    ]
    assert item.config_schema == {
        "type": "object",
        "properties": {"prometheus_url": {"type": "string"}},
        "required": ["prometheus_url"],
        "description": "Where Prometheus is",
    }
    assert [t.name for t in item.tools] == ["query", "range_query"]
    assert item.docs_url == "https://example.com/readme"


def test_remote_entries_and_entries_without_image() -> None:
    registry = {
        "asana": {"type": "remote", "remote": {"transport_type": "sse", "url": "https://a/sse"}},
        "linear": {"remote": {"transport_type": "streamable-http", "url": "https://l/mcp"}},
        "curl": {"type": "poci", "title": "Curl"},
    }
    items = {i.name: i for i in parse_catalog("docker", _catalog(registry)).items}
    assert (items["asana"].transport, items["asana"].remote_url) == ("sse", "https://a/sse")
    assert items["linear"].transport == "streamable-http"
    # remotes are registered separately (a later feature), like the Official Registry's
    assert [items[n].installable for n in ("asana", "linear")] == [False, False]
    assert "remote servers are registered separately" in (items["asana"].install_note or "")
    assert "https://a/sse" in (items["asana"].install_note or "")
    assert items["curl"].installable is False
    assert items["curl"].install_note


def test_duplicates_collapse_and_malformed_entries_are_counted() -> None:
    body = b"""
registry:
  good: {image: mcp/good, title: Good}
  bad-remote: {remote: {transport_type: carrier-pigeon, url: https://x}}
  not-a-map: [1, 2, 3]
  "bad name!": {image: mcp/x}
  remote-without-url: {remote: {transport_type: sse}}
  Good2: {image: mcp/good2}
"""
    result = parse_catalog("docker", body)
    assert [i.name for i in result.items] == ["good", "Good2"]
    assert result.skipped == 4
    entries = [("same", {"image": "mcp/a"}), ("same", {"image": "mcp/b"})]
    from mcp_console.catalog.normalize import collect
    from mcp_console.catalog.sources.docker import entry_to_item

    collapsed = collect("docker", entries, lambda n, e: entry_to_item("docker", n, e))
    assert [i.image for i in collapsed.items] == ["mcp/a"]
    assert collapsed.duplicates == 1


@pytest.mark.parametrize("body", [b"just text", b"registry: [1, 2]", b"{not json", b"[]"])
def test_a_file_without_registry_map_is_invalid(body: bytes) -> None:
    with pytest.raises(SourceInvalidError) as caught:
        parse_catalog("custom-1", body)
    assert caught.value.code == "CATALOG_SOURCE_INVALID"


def test_server_yaml_with_tools_json_maps_like_a_catalog_entry() -> None:
    server = {
        "name": "grafana",
        "image": "mcp/grafana",
        "type": "server",
        "meta": {"category": "monitoring", "tags": ["grafana"]},
        "about": {"title": "Grafana", "icon": "https://i"},
        "source": {"project": "https://github.com/grafana/mcp-grafana"},
        "config": {
            "description": "Configure Grafana",
            "secrets": [{"name": "grafana.api_key", "env": "GRAFANA_API_KEY"}],
            "env": [{"name": "GRAFANA_URL", "value": "{{grafana.url}}"}],
            "parameters": {"type": "object", "properties": {"url": {"type": "string"}}},
        },
    }
    tools = [{"name": "search_dashboards", "description": "Search"}]
    files = {
        "server.yaml": yaml.safe_dump(server).encode(),
        "tools.json": json.dumps(tools).encode(),
    }
    item = server_files_to_item("github", "grafana", files)
    assert item.id == "github:grafana"
    assert item.secrets[0].env == "GRAFANA_API_KEY"
    assert item.env[0].value == "{{grafana.url}}"
    assert item.config_schema is not None
    assert item.config_schema["properties"] == {"url": {"type": "string"}}
    assert item.config_schema["description"] == "Configure Grafana"
    assert [(t.name, t.description) for t in item.tools] == [("search_dashboards", "Search")]
    assert item.docs_url == "https://github.com/grafana/mcp-grafana"


def _official(name: str, version: str, latest: bool | None, **server: Any) -> dict[str, Any]:
    meta = {} if latest is None else {"isLatest": latest}
    return {
        "server": {"name": name, "version": version, **server},
        "_meta": {"io.modelcontextprotocol.registry/official": meta},
    }


def test_official_keeps_only_the_latest_version() -> None:
    entries = [
        _official("io.x/a", "1.0.0", False),
        _official("io.x/a", "1.2.0", True),
        _official("io.x/a", "1.1.0", False),
        _official("io.x/b", "2.0.0", None),
        _official("io.x/b", "10.0.0", None),
    ]
    latest = dict(latest_only(entries))
    assert latest["io.x/a"]["server"]["version"] == "1.2.0"
    assert latest["io.x/b"]["server"]["version"] == "10.0.0"


def test_official_packages_remotes_and_variables() -> None:
    oci = _official(
        "io.github.acme/prometheus",
        "1.0.0",
        True,
        title="Prometheus",
        packages=[
            {
                "registryType": "oci",
                "identifier": "acme/prom-mcp",
                "version": "1.0.0",
                "transport": {"type": "stdio"},
                "environmentVariables": [
                    {"name": "PROM_TOKEN", "isSecret": True, "isRequired": True},
                    {"name": "PROMETHEUS_URL", "isRequired": True, "description": "Base URL"},
                ],
                "packageArguments": [{"type": "named", "name": "--port"}],
            }
        ],
    )
    item = server_to_item("official", "io.github.acme/prometheus", oci)
    assert item.image == "acme/prom-mcp:1.0.0"
    assert item.installable and item.transport == "stdio"
    assert [(s.env, s.required) for s in item.secrets] == [("PROM_TOKEN", True)]
    assert [(e.name, e.value) for e in item.env] == [
        ("PROMETHEUS_URL", "{{prometheus.prometheus_url}}")
    ]
    assert item.config_schema is not None
    assert item.config_schema["required"] == ["prometheus_url"]
    assert set(item.config_schema["properties"]) == {"prometheus_url", "port"}

    snake = {
        "name": "io.x/old-style",
        "version_detail": {"version": "0.3.0"},
        "remotes": [{"transport_type": "sse", "url": "https://old/sse"}],
    }
    old = server_to_item("official", "io.x/old-style", snake)
    assert (old.transport, old.remote_url, old.version) == ("sse", "https://old/sse", "0.3.0")

    npm = _official(
        "io.x/npm", "1.0.0", True, packages=[{"registryType": "npm", "identifier": "x"}]
    )
    not_installable = server_to_item("official", "io.x/npm", npm)
    assert not not_installable.installable
    assert "npm" in (not_installable.install_note or "")
