"""No plaintext secret on any path: the issue's reproductions, and a walk over the OpenAPI
document that sends a token-shaped value into every slot of every body that holds configuration.

A new operation with a request body fails `test_every_configuration_route_refuses_secrets`
until it either gets a base body here (and then passes the policy) or is listed as exempt with
the reason its body is not stored configuration.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
import pytest

from tests.support.containers import Console, User, VaultSecret, stored_text
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.installer import (  # noqa: F401
    ITEM_ID,
    SECRET_NAME,
    installer_fixture,
)

pytestmark = pytest.mark.docker

TOKEN = "ghp_" + "Zq7RtY2uIo9PaS4dFg6HjK1lZx3CvB5nMq8W"
SECRET = VaultSecret("policy-item", "policy-canary-Hq3-value-271")
AS_KEY = "<the token as a key>"
# Ordinary configuration under secret-sounding names: every route must accept it.
ORDINARY_ENV = {
    "MAX_TOKENS": "4096",
    "LOG_LEVEL": "debug",
    "KEY_ID": "abc",
    "AUTH_URL": "https://auth.example.com/oauth/authorize?client_id=installer",
    "PUBLIC_KEY_PATH": "/etc/ssl/certs/public-key.pem",
    "AUTH_TYPE": "oauth_client_credentials",
    "API_TOKEN": SECRET.reference,
}
# Bodies that are not stored configuration, and why.
EXEMPT = {
    ("post", "/api/auth/login"): "credentials are this route's input; Bitwarden checks them",
    ("put", "/api/github-token"): "the token is the input; it is stored encrypted",
    ("post", "/api/inspector/{container_id}/tools/{name}/call"): "arguments go to the server",
    ("post", "/api/inspector/{container_id}/prompts/{name}/get"): "arguments go to the server",
    ("post", "/api/gateway/profiles/{name}/validate"): (
        "stores nothing: the policy's refusal is reported as a SECRET_IN_PLAIN_TEXT problem (200)"
    ),
}


@dataclass
class Operation:
    """A route with a base body the policy accepts, and the query variants to try it with."""

    method: str
    path: str
    body: dict[str, Any]
    variants: list[dict[str, Any]] = field(default_factory=lambda: [{}])


def _config(image: str, env: dict[str, str]) -> dict[str, Any]:
    return {"image": image, "env": env, "command": ["sh", "-c", "sleep 1"]}


def _install_body(**extra: Any) -> dict[str, Any]:
    return {
        "item_id": ITEM_ID,
        "parameters": {"region": "eu"},
        "secrets": {SECRET_NAME: SECRET.reference},
        **extra,
    }


def _assert_refused(response: Any, field_path: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "SECRET_IN_PLAIN_TEXT", error
    assert field_path in [entry["field"] for entry in error["fields"]]
    assert TOKEN not in response.text


def test_sync_async_and_dry_run_paths_all_refuse_a_plain_token(
    installer: Console, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = installer.login(SECRET)
    config = _config(busybox_image.tag, {"GITHUB_TOKEN": TOKEN})
    for params in ({}, {"async": True}):
        response = installer.client.post(
            "/api/containers", params=params, json={"config": config}, headers=user.headers
        )
        _assert_refused(response, "config.env.GITHUB_TOKEN")
    for params in ({}, {"async": True}, {"dry_run": True}):
        plain_answer = _install_body(secrets={SECRET_NAME: "plain-answer-not-a-reference"})
        response = installer.client.post(
            "/api/containers/install", params=params, json=plain_answer, headers=user.headers
        )
        _assert_refused(response, f"secrets.{SECRET_NAME}")
        assert response.json()["error"]["fields"][0]["rule"] == "declared-secret"
        extra_env = _install_body(env={"GITHUB_TOKEN": TOKEN})
        response = installer.client.post(
            "/api/containers/install", params=params, json=extra_env, headers=user.headers
        )
        _assert_refused(response, "env.GITHUB_TOKEN")
    assert installer.listing(user) == {}
    assert not docker_client.containers.list(all=True, filters={"label": f"*={user.email}"})
    for where, text in stored_text(installer).items():
        assert TOKEN not in text and "plain-answer-not-a-reference" not in text, where


def _operations(installer: Console, user: User, image: str) -> dict[tuple[str, str], Operation]:
    source = installer.client.post(
        "/api/catalog/sources",
        json={"name": "policy-source", "url": "http://127.0.0.1:8999/catalog.yaml"},
        headers=user.headers,
    )
    assert source.status_code in (200, 201), source.text
    source_url = "http://127.0.0.1:8999/v2/catalog.yaml?channel=stable"  # loopback: allowed here
    catalog_source = {"name": "policy-source", "url": source_url}
    create = {"config": _config(image, ORDINARY_ENV), "start": False}
    container_id = installer.create(user, _config(image, ORDINARY_ENV), start=False)["container_id"]
    # The stored config sent back unchanged: every ordinary send answers 200 on version 1.
    edit = {
        "config_version": 1,
        "config": {"env": ORDINARY_ENV, "command": ["sh", "-c", "sleep 1"]},
    }
    default = installer.client.get("/api/gateway/profiles/default", headers=user.headers)
    assert default.status_code == 200, default.text
    profile = {
        "description": "Tools for the policy walk",
        "servers": [{"server_id": container_id, "prefix": "policy", "tools": ["echo"]}],
    }
    operations = [
        Operation("post", "/api/gateway/profiles", {"name": "policy-profile", **profile}),
        Operation(
            "put",
            "/api/gateway/profiles/default",
            {"version": default.json()["version"], **profile},
        ),
        Operation("post", "/api/gateway/tokens", {"name": "policy-token", "profile": "default"}),
        Operation("post", "/api/catalog/sources", catalog_source),
        Operation("put", f"/api/catalog/sources/{source.json()['id']}", catalog_source),
        Operation("post", "/api/containers", create, [{}, {"async": True}]),
        Operation(
            "post",
            "/api/containers/install",
            _install_body(env=ORDINARY_ENV, start=False),
            [{"dry_run": True}, {}, {"async": True}],
        ),
        Operation("post", "/api/secrets/resolve", {"env": ORDINARY_ENV}),
        Operation(
            "patch",
            f"/api/containers/{container_id}/config",
            edit,
            [{}, {"restart": True, "async": True}],
        ),
    ]
    return {(op.method, _template(op.path)): op for op in operations}


def _template(path: str) -> str:
    if path.startswith("/api/catalog/sources/"):
        return "/api/catalog/sources/{source_id}"
    if path.endswith("/config"):
        return "/api/containers/{container_id}/config"
    if path.startswith("/api/gateway/profiles/"):
        return "/api/gateway/profiles/{name}"
    return path


def _string_slots(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The position of every string in a body, plus a new key in every mapping, and the token
    as a key of every mapping (`AS_KEY`)."""
    if isinstance(value, str):
        yield at
    elif isinstance(value, dict):
        yield (*at, "GITHUB_TOKEN")
        yield (*at, AS_KEY)
        for key, item in value.items():
            yield from _string_slots(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_slots(item, (*at, index))


def _with_token(body: dict[str, Any], slot: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for step in slot[:-1]:
        target = target[step]
    if slot[-1] == AS_KEY:
        target[TOKEN] = "value-under-a-token-key"
    else:
        target[slot[-1]] = TOKEN
    return changed


def _send(installer: Console, user: User, op: Operation, body: Any, params: dict[str, Any]) -> Any:
    return installer.client.request(
        op.method.upper(), op.path, params=params, json=body, headers=user.headers
    )


def _check_refusals(installer: Console, user: User, op: Operation) -> None:
    """Every slot with the token is refused: by the policy, by a field check naming it, or as
    an id that names nothing (404)."""
    policy_refusals = 0
    for params in op.variants:
        for slot in _string_slots(op.body):
            response = _send(installer, user, op, _with_token(op.body, slot), params)
            where = f"{op.method} {op.path} {params} {slot}: {response.text}"
            assert response.status_code in (404, 422), where
            assert TOKEN not in response.text, where
            error = response.json()["error"]
            fields = [entry["field"] for entry in error.get("fields", [])]
            if error["code"] == "SECRET_IN_PLAIN_TEXT":
                policy_refusals += 1
            elif response.status_code == 404:  # an id to look up, which names nothing
                assert error["code"].endswith("NOT_FOUND"), where
            else:
                assert error["code"] == "VALIDATION_ERROR", where
                named = ".".join(map(str, slot)).replace(AS_KEY, "***")  # a key is masked
                assert any(f.endswith(named) for f in fields), where
    assert policy_refusals > 0, f"{op.method} {op.path} never reached the secrets policy"


def test_every_configuration_route_refuses_secrets(
    installer: Console, busybox_image: BuiltImage
) -> None:
    user = installer.login(SECRET)
    openapi = installer.client.get("/openapi.json").json()
    covered = _operations(installer, user, busybox_image.tag)
    with_body = [
        (method, path)
        for path, item in openapi["paths"].items()
        for method, spec in item.items()
        if "requestBody" in spec
    ]
    assert len(with_body) >= len(covered)
    for key in with_body:
        if key in EXEMPT:
            continue
        assert key in covered, f"{key}: add a base body here and check it with the policy"
        operation = covered[key]
        for params in operation.variants:  # the ordinary values pass (no false positives)
            response = _send(installer, user, operation, operation.body, params)
            assert response.status_code < 300, f"{key} {params}: {response.text}"
        _check_refusals(installer, user, operation)
    assert set(EXEMPT) - set(with_body) <= {("put", "/api/github-token")}
    for where, text in stored_text(installer).items():
        assert TOKEN not in text, where
    assert TOKEN not in json.dumps(installer.client.get("/api/audit", headers=user.headers).json())
