"""The public overview: API health, readable without a session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mcp_console.web.deps import Api
from mcp_console.web.render import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, api: Api) -> HTMLResponse:
    """`health` is None when the API did not answer: the page says so."""
    health = await api.health()
    return render(
        request, "home.html", {"health": health, "page_title": "Overview", "nav": "overview"}
    )
