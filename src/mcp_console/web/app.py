"""The web UI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mcp_console import __version__
from mcp_console.core.settings import Settings
from mcp_console.web.routes import router
from mcp_console.web.security import SecurityHeadersMiddleware

PACKAGE_ROOT = resources.files("mcp_console") / "web"


def create_web_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(base_url=settings.api_url, timeout=10) as client:
            app.state.api = client
            yield

    app = FastAPI(
        title="MCP Gateway Console",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=str(PACKAGE_ROOT / "templates"))
    app.mount("/static", StaticFiles(directory=str(PACKAGE_ROOT / "static")), name="static")
    app.include_router(router)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
