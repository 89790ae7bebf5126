"""The web UI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.templating import Jinja2Templates

from mcp_console import __version__
from mcp_console.core.settings import Settings
from mcp_console.web import csrf
from mcp_console.web.api_client import ApiClient
from mcp_console.web.assets import PACKAGE_STATIC, AssetRegistry
from mcp_console.web.errors import install_error_handlers
from mcp_console.web.pages import page_routers
from mcp_console.web.security import SecurityHeadersMiddleware

TEMPLATES_DIR = PACKAGE_STATIC.parent / "templates"
API_CONNECT_RETRIES = 3
# An idle connection to the API is dropped well before the API closes it (`mcp-console api` keeps
# them 30 s; a proxy in front must keep them longer than this too): a connection the server
# closes just as it is reused fails a request, and only connection attempts are retried.
WEB_API_KEEPALIVE_SECONDS = 10.0


def create_web_app(settings: Settings, assets: AssetRegistry | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Connection attempts are retried: an API restart or a new replica behind a proxy is a
        # moment without a listener, which must not become an error page.
        transport = httpx.AsyncHTTPTransport(
            retries=API_CONNECT_RETRIES,
            limits=httpx.Limits(
                max_connections=100,
                max_keepalive_connections=20,
                keepalive_expiry=WEB_API_KEEPALIVE_SECONDS,
            ),
        )
        async with httpx.AsyncClient(
            base_url=settings.api_url, timeout=30, transport=transport
        ) as client:
            app.state.api = ApiClient(client)
            yield

    app = FastAPI(
        title="MCP Gateway Console",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf.verify)],
    )
    registry = assets or AssetRegistry.default()
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["asset_url"] = registry.url
    app.state.settings = settings
    app.state.templates = templates

    @app.get("/assets/{url_name}", include_in_schema=False)
    async def asset(url_name: str) -> FileResponse:
        return registry.response(url_name)

    for router in page_routers():
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
