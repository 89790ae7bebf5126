"""How the UI reads the API's error answers: every field-level complaint lands on its field."""

from __future__ import annotations

from typing import Any

import httpx

from mcp_console.web.api_client import _error_from


def _answer(status: int, error: dict[str, Any]) -> httpx.Response:
    return httpx.Response(status, json={"error": error})


def test_validation_fields_lose_their_request_part_but_keep_their_path() -> None:
    error = _error_from(
        _answer(
            422,
            {
                "code": "VALIDATION_ERROR",
                "message": "The request is invalid.",
                "fields": [
                    {"field": "body.email", "message": "required"},
                    {"field": "secrets.srv.api_key", "message": "give a reference"},
                ],
            },
        )
    )
    assert (error.status, error.code) == (422, "VALIDATION_ERROR")
    assert error.fields == {"email": "required", "secrets.srv.api_key": "give a reference"}


def test_tool_argument_errors_name_their_argument_even_when_it_is_missing() -> None:
    error = _error_from(
        _answer(
            422,
            {
                "code": "INVALID_TOOL_ARGUMENTS",
                "message": "The arguments do not match the tool's input schema.",
                "errors": [
                    {
                        "path": "",
                        "message": "'text' is a required property",
                        "validator": "required",
                    },
                    {"path": "count", "message": "-1 is less than 0", "validator": "minimum"},
                    {"path": "", "message": "something global", "validator": "not"},
                ],
            },
        )
    )
    assert error.fields == {
        "text": "'text' is a required property",
        "count": "-1 is less than 0",
    }


def test_a_body_that_is_not_the_error_shape_still_gives_a_readable_error() -> None:
    error = _error_from(httpx.Response(502, text="<html>bad gateway</html>"))
    assert (error.status, error.code, error.fields) == (502, "API_ERROR", {})
    assert "502" in error.message
