"""Every error has one shape; unexpected errors reveal nothing; validation hides input values."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from mcp_console.app import create_app
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import Redactor, SecretRegistry, configure_logging, secret_registry
from mcp_console.core.sensitive import SENSITIVE_ROUTE
from mcp_console.core.settings import Settings

SECRET_IN_EXCEPTION = "ghp_" + "Z" * 36
BODY_CANARY = "body-canary-5e2a"
# The real routes whose bodies were never logged when path prefixes decided it, and paths under
# those prefixes that are no route (a trailing slash, a typo): none may ever log a body.
NEVER_LOGGED = (
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/session"),
    ("POST", "/api/secrets/resolve"),
    ("PUT", "/api/github-token"),
    ("GET", "/api/github-token/status"),
    ("DELETE", "/api/github-token"),
    ("POST", "/api/inspector/c1/tools/echo/call"),
    ("POST", "/api/inspector/c1/prompts/hello/get"),
    ("POST", "/api/gateway/tokens"),
    ("POST", "/api/auth/login/"),
    ("POST", "/api/auth/unknown"),
    ("POST", "/api/secrets/unknown"),
    ("PUT", "/api/github-tokens"),
)


class Payload(BaseModel):
    count: int
    master_password: str


def _app(settings: Settings) -> FastAPI:
    app = create_app(settings, KeyManager.from_settings(settings, secret_registry))

    @app.get("/test/explode")
    async def explode() -> None:
        raise RuntimeError(f"database said no for token {SECRET_IN_EXCEPTION}")

    @app.post("/test/validate")
    async def validate(payload: Payload) -> dict[str, int]:
        return {"count": payload.count}

    @app.post("/test/marked", openapi_extra=SENSITIVE_ROUTE)
    async def marked(payload: dict[str, str]) -> dict[str, int]:
        return {"fields": len(payload)}

    return app


@pytest.fixture
def client_and_log(settings: Settings) -> Iterator[tuple[TestClient, io.StringIO]]:
    stream = io.StringIO()
    configure_logging("INFO", json_output=True, stream=stream)
    app = _app(settings.model_copy(update={"log_request_body": True}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, stream
    configure_logging("INFO", json_output=False)


def test_unexpected_error_is_500_without_details_and_logged_redacted(
    client_and_log: tuple[TestClient, io.StringIO],
) -> None:
    client, stream = client_and_log
    response = client.get("/test/explode", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "INTERNAL_ERROR"
    assert error["request_id"] == "req-12345678"
    assert "RuntimeError" not in response.text and "database said no" not in response.text
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    failure = next(line for line in logged if line["message"] == "unhandled error")
    assert failure["request_id"] == "req-12345678"
    assert "RuntimeError" in failure["exception"]
    assert SECRET_IN_EXCEPTION not in stream.getvalue()


def test_validation_error_names_fields_but_never_echoes_input(
    client_and_log: tuple[TestClient, io.StringIO],
) -> None:
    client, _ = client_and_log
    response = client.post(
        "/test/validate", json={"count": "not-a-number", "master_password": ["hunter2-leak"]}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "VALIDATION_ERROR"
    fields = {item["field"] for item in body["error"]["fields"]}
    assert fields == {"body.count", "body.master_password"}
    assert "hunter2-leak" not in response.text and "not-a-number" not in response.text


def test_unknown_route_and_method_use_the_shared_shape(
    client_and_log: tuple[TestClient, io.StringIO],
) -> None:
    client, _ = client_and_log
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    wrong_method = client.delete("/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert wrong_method.headers["x-request-id"] == wrong_method.json()["error"]["request_id"]


def test_malformed_json_body_is_a_422_not_a_500(
    client_and_log: tuple[TestClient, io.StringIO],
) -> None:
    client, _ = client_and_log
    response = client.post(
        "/test/validate", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_body_nested_beyond_the_json_parser_is_a_400_with_a_hint(
    client_and_log: tuple[TestClient, io.StringIO],
) -> None:
    client, _ = client_and_log
    nested = b'{"count": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    response = client.post(
        "/test/validate", content=nested, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], bool(error["hint"])) == ("INVALID_BODY", True)


def test_bodies_are_logged_redacted_except_on_sensitive_routes(
    client_and_log: tuple[TestClient, io.StringIO],
) -> None:
    client, stream = client_and_log
    client.post("/test/validate", json={"count": 7, "master_password": "pw-in-normal-route"})
    client.post("/test/marked", json={"note": "marked-route-body"})
    requests = {
        line["path"]: line
        for line in map(json.loads, stream.getvalue().splitlines())
        if line["message"] == "request"
    }
    assert requests["/test/validate"]["body"] == {"count": 7, "master_password": "***"}
    assert "body" not in requests["/test/marked"]
    output = stream.getvalue()
    for value in ("pw-in-normal-route", "marked-route-body"):
        assert value not in output


@pytest.mark.parametrize(("method", "path"), NEVER_LOGGED)
def test_no_body_sent_to_a_sensitive_route_reaches_the_log(
    client_and_log: tuple[TestClient, io.StringIO], method: str, path: str
) -> None:
    client, stream = client_and_log
    client.request(method, path, json={"note": BODY_CANARY}, follow_redirects=False)
    assert BODY_CANARY not in stream.getvalue()
    # The same body on an ordinary route is logged, so the silence above is the marker's doing.
    client.post("/api/containers", json={"note": BODY_CANARY})
    assert BODY_CANARY in stream.getvalue()


def test_a_body_whose_redaction_fails_is_dropped(settings: Settings) -> None:
    stream = io.StringIO()
    configure_logging("INFO", json_output=True, stream=stream)
    app = _app(settings.model_copy(update={"log_request_body": True}))
    app.user_middleware[-1].kwargs["body_redactor"] = ExplodingRedactor(SecretRegistry())
    with TestClient(app) as client:
        assert (
            client.post("/test/validate", json={"count": 1, "master_password": "x"}).status_code
            == 200
        )
    configure_logging("INFO", json_output=False)
    (request,) = [
        line
        for line in map(json.loads, stream.getvalue().splitlines())
        if line["message"] == "request"
    ]
    assert request["path"] == "/test/validate" and request["status"] == 200
    assert "body" not in request


class ExplodingRedactor(Redactor):
    def data(self, value: object) -> object:
        raise RuntimeError("redactor broke")

    def text(self, value: str) -> str:
        raise RuntimeError("redactor broke")
