"""Install from hostile catalog entries (served by a real loopback listener): their schemas'
`$ref`s are never fetched or read, recursion and nesting answer 422, and an image's internal
registry host is refused, on every path a container config takes. Never a 500; other users'
searches keep answering meanwhile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import pytest
from redis import Redis as SyncRedis

from mcp_console.core.settings import Settings
from tests.support.containers import Console
from tests.support.hostile_servers import HostileServers, hostile_servers, nested
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.installer import loopback_catalog_console
from tests.support.registry_servers import registry_servers

pytestmark = pytest.mark.docker
INTERNAL_IMAGES = [
    ("127.0.0.2:5000/x", "loopback"),
    ("localhost:5000/x", "loopback"),
    ("10.0.0.1/x", "private_ip"),
    ("169.254.169.254/x", "metadata_endpoint"),
    ("registry.example.com/x", "registry_not_allowed"),
]


def _entries(hostile: HostileServers, image: str) -> dict[str, Any]:
    properties = {
        "ref-loopback": {"a": {"$ref": hostile.url("/schema.json")}},
        "ref-file": {"a": {"$ref": "file:///etc/passwd#/x"}},
        "ref-silent": {"a": {"$ref": f"http://127.0.0.1:{hostile.silent.port}/x.json"}},
        "ref-self": {"a": {"$ref": "#/properties/a"}},
        "plain": {"a": {}},
    }
    registry = {
        name: {"image": image, "title": name, "config": [{"properties": props}]}
        for name, props in properties.items()
    }
    # in-document refs through the block's own `$defs` / `definitions`, with its other keywords
    registry["ref-defs"] = {
        "image": image,
        "title": "ref-defs",
        "config": [
            {
                "name": "ref-defs",
                "properties": {"a": {"$ref": "#/$defs/s"}, "b": {"$ref": "#/definitions/n"}},
                "$defs": {"s": {"type": "string", "minLength": 2}},
                "definitions": {"n": {"type": "integer"}},
                "additionalProperties": False,
                "dependentRequired": {"b": ["a"]},
            }
        ],
    }
    for n, (internal, _reason) in enumerate(INTERNAL_IMAGES):
        registry[f"internal-{n}"] = {"image": internal, "title": "internal"}
    return {"registry": registry}


@pytest.fixture
def hostile() -> Iterator[HostileServers]:
    with hostile_servers() as servers:
        yield servers


@pytest.fixture
def console(
    settings: Settings,
    tmp_path: Path,
    docker_client: docker.DockerClient,
    busybox_image: BuiltImage,
    hostile: HostileServers,
    raw_redis: SyncRedis,  # flushed: no catalog cached by another test answers for `docker`
) -> Iterator[Console]:
    with registry_servers() as servers:
        servers.state.docker_yaml = json.dumps(_entries(hostile, busybox_image.tag)).encode()
        with loopback_catalog_console(  # the refs are refused even where SSRF allows them
            settings,
            tmp_path,
            docker_client,
            catalog_docker_url=servers.docker_url,
            catalog_sources="docker",
        ) as running:
            yield running


def _dry_run(console: Console, headers: dict[str, str], item: str, parameters: Any) -> Any:
    return console.client.post(
        "/api/containers/install",
        params={"dry_run": True},
        json={"item_id": f"docker:{item}", "parameters": parameters},
        headers=headers,
    )


def _error(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_refs_outside_the_schema_are_never_fetched_or_read(
    console: Console, hostile: HostileServers
) -> None:
    """Refused whether or not an answer reaches the ref, and the item is listed not
    installable, its note naming the ref."""
    user = console.login()
    cases = {
        "ref-loopback": hostile.url("/schema.json"),
        "ref-file": "file:///etc/passwd#/x",
        "ref-silent": f"http://127.0.0.1:{hostile.silent.port}/x.json",
    }
    for item, ref in cases.items():
        for answers in ({"a": "x"}, {}):
            error = _error(_dry_run(console, user.headers, item, answers))
            assert (error["code"], error["ref"]) == ("SCHEMA_REF_REFUSED", ref)
            assert "root:" not in json.dumps(error)  # nothing of /etc/passwd is echoed
        listed = console.client.get(f"/api/catalog/docker:{item}", headers=user.headers).json()
        assert listed["installable"] is False and ref in listed["install_note"]
    assert hostile.state.hits["/schema.json"] == 0, "the loopback listener got no request"
    assert hostile.silent.accepted == [], "the silent host got no connection"


def test_in_document_refs_to_the_blocks_definitions_are_followed(console: Console) -> None:
    user = console.login()
    ok = _dry_run(console, user.headers, "ref-defs", {"a": "xy", "b": 3})
    assert ok.status_code == 200, ok.text
    short = _error(_dry_run(console, user.headers, "ref-defs", {"a": "x"}))
    assert short["code"] == "VALIDATION_ERROR"
    assert [f["field"] for f in short["fields"]] == ["parameters.a"]
    wrong_type = _error(_dry_run(console, user.headers, "ref-defs", {"a": "xy", "b": "3"}))
    assert [f["field"] for f in wrong_type["fields"]] == ["parameters.b"]
    extra = _error(_dry_run(console, user.headers, "ref-defs", {"a": "xy", "c": 1}))
    assert "additionalProperties" in json.dumps(extra["fields"])
    dependent = _error(_dry_run(console, user.headers, "ref-defs", {"b": 3}))
    assert "dependentRequired" in json.dumps(dependent["fields"])


def test_silent_ref_holds_no_other_user(console: Console, hostile: HostileServers) -> None:
    installer, searcher = console.login(), console.login()
    with ThreadPoolExecutor(max_workers=4) as pool:
        installs = [
            pool.submit(_dry_run, console, installer.headers, "ref-silent", {"a": "x"})
            for _ in range(3)
        ]
        search = console.client.get("/api/catalog", params={"q": "plain"}, headers=searcher.headers)
        assert search.status_code == 200
        assert [item["id"] for item in search.json()["items"]] == ["docker:plain"]
        assert {_error(done.result())["code"] for done in installs} == {"SCHEMA_REF_REFUSED"}
    assert hostile.silent.accepted == []


def test_recursion_and_nesting_are_4xx_not_500(console: Console) -> None:
    user = console.login()
    error = _error(_dry_run(console, user.headers, "ref-self", {"a": "x"}))
    assert (error["code"], error["limit"]) == ("SCHEMA_TOO_COMPLEX", "recursion without end")
    deep = json.loads(nested(500))
    error = _error(_dry_run(console, user.headers, "plain", {"a": deep}))
    # scalar-only parameters refuse it in the request model; once parameters take arrays and
    # objects (catalog semantics), the schema validation's depth limit does
    assert error["code"] in {"VALIDATION_ERROR", "SCHEMA_TOO_COMPLEX"}, error
    body = '{"item_id": "docker:plain", "parameters": {"a": ' + nested(20_000) + "}}"
    raw = console.client.post(
        "/api/containers/install",
        params={"dry_run": True},
        content=body,
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert 400 <= raw.status_code < 500, raw.text
    assert raw.json()["error"]["code"]


@pytest.mark.parametrize(("n", "image", "reason"), [(n, *c) for n, c in enumerate(INTERNAL_IMAGES)])
def test_internal_registry_hosts_are_refused_on_install_and_create(
    console: Console, n: int, image: str, reason: str
) -> None:
    user = console.login()
    installed = _error(_dry_run(console, user.headers, f"internal-{n}", {}))
    assert (installed["code"], installed["reason"]) == ("IMAGE_REGISTRY_BLOCKED", reason)
    assert "IMAGE_REGISTRY_ALLOWLIST" in installed["hint"] and "image" in installed["hint"]
    assert "catalog" not in installed["hint"], "about the image, not a catalog URL"
    created = console.client.post(
        "/api/containers", json={"config": {"image": image}}, headers=user.headers
    )
    assert (_error(created)["code"], _error(created)["reason"]) == (
        "IMAGE_REGISTRY_BLOCKED",
        reason,
    )
    assert console.listing(user) == {}


def test_an_ipv6_registry_literal_is_refused(console: Console) -> None:
    user = console.login()
    created = console.client.post(
        "/api/containers", json={"config": {"image": "[::1]:5000/x"}}, headers=user.headers
    )
    assert 400 <= created.status_code < 500 and created.json()["error"]["code"]
