"""UI pages. Each page is one route and one template."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


async def _api_health(request: Request) -> dict[str, Any]:
    client: httpx.AsyncClient = request.app.state.api
    try:
        response = await client.get("/health")
        body: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError):
        return {"status": "unreachable", "dependencies": {}}
    return body


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    health = await _api_health(request)
    response: HTMLResponse = templates.TemplateResponse(
        request, "home.html", {"health": health, "page_title": "Overview"}
    )
    return response
