"""Turns a catalog item plus the user's answers into an explicit container config.

Env templates such as `{{server.param}}` are filled from the validated parameters; required
secrets must be answered (normally with `{{ bw:... }}` references, which stay references).
Anything else that reaches Docker (command, ports, volumes, extra env) comes from the request.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaViolation
from pydantic import ValidationError

from mcp_console.catalog.schemas import CatalogItem
from mcp_console.containers.schemas import (
    ContainerConfig,
    CreateContainerRequest,
    InstallPreview,
    InstallRequest,
    RuntimeOptions,
)
from mcp_console.containers.validation import invalid_fields
from mcp_console.core.errors import AppError
from mcp_console.core.json_schema import validation_errors
from mcp_console.secrets import policy

# `{{server.param}}` or `{{param}}`; a `{{ bw:... }}` reference has a colon and never matches.
PLACEHOLDER = re.compile(r"\{\{\s*(?:[A-Za-z0-9_-]+\.)*([A-Za-z0-9_-]+)\s*\}\}")

Problems = list[tuple[str, str]]


def _parameter_problems(item: CatalogItem, parameters: dict[str, Any]) -> Problems:
    if not item.config_schema:
        return []
    return [
        (".".join(["parameters", *(str(p) for p in error.absolute_path)]), _describe(error))
        for error in validation_errors(item.config_schema, parameters, what="parameters")
    ]


def _describe(error: SchemaViolation) -> str:
    """What the schema asks for, without the value (jsonschema's own message quotes it, and
    an answer may be a secret typed into the wrong field)."""
    if error.validator == "required":
        return error.message[:200]  # names the missing property, not a value
    if error.validator == "enum":
        return f"must be one of {json.dumps(error.validator_value)[:200]}"
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    return f"does not satisfy `{error.validator}`: {json.dumps(error.validator_value)[:160]}"


def _fill(template: str, parameters: dict[str, Any]) -> tuple[str | None, list[str]]:
    missing = [name for name in PLACEHOLDER.findall(template) if name not in parameters]
    if missing:
        return None, missing
    return PLACEHOLDER.sub(lambda m: _as_text(parameters[m.group(1)]), template), []


def _as_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _templated_env(
    item: CatalogItem, parameters: dict[str, Any]
) -> tuple[dict[str, str], Problems]:
    env: dict[str, str] = {}
    problems: Problems = []
    for template in item.env:
        if template.value is None:
            continue
        value, missing = _fill(template.value, parameters)
        if value is not None:
            env[template.name] = value
        elif template.required:
            problems.extend((f"parameters.{name}", "required by the server") for name in missing)
    return env, problems


def _secret_env(item: CatalogItem, answers: dict[str, str]) -> tuple[dict[str, str], Problems]:
    env: dict[str, str] = {}
    problems: Problems = []
    known = {spec.name for spec in item.secrets} | {spec.env for spec in item.secrets}
    problems.extend(
        (f"secrets.{key}", "not a secret of this server") for key in answers if key not in known
    )
    for spec in item.secrets:
        answer = answers.get(spec.name) or answers.get(spec.env)
        if answer:
            env[spec.env] = answer
        elif spec.required:
            problems.append((f"secrets.{spec.name}", "required; give a {{ bw:... }} reference"))
    return env, problems


def preview_install(item: CatalogItem, request: InstallRequest) -> InstallPreview:
    """The config an install would run, or 422 naming every field that needs an answer."""
    if not item.installable or not item.image:
        raise AppError(
            "ITEM_NOT_INSTALLABLE",
            "This catalog entry has no container image to install.",
            status=422,
            hint=item.install_note or "Register remote servers under remote servers instead.",
        )
    problems = _parameter_problems(item, request.parameters)
    templated, template_problems = _templated_env(item, request.parameters)
    secrets, secret_problems = _secret_env(item, request.secrets)
    problems += template_problems + secret_problems
    if problems:
        raise invalid_fields(problems)
    answers = request.model_dump(mode="json", exclude={"item_id", "start"})
    policy.check_config(answers, "", {f"secrets.{key}" for key in request.secrets})
    # env is merged below; every other runtime option goes through as the user stated it
    fields = request.model_dump(include=set(RuntimeOptions.model_fields) - {"env"})
    stdin_open = request.stdin_open if request.stdin_open is not None else item.transport == "stdio"
    try:
        config = ContainerConfig.model_validate(
            {
                **fields,
                "image": item.image,
                "env": {**templated, **secrets, **request.env},
                "stdin_open": stdin_open,
                "secret_env": sorted({spec.env for spec in item.secrets}),
            }
        )
    except ValidationError as exc:
        raise invalid_fields(
            [(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()]
        ) from None
    return InstallPreview(
        item_id=item.id,
        server_name=item.name,
        catalog_source=item.source,
        name=request.name,
        config=config,
    )


def as_create_request(preview: InstallPreview, start: bool) -> CreateContainerRequest:
    return CreateContainerRequest(
        name=preview.name, server_name=preview.server_name, config=preview.config, start=start
    )
