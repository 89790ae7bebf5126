"""Maps every error to the one JSON shape `{"error": {code, message, hint, request_id}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from mcp_console.core.errors import AppError
from mcp_console.core.logging import request_id_var
from mcp_console.core.secret_patterns import mask_shapes

logger = logging.getLogger("mcp_console.errors")


class ErrorDetail(BaseModel):
    code: str
    message: str
    hint: str | None = None
    request_id: str | None = None


class ErrorBody(BaseModel):
    """The one error shape, declared in the OpenAPI document for every error status."""

    error: ErrorDetail


_HTTP_CODES = {
    # FastAPI's own answer when the body parser gives up (e.g. JSON nested past its recursion
    # limit); a syntax error is a 422 VALIDATION_ERROR instead.
    400: (
        "INVALID_BODY",
        "The request body could not be parsed.",
        "Send a JSON document of ordinary depth (see docs/API.md).",
    ),
    404: ("NOT_FOUND", "No such route.", "Check the path against docs/API.md."),
    405: ("METHOD_NOT_ALLOWED", "This method is not allowed here.", "See docs/API.md."),
}


def error_body(
    code: str, message: str, hint: str | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The shared error shape. Every text in it passes `mask_shapes` here, the one place every
    error answer goes through: an error that names a field whose name is a token (a map key)
    must not hand the token back."""
    error: dict[str, Any] = {
        "code": code,
        "message": mask_shapes(message),
        "hint": hint,
        "request_id": request_id_var.get(),
    }
    if extra:
        error.update(_masked(extra))
    return {"error": error}


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_shapes(value)
    if isinstance(value, dict):
        return {_masked(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.message, exc.hint, exc.details),
        status_code=exc.status,
        headers=exc.headers,
    )


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """Field locations and messages only: the offending input may be a secret, so it is dropped
    (a secret shape in a location or a message is masked by `error_body`)."""
    return [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())),
            "message": str(err.get("msg", "")),
        }
        for err in errors
    ]


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = validation_details(exc.errors())
    fields = ", ".join(detail["field"] for detail in details)
    return JSONResponse(
        error_body(
            "VALIDATION_ERROR",
            f"The request is invalid: {fields}.",
            "Fix the listed fields and send the request again.",
            {"fields": details},
        ),
        status_code=422,
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, message, hint = _HTTP_CODES.get(
        exc.status_code, ("HTTP_ERROR", "The request could not be served.", None)
    )
    return JSONResponse(
        error_body(code, message, hint), status_code=exc.status_code, headers=exc.headers
    )


def internal_error_response(exc: BaseException) -> JSONResponse:
    """Log the exception (redacted, under the request id) and answer without any of its text."""
    logger.error("unhandled error", exc_info=(type(exc), exc, exc.__traceback__))
    return JSONResponse(
        error_body(
            "INTERNAL_ERROR",
            "Something went wrong on our side.",
            "Retry; if it persists, give the request_id to the operator.",
        ),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    # Unexpected exceptions are answered by RequestLogMiddleware, inside the request-id scope.
