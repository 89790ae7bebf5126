"""Errors a catalog source can raise; the service turns them into per-source `partial` entries."""

from __future__ import annotations

from mcp_console.core.errors import AppError


class SourceUnavailableError(AppError):
    def __init__(self, source: str, detail: str) -> None:
        super().__init__(
            "CATALOG_SOURCE_UNAVAILABLE",
            f"The catalog source '{source}' could not be read: {detail}.",
            status=502,
            hint="Retry later; if it persists, check the source URL under /api/catalog/sources.",
            details={"source": source},
        )


class SourcePendingError(AppError):
    """The source's refresh is still running past the search's wait budget; it goes on."""

    def __init__(self, source: str, seconds: float) -> None:
        super().__init__(
            "CATALOG_SOURCE_PENDING",
            f"The catalog source '{source}' did not load within {seconds:g} s; "
            "it is still being fetched.",
            status=503,
            hint="Retry shortly; the source's status is under GET /api/catalog/sources.",
            details={"source": source},
            headers={"Retry-After": "5"},
        )


class SourceInvalidError(AppError):
    def __init__(self, source: str, detail: str) -> None:
        super().__init__(
            "CATALOG_SOURCE_INVALID",
            f"The catalog source '{source}' did not return a catalog: {detail}.",
            status=502,
            hint="Point the source at a Docker-format catalog file (a top-level `registry:` map).",
            details={"source": source},
        )


class RateLimitedError(AppError):
    def __init__(self, source: str, reset_at: int | None, status: int = 429) -> None:
        when = f" until {reset_at} (unix time)" if reset_at else ""
        super().__init__(
            "CATALOG_RATE_LIMITED",
            f"The catalog source '{source}' is rate limited{when}.",
            status=status,
            hint="Store a GitHub token to raise the limit, or retry after the reset time.",
            details={"source": source, "reset_at": reset_at},
            headers={"Retry-After": "60"},
        )


class UnknownSourceError(AppError):
    def __init__(self, source: str) -> None:
        super().__init__(
            "CATALOG_SOURCE_NOT_FOUND",
            f"There is no catalog source '{source}'.",
            status=404,
            hint="List the sources with GET /api/catalog/sources.",
        )


class ItemNotFoundError(AppError):
    def __init__(self) -> None:
        super().__init__(
            "CATALOG_ITEM_NOT_FOUND",
            "There is no catalog item with this id.",
            status=404,
            hint="Search the catalog with GET /api/catalog and use an `id` from the results.",
        )


# The settings that configure each built-in source (CATALOG_SOURCES picks the merged ones).
BUILTIN_SETTINGS = {
    "docker": "CATALOG_DOCKER_URL",
    "github": "CATALOG_GITHUB_REPO and GITHUB_API_URL",
    "official": "CATALOG_OFFICIAL_URL and CATALOG_OFFICIAL_MAX_PAGES",
}


class BuiltinSourceError(AppError):
    """PUT/DELETE of a built-in source: it is listed like the others but is not a row."""

    def __init__(self, source: str) -> None:
        configured = BUILTIN_SETTINGS.get(source, "the CATALOG_* settings")
        super().__init__(
            "SOURCE_FORBIDDEN",
            f"The built-in catalog source '{source}' is configured by settings ({configured}; "
            "CATALOG_SOURCES chooses the built-in sources in the merged catalog), not here.",
            status=403,
            hint="Ask an operator to change the settings, or add a custom source of your own.",
            details={"source": source},
        )


class CacheForbiddenError(AppError):
    def __init__(self) -> None:
        super().__init__(
            "CATALOG_CACHE_FORBIDDEN",
            "Only operators may clear the shared catalog cache.",
            status=403,
            hint="Clearing drops every user's cached catalogs and remembered source failures; "
            "ask an operator (the e-mails in ADMIN_EMAILS).",
        )


class SourceLimitError(AppError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            "CATALOG_SOURCE_LIMIT",
            f"You already have {limit} private catalog sources, the most one user may keep.",
            status=409,
            hint="Delete a private source you no longer need, or ask an operator to add the "
            "catalog as a global source (CATALOG_MAX_PRIVATE_SOURCES sets the limit).",
            details={"limit": limit},
        )


class SourceForbiddenError(AppError):
    def __init__(self, source: str | None) -> None:
        what = f"the global catalog source '{source}'" if source else "a global catalog source"
        super().__init__(
            "SOURCE_FORBIDDEN",
            f"Only operators may add, change or delete {what}.",
            status=403,
            hint="Add a private source (scope `private`) that only you see, or ask an operator "
            "(the e-mails in ADMIN_EMAILS) to change the global one.",
            details={"source": source} if source else {},
        )
