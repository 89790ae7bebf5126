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
