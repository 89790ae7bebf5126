"""`GET /api/gateway/profiles/{name}/export?format=docker-mcp`: the archive parses, lists exactly
the profile's enabled servers and allow-lists in Docker's formats, and holds `{{ bw:... }}`
references, never the values they stand for."""

from __future__ import annotations

import io
import tarfile
import uuid
from typing import Any

import pytest
import yaml

from tests.support.containers import Console, VaultSecret, console_fixture  # noqa: F401
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)

pytestmark = pytest.mark.docker
SECRET = VaultSecret("export-item", "export-canary-Zr8-secret-value")
RUN = uuid.uuid4().hex[:6]  # Docker names are global: unique per run
API, FILES_SERVER = f"export-api-{RUN}", f"export-files-{RUN}"
FILES = {"catalog.yaml", "registry.yaml", "config.yaml", "tools.yaml", "secrets.env", "README.md"}


def _files(data: bytes) -> dict[str, str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {
            member.name: archive.extractfile(member).read().decode()  # type: ignore[union-attr]
            for member in archive.getmembers()
        }


def test_the_export_holds_the_enabled_servers_their_tools_and_references(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login(SECRET)

    def create(name: str, **config: Any) -> str:
        image = {"image": busybox_image.tag, **config}
        created = console.create(user, image, name=f"{name}-{RUN}", start=False)
        return str(created["container_id"])

    api = create(
        "export-api",
        env={"API_TOKEN": SECRET.reference, "LOG_LEVEL": "debug"},
        command=["serve", "--stdio"],
        network_mode="none",
    )
    files_server = create("export-files")
    disabled = create("export-off")
    servers = [
        {"server_id": api, "tools": ["search", "fetch"], "prefix": "api"},
        {"server_id": files_server},
        {"server_id": disabled, "enabled": False},
    ]
    body = {"name": "exported", "servers": servers}
    response = console.client.post("/api/gateway/profiles", json=body, headers=user.headers)
    assert response.status_code == 201, response.text

    response = console.client.get(
        "/api/gateway/profiles/exported/export",
        params={"format": "docker-mcp"},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    assert "mcp-console-exported-docker-mcp.tar.gz" in response.headers["content-disposition"]
    files = _files(response.content)
    assert set(files) == FILES

    catalog = yaml.safe_load(files["catalog.yaml"])["registry"]
    assert list(catalog) == [API, FILES_SERVER]
    entry = catalog[API]
    assert (entry["type"], entry["image"], entry["prefix"]) == ("server", busybox_image.tag, "api")
    assert entry["command"] == ["serve", "--stdio"] and entry["disableNetwork"] is True
    assert entry["secrets"] == [{"name": f"{API}.API_TOKEN", "env": "API_TOKEN"}]
    assert entry["env"] == [{"name": "LOG_LEVEL", "value": f"{{{{{API}.LOG_LEVEL}}}}"}]
    assert catalog[FILES_SERVER] == {
        "name": FILES_SERVER,
        "type": "server",
        "image": busybox_image.tag,
    }
    assert yaml.safe_load(files["registry.yaml"]) == {
        "registry": {API: {"ref": ""}, FILES_SERVER: {"ref": ""}}
    }
    assert yaml.safe_load(files["config.yaml"]) == {API: {"LOG_LEVEL": "debug"}}
    assert yaml.safe_load(files["tools.yaml"]) == {API: ["search", "fetch"]}
    assert files["secrets.env"] == f"{API}.API_TOKEN={SECRET.reference}\n"
    assert "docker mcp gateway run --catalog" in files["README.md"]
    assert "--tools-config" in files["README.md"] and "--secrets" in files["README.md"]
    assert all(SECRET.value not in text for text in files.values())

    other = console.login()
    refused = console.client.get("/api/gateway/profiles/exported/export", headers=other.headers)
    assert refused.status_code == 404
    wrong = console.client.get(
        "/api/gateway/profiles/exported/export", params={"format": "zip"}, headers=user.headers
    )
    assert wrong.status_code == 422
