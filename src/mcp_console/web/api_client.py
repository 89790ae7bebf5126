"""The UI's only way to the API: its public HTTP contract, with errors turned into exceptions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class ApiError(Exception):
    """An API error answer (`{"error": {code, message, hint, fields}}`) or an unreachable API."""

    status: int
    code: str
    message: str
    hint: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # e.g. SSRF_BLOCKED's `private_ip`


class SessionInvalidError(Exception):
    """The API answered 401 SESSION_INVALID: the user must log in again."""


# A quiet follow stream may stay silent for hours: no read deadline, only a connect deadline.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)
REQUIRED_PROPERTY = re.compile(r"^'([^']+)' is a required property")


def _field_path(location: str) -> str:
    """`body.secrets.API_KEY` -> `secrets.API_KEY`: where in the request, as forms name fields."""
    head, _, rest = location.partition(".")
    return rest if head in ("body", "query", "path") and rest else location


def _schema_error_field(item: dict[str, Any]) -> str:
    """A JSON-schema error of `INVALID_TOOL_ARGUMENTS` (`{path, message, validator}`): its
    argument, which a `required` error names only in its message."""
    path = str(item.get("path") or "")
    if path:
        return path
    match = REQUIRED_PROPERTY.match(str(item.get("message", "")))
    return match.group(1) if match else ""


def _error_fields(body: dict[str, Any]) -> dict[str, str]:
    fields = {
        _field_path(str(item.get("field", ""))): str(item.get("message", ""))
        for item in body.get("fields") or []
        if isinstance(item, dict)
    }
    for item in body.get("errors") or []:
        if isinstance(item, dict) and (name := _schema_error_field(item)):
            fields.setdefault(name, str(item.get("message", "")))
    return fields


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json().get("error", {})
    except (ValueError, AttributeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiError(
        status=response.status_code,
        code=str(body.get("code", "API_ERROR")),
        message=str(body.get("message", f"The API answered {response.status_code}.")),
        hint=body.get("hint"),
        fields=_error_fields(body),
        reason=body.get("reason"),
    )


def _unreachable(exc: httpx.HTTPError) -> ApiError:
    return ApiError(
        503,
        "API_UNREACHABLE",
        "The console API did not answer.",
        hint=f"Check that the API runs and API_URL points at it ({type(exc).__name__}).",
    )


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    error = _error_from(response)
    if error.status == 401 and error.code == "SESSION_INVALID":
        raise SessionInvalidError
    raise error


def _auth(session_id: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_id}"} if session_id else {}


class ApiClient:
    """Thin wrapper over one shared `httpx.AsyncClient` (base URL `API_URL`)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def request(
        self,
        method: str,
        path: str,
        *,
        session_id: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            response = await self._http.request(
                method,
                path,
                json=json,
                params=params,
                headers={**_auth(session_id), **(headers or {})},
            )
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        _raise_for_error(response)
        return response.json() if response.content else None

    async def open_stream(
        self,
        path: str,
        *,
        session_id: str,
        params: dict[str, str],
    ) -> httpx.Response:
        """A streamed GET whose status was checked (an error answer raises like `request`);
        the caller reads it and must `aclose()` it."""
        request = self._http.build_request(
            "GET",
            path,
            params=params,
            headers={**_auth(session_id), "Accept": "text/event-stream"},
            timeout=STREAM_TIMEOUT,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            _raise_for_error(response)
        return response

    async def login(self, payload: dict[str, str], browser_address: str | None) -> dict[str, Any]:
        """The browser's address goes along, so the API's per-address login limit counts each
        browser rather than this one web process (the API believes it from FORWARDED_ALLOW_IPS)."""
        forwarded = {"X-Forwarded-For": browser_address} if browser_address else {}
        body: dict[str, Any] = await self.request(
            "POST", "/api/auth/login", json=payload, headers=forwarded
        )
        return body

    async def logout(self, session_id: str) -> None:
        await self.request("POST", "/api/auth/logout", session_id=session_id)

    async def health(self) -> dict[str, Any]:
        body: dict[str, Any] = await self.request("GET", "/health")
        return body
