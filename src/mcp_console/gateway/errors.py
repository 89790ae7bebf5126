"""The gateway's client-facing errors, one constructor each so codes and hints stay alike."""

from __future__ import annotations

from mcp_console.core.errors import AppError


def profile_not_found(name: str) -> AppError:
    """Also what another user's profile answers: it does not exist for the caller."""
    return AppError(
        "PROFILE_NOT_FOUND",
        f"There is no gateway profile named {name}.",
        status=404,
        hint="GET /api/gateway/profiles lists your profiles.",
    )


def profile_exists(name: str) -> AppError:
    return AppError(
        "PROFILE_EXISTS",
        f"A gateway profile named {name} exists already.",
        status=409,
        hint="Pick another name, or edit that profile with PUT /api/gateway/profiles/{name}.",
    )


def profile_conflict(current_version: int | None) -> AppError:
    """409 on a stale `version`: nothing was changed; the client reloads and edits again."""
    return AppError(
        "CONFIG_CONFLICT",
        "The profile was changed since you loaded it; nothing was changed.",
        status=409,
        hint="Reload the profile, apply your change to it again and send the new version.",
        details={"version": current_version} if current_version else None,
    )


def default_profile_kept() -> AppError:
    return AppError(
        "PROFILE_DEFAULT_KEPT",
        "The default profile cannot be deleted.",
        status=409,
        hint="Empty it instead: PUT it with no servers.",
    )


def version_not_found(name: str, version: int) -> AppError:
    return AppError(
        "VERSION_NOT_FOUND",
        f"Profile {name} has no saved version {version}.",
        status=404,
        hint=f"GET /api/gateway/profiles/{name}/versions lists the saved versions.",
    )


def token_not_found() -> AppError:
    return AppError(
        "TOKEN_NOT_FOUND",
        "There is no such gateway token.",
        status=404,
        hint="GET /api/gateway/tokens lists your tokens.",
    )


def token_expiry_past() -> AppError:
    return AppError(
        "TOKEN_EXPIRY_IN_PAST",
        "The token's expiry is in the past.",
        status=422,
        hint="Give a future expires_at (UTC), or leave it out for a token that never expires.",
    )
