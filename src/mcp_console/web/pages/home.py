"""The public overview: API health, readable without a session."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mcp_console.web.render import render

router = APIRouter()


async def _api_health(request: Request) -> dict[str, Any]:
    """The health body whatever its status: a degraded API still answers with details."""
    client: httpx.AsyncClient = request.app.state.http
    try:
        response = await client.get("/health")
        body: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError):
        return {"status": "unreachable", "dependencies": {}}
    return body


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    health = await _api_health(request)
    return render(
        request, "home.html", {"health": health, "page_title": "Overview", "nav": "overview"}
    )
