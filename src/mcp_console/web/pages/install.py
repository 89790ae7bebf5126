"""Install: a form generated from a catalog item (its `config_schema` parameters, one
Bitwarden-reference field per secret, an optional container name) that previews the container
(the API's dry run) and starts an install job.

Form fields are named by the API's field paths (`parameters.region`, `parameters.jira.url`,
`parameters.paths.0`, `secrets.<name>`, `name`), so the API's validation errors land beside the
field they are about. The parameters are the shared schema fields (`schema_forms`, structured:
objects as groups, arrays as rows); the secrets and the name are this form's own. A secret field
takes only a `{{ bw:<item-id>:<field> }}` reference: anything else is refused here, before it
leaves the UI, and never written back into the page.

The submit button says what to do (`action`): `install`, `preview` (the dry run, shown under the
form), `add:<array input>` or `remove:<row input>`: rows are added and removed by the server
re-rendering the form (htmx swaps it; without script it is a plain post), so no custom script
is needed and nothing is checked or sent to the API while rows are edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from mcp_console.catalog.schemas import CatalogItem, EnvTemplate, SecretSpec
from mcp_console.containers.schemas import InstallRequest
from mcp_console.core.references import WHOLE_VALUE_PATTERN, is_reference
from mcp_console.core.secret_patterns import first_match
from mcp_console.web.api_client import ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.install_preview import Preview, catalog_settings, preview_of
from mcp_console.web.pages.catalog import (
    can_install,
    fetch_item,
    install_note,
    item_not_found,
    item_url,
)
from mcp_console.web.pages.jobs import go_to, job_url
from mcp_console.web.render import render
from mcp_console.web.schema_forms import (
    REQUIRED,
    FormField,
    Submission,
    entries,
    error_keys,
    leaf_fields,
    read_form,
    schema_fields,
)

router = APIRouter()

# A secret field takes one whole reference: a plain value is never sent to the API, stored in a
# job or echoed into the page; the browser checks it first through the `pattern` attribute.
NOT_A_REFERENCE = (
    "Enter a Bitwarden reference such as {{ bw:<item-id>:password }}; "
    "a secret value is never accepted here."
)
PARAMETER_PREFIX = "parameters."
ADD_ROW, REMOVE_ROW = "add:", "remove:"
PREVIEW, INSTALL = "preview", "install"
# A refused mount of the derived config (`config.volumes.0.host_path`), whose message starts
# with the host path: shown beside the answer that path came from.
VOLUME_ERROR = re.compile(r"(?:config\.)?volumes\.[0-9]+(?:\.host_path)?")


@dataclass(frozen=True)
class TextField:
    """A secret's reference or the container name: the install form's own inputs."""

    key: str  # the API's field path, also the input's name
    input_id: str
    label: str
    hint: str
    required: bool = False
    reference: bool = False
    value: str = ""
    group: str | None = None  # an alternative group: one answer in it is enough

    def error(self) -> str | None:
        """This form's own check of what was entered."""
        if not self.value:
            return REQUIRED if self.required else None
        if self.reference and not is_reference(self.value):
            return NOT_A_REFERENCE
        return None


NAME_FIELD = TextField(
    key="name",
    input_id="install-name",
    label="Container name",
    hint="Optional: letters, digits, _ . and -, starting with a letter or digit. "
    "Left empty, a name is made from the server's.",
)


@dataclass
class Answers:
    """The form as shown: the schema's parameters with what was entered in them, the secrets and
    the name, and this form's own errors by field path."""

    parameters: list[FormField]
    texts: list[TextField]
    submission: Submission = field(default_factory=Submission)
    errors: dict[str, str] = field(default_factory=dict)
    focus: str | None = None  # the input to focus once shown (a row just added)

    def forget_typed(self) -> None:
        """After the API found a secret in a typed value: nothing typed is shown again."""
        for parameter in leaf_fields(self.parameters):
            if parameter.free_text:
                self.submission.values[parameter.name] = ""
                self.submission.rows[parameter.name] = []
        self.texts = [t if t.reference else replace(t, value="") for t in self.texts]

    def forget_secret_shapes(self) -> None:
        """Before the form is shown again: any entered value with a secret's shape is cleared,
        whichever check refused the form (a secret is never rendered back)."""
        values, rows = self.submission.values, self.submission.rows
        for name, value in list(values.items()):
            if isinstance(value, str) and first_match(value):
                values[name] = ""
        for name, texts in rows.items():
            rows[name] = ["" if first_match(text) else text for text in texts]
        self.texts = [replace(t, value="") if first_match(t.value) else t for t in self.texts]

    def edit_rows(self, action: str) -> None:
        """Add an empty row to an array (focused once shown); a removed row was left out of the
        form before it was read."""
        if not action.startswith(ADD_ROW):
            return
        name = action.removeprefix(ADD_ROW).removeprefix(PARAMETER_PREFIX)
        array = next((f for f in leaf_fields(self.parameters) if f.name == name), None)
        if array is None or array.kind != "array":
            return
        rows = self.submission.rows.setdefault(name, [])
        rows.append("")
        self.focus = array.row_name(len(rows) - 1)


def _secret_field(position: int, secret: SecretSpec) -> TextField:
    """A secret's reference; one of an alternative group is never required on its own."""
    description = (secret.description or "").rstrip(". ")
    effect = f"{secret.env} in the container"
    group = secret.alternative_group or None
    return TextField(
        key=f"secrets.{secret.name}",
        input_id=f"install-secret-{position}",
        label=secret.name,
        hint=f"{description}; sets {effect}." if description else f"Sets {effect}.",
        required=secret.required and group is None,
        reference=True,
        group=group,
    )


ENV_RULE = (
    "Required by the server; the catalog gives no value. A secret goes here only as a "
    "{{ bw:<item-id>:<field> }} reference."
)


def _env_hint(entry: EnvTemplate) -> str:
    description = (entry.description or "").rstrip(". ")
    return f"{description}. {ENV_RULE}" if description else ENV_RULE


def _env_fields(item: CatalogItem) -> list[TextField]:
    """A variable the server requires and the catalog gives no value for (nor a template) can
    only be answered as itself: `env.<NAME>`, the API's own field (a plain value or a
    reference; a value with a secret's shape is refused by the API)."""
    return [
        TextField(
            key=f"env.{e.name}",
            input_id=f"install-env-{position}",
            label=e.name,
            hint=_env_hint(e),
            required=True,
        )
        for position, e in enumerate(item.env, start=1)
        if e.required and e.value is None and e.default is None
    ]


def blank_form(item: CatalogItem) -> Answers:
    """Parameters from the item's JSON schema, then its secrets, the variables only the user
    can set, then the container name."""
    schema = item.config_schema or {}
    parameters = schema_fields(schema, prefix=PARAMETER_PREFIX, structured=True)
    secrets = [_secret_field(n, s) for n, s in enumerate(item.secrets, start=1)]
    return Answers(parameters, [*secrets, *_env_fields(item), NAME_FIELD])


def _read(item: CatalogItem, form: Mapping[str, Any]) -> Answers:
    """The submitted form typed and checked; a refused reference is shown empty."""
    answers = blank_form(item)
    answers.submission = read_form(answers.parameters, form)
    answers.errors = {PARAMETER_PREFIX + n: m for n, m in answers.submission.errors.items()}
    entered = [replace(t, value=str(form.get(t.key, "")).strip()) for t in answers.texts]
    answers.errors |= {t.key: error for t in entered if (error := t.error())}
    answers.texts = [
        replace(t, value="") if t.reference and t.key in answers.errors else t for t in entered
    ]
    return answers


def _install(item_id: str, answers: Answers) -> InstallRequest:
    """`{item_id, parameters, secrets, env, name}`: each accepted answer at its field path (the
    name only when one was given)."""
    answered: dict[str, dict[str, str]] = {"secrets": {}, "env": {}}
    name: str | None = None
    for text in answers.texts:
        if not text.value or text.key in answers.errors:
            continue
        group, _, key = text.key.partition(".")
        if key:
            answered[group][key] = text.value
        else:
            name = text.value
    install = InstallRequest.model_construct(
        item_id=item_id,
        parameters=dict(answers.submission.arguments),
        secrets=answered["secrets"],
        env=answered["env"],
    )
    if name is not None:
        install.name = name
    return install


def _api_field_errors(error: ApiError, refused: bool) -> dict[str, str]:
    """The API's field errors. After answers were refused here, the dry run went without them:
    an error on the whole `parameters` object then names a required parameter already marked."""
    return {k: m for k, m in error.fields.items() if not (refused and k == "parameters")}


def _beside_answers(errors: dict[str, str], answers: Answers) -> dict[str, str]:
    """A refused mount moved beside the path answer it came from (`parameters.paths.0`); the
    API names the mount, the path its message starts with names the answer."""
    answered = list(entries(answers.parameters, answers.submission))
    moved: dict[str, str] = {}
    for key, message in errors.items():
        source = next(
            (name for name, text in answered if message.startswith((f"{text} ", f"{text}:"))),
            None,
        )
        moved[source if source and VOLUME_ERROR.fullmatch(key) else key] = message
    return moved


def _secret_groups(texts: list[TextField]) -> list[tuple[str | None, list[TextField]]]:
    """Secrets in the catalog's order; the members of an alternative group together, at the
    place of the first one."""
    groups: dict[str, list[TextField]] = {}
    shown: list[tuple[str | None, list[TextField]]] = []
    for text in (t for t in texts if t.reference):
        if text.group is None:
            shown.append((None, [text]))
        elif text.group not in groups:
            groups[text.group] = [text]
            shown.append((text.group, groups[text.group]))
        else:
            groups[text.group].append(text)
    return shown


def _install_page(
    request: Request,
    item: CatalogItem,
    answers: Answers,
    error: ApiError | None = None,
    status_code: int = 200,
    api_field_errors: dict[str, str] | None = None,
    preview: Preview | None = None,
) -> HTMLResponse:
    """The form; a validation error is shown beside its fields (the rest listed above them),
    any other API error as an alert. This form's own errors take precedence over the API's."""
    groups = {f"secrets.{t.group}" for t in answers.texts if t.group}
    known = error_keys(answers.parameters, answers.submission) | {t.key for t in answers.texts}
    known |= groups
    api_errors = _beside_answers(api_field_errors or {}, answers)
    placed = {k: m for k, m in api_errors.items() if k in known}
    context = {
        "page_title": f"Install {item.title or item.id}",
        "nav": "catalog",
        "item": item,
        "item_url": item_url(item.id),
        "install_url": f"{item_url(item.id)}/install",
        "installable": can_install(item),
        "install_note": install_note(item),
        "parameter_fields": answers.parameters,
        "submission": answers.submission,
        "focus": answers.focus,
        "secret_groups": _secret_groups(answers.texts),
        "name_fields": [t for t in answers.texts if not t.reference],
        "field_errors": {**placed, **answers.errors},
        "unplaced_errors": {k: m for k, m in api_errors.items() if k not in known},
        "error": error,
        "reference_pattern": WHOLE_VALUE_PATTERN,
        "catalog_sets": catalog_settings(item),
        "preview": preview,
    }
    return render(request, "install.html", context, status_code)


@router.get("/catalog/items/{item_id:path}/install", response_class=HTMLResponse)
async def install_form(request: Request, item_id: str, api: Api, session: Session) -> HTMLResponse:
    item = await fetch_item(api, session, item_id)
    if item is None:
        return item_not_found(request, item_id)
    return _install_page(request, item, blank_form(item))


def _rows_edited(
    request: Request, item: CatalogItem, form: dict[str, str], action: str
) -> Response:
    """The form again with a row added or removed; nothing is checked while rows are edited."""
    removed = action.removeprefix(REMOVE_ROW) if action.startswith(REMOVE_ROW) else None
    answers = _read(item, {k: v for k, v in form.items() if k != removed})
    answers.errors, answers.submission.errors = {}, {}
    answers.edit_rows(action)
    answers.forget_secret_shapes()
    return _install_page(request, item, answers)


@router.post("/catalog/items/{item_id:path}/install")
async def install_submit(request: Request, item_id: str, api: Api, session: Session) -> Response:
    item = await fetch_item(api, session, item_id)
    if item is None:
        return item_not_found(request, item_id)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    action = form.pop("action", INSTALL)
    if action.startswith((ADD_ROW, REMOVE_ROW)):
        return _rows_edited(request, item, form, action)
    if action != INSTALL:  # only an explicit `install` creates anything
        action = PREVIEW
    answers = _read(item, form)
    refused = bool(answers.errors)
    install = _install(item_id, answers)
    # With answers refused here, a dry run still finds the API's errors in the others, so every
    # problem is shown at once. A preview is a dry run too.
    check_only = refused or action == PREVIEW
    try:
        if check_only:
            dry_run = await api.preview_install(session, install)
        else:
            job = await api.start_install(session, install)
    except ApiError as exc:
        if exc.code == "SECRET_IN_PLAIN_TEXT":  # a typed value looked like a secret: drop it
            answers.forget_typed()
        answers.forget_secret_shapes()
        errors = _api_field_errors(exc, refused)
        alert = None if exc.code == "VALIDATION_ERROR" else exc
        return _install_page(request, item, answers, alert, exc.status, errors)
    answers.forget_secret_shapes()
    if refused:
        return _install_page(request, item, answers, status_code=422)
    if check_only:
        return _install_page(request, item, answers, preview=preview_of(dry_run))
    return go_to(request, job_url(job.job_id, item_id))
