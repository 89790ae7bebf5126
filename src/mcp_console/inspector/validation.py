"""Tool arguments are checked against the tool's `inputSchema` before anything is sent.

The server would refuse bad arguments too, but each server words that differently (or not at
all); checking here gives the user every schema error at once, with the path of each.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import ValidationError

from mcp_console.core.errors import AppError
from mcp_console.core.json_schema import schema_problem, validation_errors
from mcp_console.core.logging import redactor

MAX_ERRORS = 50
# jsonschema's messages for these name properties only; every other message quotes the value,
# which may be a credential typed into the form, so those are rebuilt from the schema side.
NAMES_ONLY = frozenset({"required", "additionalProperties", "dependentRequired"})


def check_arguments(tool: str, schema: dict[str, Any], arguments: dict[str, Any]) -> None:
    """Raises 422 `INVALID_TOOL_ARGUMENTS` listing every schema error, never the values given.

    The schema comes from the server, so it is untrusted (`core/json_schema.py`: no `$ref`
    outside it, bounded size and work); blocking, so callers run it in a worker thread."""
    if schema_problem(schema) is not None:
        # A server with a broken schema still gets its call: the server is the final judge.
        return
    found = validation_errors(schema, arguments, what="arguments")
    errors = sorted(found, key=lambda error: list(error.path))
    if not errors:
        return
    raise AppError(
        "INVALID_TOOL_ARGUMENTS",
        f"The arguments do not match the input schema of {tool}.",
        status=422,
        hint="Fix the listed fields; GET .../tools shows each tool's inputSchema.",
        details={
            "errors": [
                {
                    "path": "/".join(str(part) for part in error.absolute_path),
                    "message": redactor.text(_describe(error))[:500],
                    "validator": str(error.validator),
                }
                for error in errors[:MAX_ERRORS]
            ]
        },
    )


def _describe(error: ValidationError) -> str:
    if error.validator in NAMES_ONLY:
        return str(error.message)
    expected = json.dumps(error.validator_value, default=str)[:200]
    return f"must satisfy {error.validator} {expected}"
