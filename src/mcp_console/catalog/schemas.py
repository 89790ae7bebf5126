"""Response and request models of the catalog API, and the one normalised `CatalogItem`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Transport = Literal["stdio", "streamable-http", "sse"]


class SecretSpec(BaseModel):
    """A secret the server needs; the user answers it with a Bitwarden reference.

    `alternative_group`: secrets sharing a group are alternatives: one answer in the group is
    enough (see docs/CATALOG.md for how a group is derived from an entry)."""

    name: str
    env: str
    description: str | None = None
    required: bool = True
    alternative_group: str | None = None


class EnvTemplate(BaseModel):
    """An environment variable whose value may refer to config parameters (`{{srv.param}}`);
    `default` is used when the value evaluates to nothing; an env that stays "" is not set."""

    name: str
    value: str | None = None
    description: str | None = None
    required: bool = False
    default: str | None = None


class RunSpec(BaseModel):
    """How the catalog entry says to run its container (Docker `run:` block). Strings are
    templates (`{{srv.param|filter}}`, see `catalog/templates.py`), evaluated at install."""

    command: list[str | list[str]] = Field(
        default_factory=list,
        description="Arguments after the image. A nested list is a group (a named argument and "
        "its value): left out whole when one of its templates evaluates to nothing, repeated "
        "per element when one evaluates to a list.",
    )
    volumes: list[str] = Field(default_factory=list, description="`source:target[:ro]` templates")
    user: str | None = None
    disable_network: bool = False


class PackageArgument(BaseModel):
    """An Official Registry runtime or package argument (`positional` or `named`)."""

    kind: Literal["positional", "named"]
    name: str | None = None
    value: str | None = None
    value_hint: str | None = None
    description: str | None = None
    required: bool = False
    default: str | None = None
    choices: list[str] = Field(default_factory=list)
    repeated: bool = False
    secret: bool = False
    format: str | None = None
    parameter: str | None = Field(
        default=None, description="The config_schema property that answers this argument."
    )


class PackageSpec(BaseModel):
    """An Official Registry OCI package: runtime arguments go to the container runtime, package
    arguments after the image (the container command)."""

    registry_type: str
    identifier: str
    version: str | None = None
    transport: Transport = "stdio"
    runtime_arguments: list[PackageArgument] = Field(default_factory=list)
    package_arguments: list[PackageArgument] = Field(default_factory=list)


class RemoteSpec(BaseModel):
    """A remote endpoint an entry offers (Docker `remote:`, Official `remotes[]`); `url` may hold
    `{variable}` placeholders answered like parameters; secret headers take references only."""

    transport: Literal["streamable-http", "sse"]
    url: str
    variables: list[PackageArgument] = Field(default_factory=list)
    headers: list[PackageArgument] = Field(default_factory=list)


class ToolSummary(BaseModel):
    name: str
    description: str | None = None


class CatalogItem(BaseModel):
    """One installable (or at least listable) MCP server, whatever catalog it came from."""

    id: str
    name: str
    title: str
    description: str = ""
    source: str
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    icon: str | None = None
    image: str | None = None
    version: str | None = None
    transport: Transport = "stdio"
    remote_url: str | None = None
    installable: bool = True
    install_note: str | None = None
    secrets: list[SecretSpec] = Field(default_factory=list)
    config_schema: dict[str, Any] | None = None
    config_root: str | None = Field(
        default=None,
        description="The first path segment under which templates read this item's answers "
        "(the config tree is `{config_root or name: parameters}`); set when the name itself "
        "cannot be a path segment (Official names hold `/` and `.`).",
    )
    env: list[EnvTemplate] = Field(default_factory=list)
    run: RunSpec = Field(default_factory=RunSpec)
    package: PackageSpec | None = None
    remotes: list[RemoteSpec] = Field(default_factory=list)
    tools: list[ToolSummary] = Field(default_factory=list)
    docs_url: str | None = None


class SourceError(BaseModel):
    source: str
    code: str
    message: str


class Facets(BaseModel):
    categories: dict[str, int]
    tags: dict[str, int]


class CatalogPage(BaseModel):
    items: list[CatalogItem]
    total: int
    page: int
    page_size: int
    facets: Facets
    partial: bool = False
    errors: list[SourceError] = Field(default_factory=list)


class CatalogQuery(BaseModel):
    """Filters of `GET /api/catalog`; every field optional."""

    source: str | None = None
    q: str | None = Field(default=None, max_length=200)
    category: str | None = None
    tag: str | None = None
    transport: Transport | None = None
    installable: bool | None = None
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=50, ge=1, le=200)


class SourceIn(BaseModel):
    """A change of a custom source (PUT): its scope is fixed when it is added."""

    model_config = ConfigDict(extra="forbid")

    # Stripped before the length check: a name of spaces is no name.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    url: str = Field(min_length=1, max_length=2048)


class SourceCreate(SourceIn):
    scope: Literal["private", "global"] = Field(
        default="private",
        description="`private`: only you see and search it. `global`: every user does; only "
        "operators (ADMIN_EMAILS) may add, change or delete global sources.",
    )


class SourceOut(BaseModel):
    id: str
    name: str
    kind: Literal["docker", "github", "official", "custom"]
    url: str
    builtin: bool
    enabled: bool = True
    scope: Literal["private", "global"] = Field(
        default="global", description="Built-in sources are global."
    )
    owner: str | None = Field(default=None, description="The owner of a private source.")
    can_edit: bool = Field(default=False, description="Whether you may change or delete it.")
    status: Literal["ok", "failed", "not_loaded"] = Field(
        default="not_loaded",
        description="`failed`: the last refresh failed (searches report it in `errors` and do "
        "not fetch it again for CATALOG_ERROR_TTL_SECONDS, then retry it in the background); "
        "`ok`: a copy is cached.",
    )
    last_error: SourceError | None = None


class CacheCleared(BaseModel):
    """`DELETE /api/catalog/cache`: how many cached catalog copies were dropped."""

    deleted: int
