"""The UI's only way to the API: one typed method per call the UI makes, every API path in
this module, answers parsed into the API's own schemas (`mcp_console.<domain>.schemas`) so a
renamed response field fails type checking here and in the pages, not at run time. Error
answers become exceptions (`ApiError`, `SessionInvalidError`).

Request bodies are the API's request models built with `model_construct`: unvalidated on
purpose, so the API stays the judge of what the user typed and its 422 names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from mcp_console.audit.schemas import AuditPage
from mcp_console.auth.schemas import (
    ApiKeyLogin,
    LoginResponse,
    MasterPasswordLogin,
    SessionResponse,
)
from mcp_console.catalog.schemas import (
    CacheCleared,
    CatalogItem,
    CatalogPage,
    SourceCreate,
    SourceIn,
    SourceOut,
)
from mcp_console.containers.schemas import (
    ActionResult,
    ConfigEdited,
    ContainerConfigView,
    ContainerList,
    ContainerView,
    InstallPreview,
    InstallRequest,
)
from mcp_console.gateway.schemas import (
    ClientConfig,
    ClientKind,
    GatewayCallList,
    Profile,
    ProfileCreate,
    ProfileList,
    ProfileStatus,
    ProfileUpdate,
    ProfileVersionList,
    RestoredProfile,
    TokenCreate,
    TokenCreated,
    TokenList,
    ValidationReport,
)
from mcp_console.github.schemas import GitHubTokenIn, GitHubTokenStatus
from mcp_console.health.schemas import HealthReport
from mcp_console.inspector.schemas import (
    PromptGetRequest,
    PromptInfo,
    PromptList,
    PromptMessages,
    ResourceContents,
    ResourceInfo,
    ResourceList,
    ServerCapabilities,
    ToolCallRequest,
    ToolCallResult,
    ToolInfo,
    ToolList,
)
from mcp_console.jobs.schemas import JobAccepted, JobList, JobView

API_INSTRUCTION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /")


@dataclass
class ApiError(Exception):
    """An API error answer (`{"error": {code, message, hint, fields}}`) or an unreachable API."""

    status: int
    code: str
    message: str
    hint: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # e.g. SSRF_BLOCKED's `private_ip`
    details: dict[str, Any] = field(default_factory=dict)  # the rest, e.g. `collisions`

    @property
    def page_hint(self) -> str | None:
        """The hint for a page: one that tells an API client which request to send ("GET
        /api/...") means nothing to someone using the pages, so it is left out."""
        if self.hint and API_INSTRUCTION.match(self.hint):
            return None
        return self.hint


class SessionInvalidError(Exception):
    """The API answered 401 SESSION_INVALID: the user must log in again."""


# A quiet follow stream may stay silent for hours: no read deadline, only a connect deadline.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)
KNOWN_ERROR_KEYS = {"code", "message", "hint", "fields", "errors", "reason", "request_id"}
REQUIRED_PROPERTY = re.compile(r"^'([^']+)' is a required property")


def _field_path(location: str) -> str:
    """`body.secrets.API_KEY` -> `secrets.API_KEY`: where in the request, as forms name fields."""
    head, _, rest = location.partition(".")
    return rest if head in ("body", "query", "path") and rest else location


def _schema_error_field(item: dict[str, Any]) -> str:
    """A JSON-schema error of `INVALID_TOOL_ARGUMENTS` (`{path, message, validator}`): its
    argument, which a `required` error names only in its message."""
    path = str(item.get("path") or "")
    if path:
        return path
    match = REQUIRED_PROPERTY.match(str(item.get("message", "")))
    return match.group(1) if match else ""


def _error_fields(body: dict[str, Any]) -> dict[str, str]:
    fields = {
        _field_path(str(item.get("field", ""))): str(item.get("message", ""))
        for item in body.get("fields") or []
        if isinstance(item, dict)
    }
    for item in body.get("errors") or []:
        if isinstance(item, dict) and (name := _schema_error_field(item)):
            fields.setdefault(name, str(item.get("message", "")))
    return fields


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json().get("error", {})
    except (ValueError, AttributeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiError(
        status=response.status_code,
        code=str(body.get("code", "API_ERROR")),
        message=str(body.get("message", f"The API answered {response.status_code}.")),
        hint=body.get("hint"),
        fields=_error_fields(body),
        reason=body.get("reason"),
        details={key: value for key, value in body.items() if key not in KNOWN_ERROR_KEYS},
    )


def _unreachable(exc: httpx.HTTPError) -> ApiError:
    return ApiError(
        503,
        "API_UNREACHABLE",
        "The console API did not answer.",
        hint=f"Check that the API runs and API_URL points at it ({type(exc).__name__}).",
    )


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    error = _error_from(response)
    if error.status == 401 and error.code == "SESSION_INVALID":
        raise SessionInvalidError
    raise error


def _auth(session_id: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_id}"} if session_id else {}


Model = TypeVar("Model", bound=BaseModel)
ContainerAction = Literal["start", "stop", "restart"]
SOURCES = TypeAdapter(list[SourceOut])


def _segment(value: str, safe: str = "") -> str:
    """A path segment from user input (an id, a tool name): quoted, never a path of its own."""
    return quote(value, safe=safe)


def _json_body(request: BaseModel) -> Any:
    """The fields the caller set, as JSON; a `SecretStr` (a password, a token) is sent as its
    value: masking is for logs and answers, not for the request that carries it."""
    fields = request.model_dump(exclude_unset=True, warnings=False)
    return to_jsonable_python(
        {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in fields.items()}
    )


def _container(container_id: str, rest: str = "") -> str:
    return f"/api/containers/{_segment(container_id)}{rest}"


def _inspector(container_id: str, rest: str) -> str:
    return f"/api/inspector/{_segment(container_id)}/{rest}"


def _source(source_id: str) -> str:
    return f"/api/catalog/sources/{_segment(source_id)}"


def _profile(name: str, rest: str = "") -> str:
    return f"/api/gateway/profiles/{_segment(name)}{rest}"


def _job(job_id: str, rest: str = "") -> str:
    return f"/api/jobs/{_segment(job_id)}{rest}"


class ApiClient:
    """Typed calls over one shared `httpx.AsyncClient` (base URL `API_URL`). `session` is the
    API session id, sent as the bearer token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def _send(
        self,
        method: str,
        path: str,
        session: str | None,
        *,
        body: BaseModel | dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The answer, whose status was checked: an error answer or no answer raises."""
        try:
            response = await self._http.request(
                method,
                path,
                json=_json_body(body) if isinstance(body, BaseModel) else body,
                params=params,
                headers={**_auth(session), **(headers or {})},
            )
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        _raise_for_error(response)
        return response

    async def _answer(
        self,
        model: type[Model],
        method: str,
        path: str,
        session: str | None,
        *,
        body: BaseModel | dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Model:
        """The answer parsed into the API's response model."""
        response = await self._send(
            method, path, session, body=body, params=params, headers=headers
        )
        return model.model_validate_json(response.content)

    # -- health and sessions ---------------------------------------------------------------

    async def health(self) -> HealthReport | None:
        """The health report whatever its status (a degraded API still answers with details);
        None when the API did not answer with one."""
        try:
            response = await self._http.get("/health")
            return HealthReport.model_validate_json(response.content)
        except (httpx.HTTPError, ValidationError):
            return None

    async def login(
        self, login: MasterPasswordLogin | ApiKeyLogin, browser_address: str | None
    ) -> LoginResponse:
        """The browser's address goes along, so the API's per-address login limit counts each
        browser rather than this one web process (the API believes it from FORWARDED_ALLOW_IPS)."""
        forwarded = {"X-Forwarded-For": browser_address} if browser_address else {}
        return await self._answer(
            LoginResponse, "POST", "/api/auth/login", None, body=login, headers=forwarded
        )

    async def logout(self, session: str) -> None:
        await self._send("POST", "/api/auth/logout", session)

    async def current_session(self, session: str) -> SessionResponse:
        return await self._answer(SessionResponse, "GET", "/api/auth/session", session)

    # -- containers ------------------------------------------------------------------------

    async def list_containers(self, session: str, *, stats: bool) -> list[ContainerView]:
        """Every container of the user, stopped ones too; `stats` adds CPU and memory use."""
        params = {"all": "true", "stats": "true" if stats else "false"}
        listing = await self._answer(
            ContainerList, "GET", "/api/containers", session, params=params
        )
        return listing.containers

    async def container_config(self, session: str, container_id: str) -> ContainerConfigView:
        path = _container(container_id, "/config")
        return await self._answer(ContainerConfigView, "GET", path, session)

    async def edit_container_config(
        self, session: str, container_id: str, edit: dict[str, Any], *, restart: bool
    ) -> ConfigEdited:
        """`edit` is a `ConfigEdit` as the form entered it: numbers stay text, for the API to
        type them and name a bad one (`config_form.payload`)."""
        path = _container(container_id, "/config")
        params = {"restart": "true"} if restart else None
        return await self._answer(ConfigEdited, "PATCH", path, session, body=edit, params=params)

    async def container_action(
        self, session: str, container_id: str, action: ContainerAction
    ) -> ActionResult:
        path = _container(container_id, f"/{action}")
        return await self._answer(ActionResult, "POST", path, session)

    async def delete_container(self, session: str, container_id: str, *, force: bool) -> None:
        await self._send(
            "DELETE", _container(container_id) + ("?force=true" if force else ""), session
        )

    async def preview_install(self, session: str, install: InstallRequest) -> InstallPreview:
        """The install's dry run: the exact config it would create, nothing created."""
        return await self._answer(
            InstallPreview,
            "POST",
            "/api/containers/install",
            session,
            body=install,
            params={"dry_run": "true"},
        )

    async def start_install(self, session: str, install: InstallRequest) -> JobAccepted:
        """The install as a background job."""
        return await self._answer(
            JobAccepted,
            "POST",
            "/api/containers/install",
            session,
            body=install,
            params={"async": "true"},
        )

    async def open_logs(
        self, session: str, container_id: str, params: dict[str, str]
    ) -> httpx.Response:
        """The container's log stream (server-sent events), its status checked (an error answer
        raises like any call); the caller reads it and must `aclose()` it."""
        request = self._http.build_request(
            "GET",
            _container(container_id, "/logs"),
            params=params,
            headers={**_auth(session), "Accept": "text/event-stream"},
            timeout=STREAM_TIMEOUT,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            _raise_for_error(response)
        return response

    # -- inspector -------------------------------------------------------------------------

    async def capabilities(self, session: str, container_id: str) -> ServerCapabilities:
        path = _inspector(container_id, "capabilities")
        return await self._answer(ServerCapabilities, "GET", path, session)

    async def list_tools(self, session: str, container_id: str) -> list[ToolInfo]:
        path = _inspector(container_id, "tools")
        return (await self._answer(ToolList, "GET", path, session)).tools

    async def call_tool(
        self, session: str, container_id: str, name: str, arguments: dict[str, Any]
    ) -> ToolCallResult:
        """`arguments` are the tool's own JSON, checked against its input schema by the API."""
        path = _inspector(container_id, f"tools/{_segment(name)}/call")
        call = ToolCallRequest.model_construct(arguments=arguments)
        return await self._answer(ToolCallResult, "POST", path, session, body=call)

    async def list_prompts(self, session: str, container_id: str) -> list[PromptInfo]:
        path = _inspector(container_id, "prompts")
        return (await self._answer(PromptList, "GET", path, session)).prompts

    async def get_prompt(
        self, session: str, container_id: str, name: str, arguments: dict[str, Any]
    ) -> PromptMessages:
        path = _inspector(container_id, f"prompts/{_segment(name)}/get")
        get = PromptGetRequest.model_construct(arguments=arguments)
        return await self._answer(PromptMessages, "POST", path, session, body=get)

    async def list_resources(self, session: str, container_id: str) -> list[ResourceInfo]:
        path = _inspector(container_id, "resources")
        return (await self._answer(ResourceList, "GET", path, session)).resources

    async def read_resource(self, session: str, container_id: str, uri: str) -> ResourceContents:
        path = _inspector(container_id, "resources/read")
        return await self._answer(ResourceContents, "GET", path, session, params={"uri": uri})

    # -- catalog ---------------------------------------------------------------------------

    async def search_catalog(self, session: str, params: dict[str, str | int]) -> CatalogPage:
        """`params` are `GET /api/catalog`'s filters (`CatalogQuery`) as the address states them."""
        return await self._answer(CatalogPage, "GET", "/api/catalog", session, params=params)

    async def catalog_item(self, session: str, item_id: str) -> CatalogItem:
        path = f"/api/catalog/{_segment(item_id, '/:@')}"
        return await self._answer(CatalogItem, "GET", path, session)

    async def catalog_sources(self, session: str) -> list[SourceOut]:
        response = await self._send("GET", "/api/catalog/sources", session)
        return SOURCES.validate_json(response.content)

    async def add_catalog_source(self, session: str, source: SourceCreate) -> SourceOut:
        return await self._answer(SourceOut, "POST", "/api/catalog/sources", session, body=source)

    async def update_catalog_source(
        self, session: str, source_id: str, source: SourceIn
    ) -> SourceOut:
        return await self._answer(SourceOut, "PUT", _source(source_id), session, body=source)

    async def delete_catalog_source(self, session: str, source_id: str) -> None:
        await self._send("DELETE", _source(source_id), session)

    async def clear_catalog_cache(self, session: str) -> CacheCleared:
        return await self._answer(CacheCleared, "DELETE", "/api/catalog/cache", session)

    # -- GitHub token ----------------------------------------------------------------------

    async def github_token_status(self, session: str) -> GitHubTokenStatus:
        return await self._answer(GitHubTokenStatus, "GET", "/api/github-token/status", session)

    async def set_github_token(self, session: str, token: GitHubTokenIn) -> GitHubTokenStatus:
        return await self._answer(
            GitHubTokenStatus, "PUT", "/api/github-token", session, body=token
        )

    async def delete_github_token(self, session: str) -> None:
        await self._send("DELETE", "/api/github-token", session)

    # -- gateway ---------------------------------------------------------------------------

    async def list_profiles(self, session: str) -> ProfileList:
        return await self._answer(ProfileList, "GET", "/api/gateway/profiles", session)

    async def create_profile(self, session: str, profile: ProfileCreate) -> Profile:
        return await self._answer(Profile, "POST", "/api/gateway/profiles", session, body=profile)

    async def profile(self, session: str, name: str) -> Profile:
        return await self._answer(Profile, "GET", _profile(name), session)

    async def update_profile(self, session: str, name: str, update: ProfileUpdate) -> Profile:
        """409 `CONFIG_CONFLICT` when `update.version` is no longer the current one."""
        return await self._answer(Profile, "PUT", _profile(name), session, body=update)

    async def delete_profile(self, session: str, name: str) -> None:
        await self._send("DELETE", _profile(name), session)

    async def validate_profile(
        self, session: str, name: str, update: ProfileUpdate
    ) -> ValidationReport:
        path = _profile(name, "/validate")
        return await self._answer(ValidationReport, "POST", path, session, body=update)

    async def profile_status(self, session: str, name: str) -> ProfileStatus:
        """Every server of the user with its state, live tool list and the profile's choices."""
        return await self._answer(ProfileStatus, "GET", _profile(name, "/status"), session)

    async def profile_versions(self, session: str, name: str) -> ProfileVersionList:
        path = _profile(name, "/versions")
        return await self._answer(ProfileVersionList, "GET", path, session)

    async def restore_profile_version(
        self, session: str, name: str, version: int
    ) -> RestoredProfile:
        path = _profile(name, f"/versions/{version}/restore")
        return await self._answer(RestoredProfile, "POST", path, session)

    async def client_config(self, session: str, name: str, client: ClientKind) -> ClientConfig:
        """The snippet holds the API's token placeholder (`TOKEN_PLACEHOLDER`), never a token."""
        path = _profile(name, "/client-config")
        return await self._answer(ClientConfig, "GET", path, session, params={"client": client})

    async def export_profile(self, session: str, name: str) -> bytes:
        """The `.tar.gz` that `docker mcp gateway run` reads (secrets as references only)."""
        path = _profile(name, "/export")
        return (await self._send("GET", path, session, params={"format": "docker-mcp"})).content

    async def gateway_calls(self, session: str, name: str) -> GatewayCallList:
        return await self._answer(GatewayCallList, "GET", _profile(name, "/calls"), session)

    async def list_gateway_tokens(self, session: str) -> TokenList:
        return await self._answer(TokenList, "GET", "/api/gateway/tokens", session)

    async def create_gateway_token(self, session: str, token: TokenCreate) -> TokenCreated:
        """The answer holds the token itself, once."""
        return await self._answer(TokenCreated, "POST", "/api/gateway/tokens", session, body=token)

    async def revoke_gateway_token(self, session: str, token_id: str) -> None:
        await self._send("DELETE", f"/api/gateway/tokens/{_segment(token_id)}", session)

    # -- jobs and audit --------------------------------------------------------------------

    async def list_jobs(self, session: str) -> list[JobView]:
        return (await self._answer(JobList, "GET", "/api/jobs", session)).jobs

    async def job(self, session: str, job_id: str) -> JobView:
        return await self._answer(JobView, "GET", _job(job_id), session)

    async def cancel_job(self, session: str, job_id: str) -> JobView:
        return await self._answer(JobView, "POST", _job(job_id, "/cancel"), session)

    async def audit(self, session: str, params: dict[str, str | int]) -> AuditPage:
        """`params`: the filters `user`, `action`, `target`, `limit` and `before_id`."""
        return await self._answer(AuditPage, "GET", "/api/audit", session, params=params)
