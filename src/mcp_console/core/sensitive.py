"""The one way to say "never log this route's request body": declare the route with
`openapi_extra=SENSITIVE_ROUTE`. The request log asks `sensitive_route_patterns` for the paths
so marked, so the rule lives on the route itself and shows in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi.routing import APIRoute, APIRouter

SENSITIVE_MARK = "x-sensitive"
SENSITIVE_ROUTE: dict[str, Any] = {SENSITIVE_MARK: True}


def sensitive_route_patterns(routers: Iterable[APIRouter]) -> list[re.Pattern[str]]:
    """The path patterns of every route declared with `SENSITIVE_ROUTE`.

    A pattern covers the path, so every method on a marked path is covered. Walks the included
    routers themselves, since `app.routes` holds opaque included-router entries (FastAPI 0.16x)
    where the same walk silently found nothing; pass the app's own router too for routes declared
    on the app.
    """
    return [
        route.path_regex
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and (route.openapi_extra or {}).get(SENSITIVE_MARK)
    ]


def is_sensitive_path(path: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    """True when `path` is a marked route's path. Other paths (unknown, or a trailing-slash
    variant answered by a redirect) never read the body, so there is none to log."""
    return any(pattern.match(path) for pattern in patterns)
