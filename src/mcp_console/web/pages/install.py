"""Install: a form generated from a catalog item (its `config_schema` parameters, one
Bitwarden-reference field per secret, an optional container name) that starts an install job.

Form fields are named by the API's field paths (`parameters.region`, `secrets.<name>`, `name`),
so the API's validation errors land beside the field they are about. A secret field takes only a
`{{ bw:<item-id>:<field> }}` reference: anything else is refused here, before it leaves the UI,
and never written back into the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.pages.catalog import (
    can_install,
    fetch_item,
    install_note,
    item_not_found,
    item_url,
)
from mcp_console.web.pages.jobs import go_to, job_url
from mcp_console.web.render import render

router = APIRouter()

# The whole value is one reference (the API's grammar). The UI checks it, so a plain value is
# never sent to the API, stored in a job or echoed into the page; the browser checks it first
# through the `pattern` attribute (compiled with the `v` flag there, hence `\{`, `\}`, `\-`).
REFERENCE_PATTERN = (
    r"\s*\{\{\s*bw\s*:\s*[A-Za-z0-9][A-Za-z0-9_\-]*\s*:\s*"
    r"[^\{\}\s](?:[^\{\}\n]*[^\{\}\s])?\s*\}\}\s*"
)
REFERENCE = re.compile(REFERENCE_PATTERN)
NOT_A_REFERENCE = (
    "Enter a Bitwarden reference such as {{ bw:<item-id>:password }}; "
    "a secret value is never accepted here."
)
INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
FREE_TEXT = frozenset({"text", "number"})


@dataclass(frozen=True)
class FormField:
    """One input of the install form and what the user entered (never a secret value)."""

    key: str  # the API's field path, also the input's name
    input_id: str
    label: str
    control: str  # text, number, checkbox, select or reference
    required: bool = False
    hint: str | None = None
    kind: str = "string"  # the schema type the answer is sent as
    choices: dict[str, Any] = field(default_factory=dict)  # select: shown text -> enum value
    limits: dict[str, Any] = field(default_factory=dict)  # number: min / max / step
    value: str = ""
    error: str | None = None


def _schema_type(prop: dict[str, Any]) -> str:
    """`type` may be a list (`["string", "null"]`): the first that is not null."""
    declared = prop.get("type")
    types = declared if isinstance(declared, list) else [declared]
    return next((str(t) for t in types if t and t != "null"), "string")


def _shown(value: Any) -> str:
    """A schema default as an input shows it (`true` for a checked box)."""
    if isinstance(value, bool):
        return "true" if value else ""
    return "" if value is None else str(value)


def _number_limits(prop: dict[str, Any], kind: str) -> dict[str, Any]:
    """`step`, and `min`/`max` from the schema, so the browser's number input enforces them."""
    bounds = {"min": prop.get("minimum"), "max": prop.get("maximum")}
    limits = {attr: bound for attr, bound in bounds.items() if isinstance(bound, int | float)}
    return {"step": "1" if kind == "integer" else "any", **limits}


def _parameter_field(position: int, name: str, prop: dict[str, Any], required: bool) -> FormField:
    kind = _schema_type(prop)
    enum = prop.get("enum") if isinstance(prop.get("enum"), list) else None
    if enum:
        control = "select"
    elif kind == "boolean":
        control = "checkbox"
    else:
        control = "number" if kind in ("integer", "number") else "text"
    return FormField(
        key=f"parameters.{name}",
        input_id=f"install-parameter-{position}",
        label=str(prop.get("title") or name),
        control=control,
        required=required and control != "checkbox",
        hint=str(prop["description"]) if prop.get("description") else None,
        kind=kind,
        choices={_shown(option): option for option in enum or []},
        limits=_number_limits(prop, kind) if control == "number" else {},
        value=_shown(prop.get("default")),
    )


def _secret_field(position: int, secret: dict[str, Any]) -> FormField:
    description = str(secret.get("description") or "").rstrip(". ")
    effect = f"{secret['env']} in the container"
    return FormField(
        key=f"secrets.{secret['name']}",
        input_id=f"install-secret-{position}",
        label=str(secret["name"]),
        control="reference",
        required=bool(secret.get("required", True)),
        hint=f"{description}; sets {effect}." if description else f"Sets {effect}.",
    )


def form_fields(item: dict[str, Any]) -> list[FormField]:
    """Parameters from the item's JSON schema, then its secrets, then the container name."""
    schema = item.get("config_schema") or {}
    required = set(schema.get("required") or [])
    properties = schema.get("properties") or {}
    parameters = [
        _parameter_field(n, str(name), prop if isinstance(prop, dict) else {}, name in required)
        for n, (name, prop) in enumerate(properties.items(), start=1)
    ]
    secrets = [_secret_field(n, s) for n, s in enumerate(item.get("secrets") or [], start=1)]
    name = FormField(
        key="name",
        input_id="install-name",
        label="Container name",
        control="text",
        hint="Optional: letters, digits, _ . and -, starting with a letter or digit. "
        "Left empty, a name is made from the server's.",
    )
    return [*parameters, *secrets, name]


def _typed(form_field: FormField, raw: str) -> tuple[Any, str | None]:
    """The answer as the API wants it (None: leave it out) and this form's own error."""
    if form_field.control == "checkbox":
        return raw == "true", None
    if not raw:
        return None, "Required." if form_field.required else None
    if form_field.control == "reference":
        return (raw, None) if REFERENCE.fullmatch(raw) else (None, NOT_A_REFERENCE)
    if form_field.choices:
        if raw in form_field.choices:
            return form_field.choices[raw], None
        return None, "Choose one of the listed values."
    if form_field.kind == "integer":
        return (int(raw), None) if INTEGER.fullmatch(raw) else (None, "Enter a whole number.")
    if form_field.kind == "number":
        if not NUMBER.fullmatch(raw):
            return None, "Enter a number."
        return (int(raw) if INTEGER.fullmatch(raw) else float(raw)), None
    return raw, None


def _answered(form_field: FormField, raw: str) -> tuple[FormField, Any]:
    """The field as re-shown (a refused reference is shown empty) and its typed answer."""
    value, error = _typed(form_field, raw)
    shown = "" if form_field.control == "reference" and error else raw
    if form_field.control == "checkbox":
        shown = "true" if value else ""
    return replace(form_field, value=shown, error=error), value


def _payload(item_id: str, answers: list[tuple[FormField, Any]]) -> dict[str, Any]:
    """`{item_id, name, parameters, secrets}`: each answer at its field path."""
    payload: dict[str, Any] = {"item_id": item_id, "parameters": {}, "secrets": {}}
    for form_field, value in answers:
        if value is None or form_field.error:
            continue
        group, _, key = form_field.key.partition(".")
        if key:
            payload[group][key] = value
        else:
            payload[group] = value
    return payload


def _with_errors(fields: list[FormField], errors: dict[str, str]) -> list[FormField]:
    """The API's field errors beside their fields; this form's own errors take precedence."""
    return [replace(f, error=f.error or errors.get(f.key)) for f in fields]


def _api_field_errors(error: ApiError, refused: bool) -> dict[str, str]:
    """The API's field errors. After answers were refused here, the dry run went without them:
    an error on the whole `parameters` object then names a required parameter already marked."""
    return {k: m for k, m in error.fields.items() if not (refused and k == "parameters")}


def _install_page(
    request: Request,
    item: dict[str, Any],
    fields: list[FormField],
    error: ApiError | None = None,
    status_code: int = 200,
    api_field_errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The form; a validation error is shown beside its fields (the rest listed above them),
    any other API error as an alert."""
    known = {f.key for f in fields}
    unplaced = {k: m for k, m in (api_field_errors or {}).items() if k not in known}
    context = {
        "page_title": f"Install {item.get('title') or item['id']}",
        "nav": "catalog",
        "item": item,
        "item_url": item_url(item["id"]),
        "install_url": f"{item_url(item['id'])}/install",
        "installable": can_install(item),
        "install_note": install_note(item),
        "parameter_fields": [f for f in fields if f.key.startswith("parameters.")],
        "secret_fields": [f for f in fields if f.key.startswith("secrets.")],
        "name_fields": [f for f in fields if f.key == "name"],
        "has_field_errors": any(f.error for f in fields),
        "unplaced_errors": unplaced,
        "error": error,
        "reference_pattern": REFERENCE_PATTERN,
    }
    return render(request, "install.html", context, status_code)


@router.get("/catalog/items/{item_id:path}/install", response_class=HTMLResponse)
async def install_form(request: Request, item_id: str, api: Api, session: Session) -> HTMLResponse:
    item = await fetch_item(api, session, item_id)
    if item is None:
        return item_not_found(request, item_id)
    return _install_page(request, item, form_fields(item))


async def _submit(
    api: ApiClient, session: str, payload: dict[str, Any], check_only: bool
) -> dict[str, Any]:
    """Start the install job; with `check_only` a dry run that only collects the API's errors."""
    params = {"dry_run": "true"} if check_only else {"async": "true"}
    body: dict[str, Any] = await api.request(
        "POST", "/api/containers/install", session_id=session, json=payload, params=params
    )
    return body


@router.post("/catalog/items/{item_id:path}/install")
async def install_submit(request: Request, item_id: str, api: Api, session: Session) -> Response:
    item = await fetch_item(api, session, item_id)
    if item is None:
        return item_not_found(request, item_id)
    form = await request.form()
    answers = [_answered(f, str(form.get(f.key, "")).strip()) for f in form_fields(item)]
    fields = [answered for answered, _ in answers]
    refused = any(f.error for f in fields)
    try:
        # With answers refused here, a dry run still finds the API's errors in the others, so
        # every problem is shown at once.
        body = await _submit(api, session, _payload(item_id, answers), check_only=refused)
    except ApiError as exc:
        if exc.code == "SECRET_IN_PLAIN_TEXT":  # a typed value looked like a secret: drop it
            fields = [replace(f, value="") if f.control in FREE_TEXT else f for f in fields]
        errors = _api_field_errors(exc, refused)
        alert = None if exc.code == "VALIDATION_ERROR" else exc
        return _install_page(request, item, _with_errors(fields, errors), alert, exc.status, errors)
    if refused:
        return _install_page(request, item, fields, status_code=422)
    return go_to(request, job_url(str(body["job_id"]), item_id))
