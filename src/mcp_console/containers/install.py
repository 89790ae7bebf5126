"""Turns a catalog item plus the user's answers into an explicit container config.

The answers (schema defaults applied, validated against the schema) form the config tree
`{server_name: parameters}` that the entry's templates read (`containers/derive.py`): env,
command, volumes and user come from the catalog as its authors meant, the request's own options
are added (command and user replace the catalog's, volumes and env are merged). Required secrets
must be answered (normally with `{{ bw:... }}` references, which stay references). The domain
rules (`containers/validation.py`) then judge the result like any other config.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaViolation
from pydantic import ValidationError

from mcp_console.catalog.schemas import CatalogItem, SecretSpec
from mcp_console.catalog.templates import FlagValueError, TemplateError
from mcp_console.containers.answers import brace_problems, empty_required_arrays, with_defaults
from mcp_console.containers.derive import derive
from mcp_console.containers.schemas import (
    ContainerConfig,
    CreateContainerRequest,
    InstallPreview,
    InstallRequest,
    RuntimeOptions,
    VolumeMount,
)
from mcp_console.containers.validation import invalid_fields
from mcp_console.core.errors import AppError
from mcp_console.core.json_schema import check_refs, validation_errors
from mcp_console.secrets import policy

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


def _secret_env(
    item: CatalogItem, answers: dict[str, str], parameters: dict[str, Any]
) -> tuple[dict[str, str], Problems]:
    """Each answered secret sets its env. Required secrets must be answered; in an alternative
    group one answer is enough, and a group named after an object parameter is needed only
    when that object is answered (atlassian: `jira` tokens only when Jira is configured)."""
    env: dict[str, str] = {}
    problems: Problems = []
    known = {spec.name for spec in item.secrets} | {spec.env for spec in item.secrets}
    problems.extend(
        (f"secrets.{key}", "not a secret of this server") for key in answers if key not in known
    )
    groups: dict[str, list[SecretSpec]] = {}
    for spec in item.secrets:
        answer = answers.get(spec.name) or answers.get(spec.env)
        if answer:
            env[spec.env] = answer
        elif spec.alternative_group is not None:
            groups.setdefault(spec.alternative_group, []).append(spec)
        elif spec.required:
            problems.append((f"secrets.{spec.name}", "required; give a {{ bw:... }} reference"))
    answered_groups = {s.alternative_group for s in item.secrets if s.env in env}
    for group, specs in groups.items():
        needed = any(spec.required for spec in specs) and group not in answered_groups
        if needed and _group_applies(item, group, parameters):
            names = ", ".join(spec.name for spec in specs)
            problems.append((f"secrets.{group}", f"one of {names} is required"))
    return env, problems


def _group_applies(item: CatalogItem, group: str, parameters: dict[str, Any]) -> bool:
    properties = (item.config_schema or {}).get("properties") or {}
    return group not in properties or parameters.get(group) is not None


def _template_error(exc: TemplateError) -> AppError:
    return AppError(
        "TEMPLATE_INVALID",
        f"The catalog entry's template {exc.term} cannot be used: {exc.reason}.",
        status=422,
        hint="Nothing was installed. Check your answers; if they are right, the catalog entry "
        "itself is wrong: report it to the catalog's maintainers.",
        details={"term": exc.term, "reason": exc.reason},
    )


FLAG_VALUE = (
    "starts with `-`: it cannot be passed as an argument value (the server would read it as "
    "an option)"
)


def _flag_answer(exc: TemplateError, answers: dict[str, Any]) -> Problems:
    """The user's answer (not a schema default) that a command or volume template gave as a
    value starting with `-`, as a field problem; [] when the catalog's own text is at fault."""
    if not isinstance(exc, FlagValueError):
        return []
    segments = exc.path.split(".")[1:]  # past the config root
    answer: Any = answers
    for segment in segments:
        answer = answer.get(segment) if isinstance(answer, dict) else None
    if answer is None or answer == "" or answer == []:
        return []
    index = [str(exc.index)] if exc.index is not None and isinstance(answer, list) else []
    return [(".".join(["parameters", *segments, *index]), FLAG_VALUE)]


def _merged_volumes(catalog: list[VolumeMount], given: list[VolumeMount]) -> list[VolumeMount]:
    """Catalog mounts, then the request's; a request mount replaces a catalog mount at the
    same container path."""
    targets = {volume.container_path for volume in given}
    return [v for v in catalog if v.container_path not in targets] + given


def preview_install(item: CatalogItem, request: InstallRequest) -> InstallPreview:
    """The config an install would run, or 422 naming every field that needs an answer."""
    check_refs(item.config_schema or {})  # named up front, whatever is answered
    if not item.installable or not item.image:
        raise AppError(
            "ITEM_NOT_INSTALLABLE",
            "This catalog entry cannot be installed as a container"
            + (": " + item.install_note if item.install_note else "."),
            status=422,
            hint="Pick another entry, or tell the catalog's maintainers what the reason names.",
        )
    parameters = with_defaults(item.config_schema, request.parameters)
    problems = _parameter_problems(item, parameters) + brace_problems(request.parameters)
    problems += empty_required_arrays(item.config_schema, parameters)
    secrets, secret_problems = _secret_env(item, request.secrets, parameters)
    problems += secret_problems
    try:
        derived = derive(
            item,
            {item.config_root or item.name: parameters},
            secrets,
            request.env,
            request.command is not None,
        )
    except TemplateError as exc:
        # a missing answer explains a template that cannot be evaluated (`$TOKEN` unset), and
        # an answer read as a flag is the answer's fault: name the answer, which the user can fix
        problems += _flag_answer(exc, request.parameters)
        raise (invalid_fields(problems) if problems else _template_error(exc)) from None
    problems += derived.problems
    if problems:
        raise invalid_fields(problems)
    answers = request.model_dump(mode="json", exclude={"item_id", "start"})
    policy.check_config(answers, "", {f"secrets.{key}" for key in request.secrets})
    # env, command, volumes, user and network are merged below; every other runtime option
    # goes through as the user stated it
    merged = {"env", "command", "volumes", "user", "network_mode"}
    fields = request.model_dump(include=set(RuntimeOptions.model_fields) - merged)
    stdin_open = request.stdin_open if request.stdin_open is not None else item.transport == "stdio"
    network = "none" if item.run.disable_network else request.network_mode
    if item.run.disable_network:
        derived.note("network_mode", "catalog", "the catalog entry runs without network")
    try:
        config = ContainerConfig.model_validate(
            {
                **fields,
                "image": item.image,
                "env": {**derived.env, **secrets, **request.env},
                "command": request.command
                if request.command is not None
                else derived.command or None,
                "volumes": _merged_volumes(derived.volumes, request.volumes),
                "user": request.user if request.user is not None else derived.user,
                "network_mode": network,
                "stdin_open": stdin_open,
                "secret_env": sorted(derived.secret_env | {spec.env for spec in item.secrets}),
                "command_env": derived.command_env,
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
        parameters=parameters,
        notes=derived.notes,
    )


def as_create_request(preview: InstallPreview, start: bool) -> CreateContainerRequest:
    return CreateContainerRequest(
        name=preview.name, server_name=preview.server_name, config=preview.config, start=start
    )
