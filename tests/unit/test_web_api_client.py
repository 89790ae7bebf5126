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


def test_a_hint_naming_an_api_request_is_not_shown_on_a_page() -> None:
    api_hint = "GET /api/containers lists your containers; use their container_id."
    error = _error_from(
        _answer(422, {"code": "PROFILE_UNKNOWN_SERVER", "message": "x", "hint": api_hint})
    )
    assert error.hint == api_hint and error.page_hint is None
    plain = _error_from(_answer(409, {"code": "X", "message": "x", "hint": "Reload the page."}))
    assert plain.page_hint == "Reload the page."
