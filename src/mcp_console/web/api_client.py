"""The UI's only way to the API: its public HTTP contract, with errors turned into exceptions."""

from __future__ import annotations

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


def _field_path(location: str) -> str:
    """`body.secrets.API_KEY` -> `secrets.API_KEY`: where in the request, as forms name fields."""
    head, _, rest = location.partition(".")
    return rest if head in ("body", "query", "path") and rest else location


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json().get("error", {})
    except (ValueError, AttributeError):
        body = {}
    fields = {
        _field_path(str(item.get("field", ""))): str(item.get("message", ""))
        for item in body.get("fields") or []
        if isinstance(item, dict)
    }
    return ApiError(
        status=response.status_code,
        code=str(body.get("code", "API_ERROR")),
        message=str(body.get("message", f"The API answered {response.status_code}.")),
        hint=body.get("hint"),
        fields=fields,
        reason=body.get("reason"),
    )


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
    ) -> Any:
        headers = {"Authorization": f"Bearer {session_id}"} if session_id else {}
        try:
            response = await self._http.request(
                method, path, json=json, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ApiError(
                503,
                "API_UNREACHABLE",
                "The console API did not answer.",
                hint=f"Check that the API runs and API_URL points at it ({type(exc).__name__}).",
            ) from exc
        if response.status_code >= 400:
            error = _error_from(response)
            if error.status == 401 and error.code == "SESSION_INVALID":
                raise SessionInvalidError
            raise error
        return response.json() if response.content else None

    async def login(self, payload: dict[str, str]) -> dict[str, Any]:
        body: dict[str, Any] = await self.request("POST", "/api/auth/login", json=payload)
        return body

    async def logout(self, session_id: str) -> None:
        await self.request("POST", "/api/auth/logout", session_id=session_id)

    async def health(self) -> dict[str, Any]:
        body: dict[str, Any] = await self.request("GET", "/health")
        return body
