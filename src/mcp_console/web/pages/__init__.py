"""UI pages: each page is one module with its routes and one template."""

from __future__ import annotations

from fastapi import APIRouter

from mcp_console.web.pages import auth, home, jobs


def page_routers() -> list[APIRouter]:
    return [home.router, auth.router, jobs.router]
