"""UI pages: each page is one module with its routes and one template."""

from __future__ import annotations

from fastapi import APIRouter

from mcp_console.web.pages import (
    audit,
    auth,
    catalog,
    container,
    containers,
    gateway,
    home,
    install,
    jobs,
    settings,
)


def page_routers() -> list[APIRouter]:
    return [
        home.router,
        auth.router,
        container.router,  # before containers: `/containers/{id}/config` is not an action
        containers.router,
        install.router,  # before catalog: `/catalog/items/{id}/install` is not an item id
        catalog.router,
        gateway.router,
        jobs.router,
        audit.router,
        settings.router,
    ]
