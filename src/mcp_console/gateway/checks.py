"""Checks of a profile document against the caller's servers: the save check (unknown servers,
name collisions), the validate report and the live status the Gateway page shows.

Save: every listed server must be one of the caller's managed containers (422
PROFILE_UNKNOWN_SERVER otherwise), an allow-list of a running server may name only tools its live
list has (422 PROFILE_UNKNOWN_TOOL; a stopped server cannot be checked, so its list is taken as
it is), and the enabled servers must not collide (422 PROFILE_NAME_COLLISION naming both servers
and the name; rule in `exposure.py`). Validate runs
the same checks without saving and reports every problem with its path; a server that is stopped
or does not answer is reported SERVER_UNREACHABLE, which does not make the document invalid
(its tools are checked when it runs).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from mcp_console.containers.schemas import ContainerView
from mcp_console.containers.service import Actor
from mcp_console.core.errors import AppError
from mcp_console.gateway import schemas
from mcp_console.gateway.exposure import allowed_tools, collisions, exposed_name
from mcp_console.gateway.inventory import RUNNING, ServerInventory, ServerState
from mcp_console.secrets import policy

MISSING = "missing"
WARNINGS = {"SERVER_UNREACHABLE"}


def unknown_servers(ids: list[str]) -> AppError:
    return AppError(
        "PROFILE_UNKNOWN_SERVER",
        f"These servers are not among your containers: {', '.join(ids)}.",
        status=422,
        hint="GET /api/containers lists your containers; use their container_id.",
        details={"servers": ids},
    )


def unknown_tools(found: list[tuple[str, str, str]]) -> AppError:
    """`found`: (path of the allow-list entry, server name, tool) for each tool it lacks."""
    named = "; ".join(f"{server} has no tool named {tool}" for _, server, tool in found)
    return AppError(
        "PROFILE_UNKNOWN_TOOL",
        f"An allow-list names tools its server does not have: {named}.",
        status=422,
        hint="Pick the tools from the server's current list (the profile page offers them).",
        details={
            "fields": [
                {"field": path, "message": f"{server} has no tool named {tool}"}
                for path, server, tool in found
            ]
        },
    )


def name_collision(messages: list[str], details: list[dict[str, Any]]) -> AppError:
    return AppError(
        "PROFILE_NAME_COLLISION",
        "Two servers would expose the same name: " + "; ".join(messages) + ".",
        status=422,
        hint="Give one of the two servers a prefix: its tool and prompt names become "
        "<prefix>_<name>, and a resource URI both offer is then served by the server listed "
        "first. A collision of tools alone also goes when one allow-list leaves the tool out.",
        details={"collisions": details},
    )


def _problem(
    code: str, path: str, message: str, servers: list[str] | None = None
) -> schemas.ValidationProblem:
    return schemas.ValidationProblem.model_validate(
        {"code": code, "path": path, "message": message, "servers": servers or []}
    )


class ProfileGuard:
    def __init__(self, inventory: ServerInventory) -> None:
        self._inventory = inventory

    async def _states(
        self, actor: Actor, body: schemas.ProfileBody, everything: bool = False
    ) -> tuple[dict[str, ContainerView], dict[str, ServerState]]:
        """Owned containers, and the states of the profile's servers (of all owned ones when
        `everything`), live lists included for the running ones."""
        owned = await self._inventory.owned(actor)
        listed = {server.server_id for server in body.servers}
        views = [view for key, view in owned.items() if everything or key in listed]
        return owned, await self._inventory.states(actor, views, set(owned))

    async def missing_servers(self, actor: Actor, body: schemas.ProfileBody) -> list[str]:
        """The listed servers that are not (or no longer) among the caller's containers."""
        owned = await self._inventory.owned(actor)
        return [
            server.server_id
            for server in body.servers
            if server.kind != "container" or server.server_id not in owned
        ]

    async def check_save(self, actor: Actor, body: schemas.ProfileBody) -> None:
        owned, states = await self._states(actor, body)
        unknown = [
            server.server_id
            for server in body.servers
            if server.kind != "container" or server.server_id not in owned
        ]
        if unknown:
            raise unknown_servers(unknown)
        lacking = _lacking_tools(body, states)
        if lacking:
            raise unknown_tools(lacking)
        found = collisions(
            body,
            {key: state.live for key, state in states.items()},
            {key: view.name for key, view in owned.items()},
        )
        if found:
            raise name_collision(
                [collision.message() for collision in found],
                [{"kind": c.kind, "name": c.name, "servers": list(c.servers)} for c in found],
            )

    async def validate(self, actor: Actor, document: dict[str, Any]) -> schemas.ValidationReport:
        try:
            body = schemas.ProfileDraft.model_validate(document)
        except ValidationError as exc:
            problems = [
                _problem("SCHEMA", ".".join(str(part) for part in error["loc"]), error["msg"])
                for error in exc.errors(include_input=False, include_url=False)
            ]
            return schemas.ValidationReport(valid=False, problems=problems)
        problems = [
            _problem("SECRET_IN_PLAIN_TEXT", v.field, f"looks like a secret ({v.rule})")
            for v in policy.find_violations(document)
        ]
        owned, states = await self._states(actor, body)
        problems += _server_problems(body, owned, states)
        for collision in collisions(
            body,
            {key: state.live for key, state in states.items()},
            {key: view.name for key, view in owned.items()},
        ):
            problems.append(
                _problem(
                    "NAME_COLLISION",
                    f"servers.{collision.index}",
                    collision.message(),
                    list(collision.servers),
                )
            )
        valid = all(problem.code in WARNINGS for problem in problems)
        return schemas.ValidationReport(valid=valid, problems=problems)

    async def status(self, actor: Actor, profile: schemas.Profile) -> schemas.ProfileStatus:
        """Every owned container (those not in the profile with enabled=false, so the page can
        offer them), then profile servers that no longer exist, and the exposed tools."""
        owned, states = await self._states(actor, profile, everything=True)
        chosen = {server.server_id: server for server in profile.servers}
        rows = [_status_row(chosen.get(key), key, states[key]) for key in owned]
        rows += [
            _status_row(server, server.server_id, _missing(server.server_id))
            for server in profile.servers
            if server.server_id not in owned
        ]
        return schemas.ProfileStatus(
            name=profile.name,
            version=profile.version,
            servers=rows,
            exposed_tools=_exposed(profile, states),
        )


def _server_problems(
    body: schemas.ProfileBody, owned: dict[str, ContainerView], states: dict[str, ServerState]
) -> list[schemas.ValidationProblem]:
    problems = []
    for index, server in enumerate(body.servers):
        path = f"servers.{index}"
        if server.kind != "container" or server.server_id not in owned:
            problems.append(
                _problem(
                    "UNKNOWN_SERVER",
                    f"{path}.server_id",
                    f"{server.server_id} is not one of your containers",
                )
            )
            continue
        state = states[server.server_id]
        if state.live is None:
            reason = state.error_code or f"it is {state.state}"
            problems.append(
                _problem(
                    "SERVER_UNREACHABLE",
                    path,
                    f"{state.name} cannot be checked now ({reason}); its tools are checked "
                    "when it runs",
                    [state.name],
                )
            )
    problems += [
        _problem("UNKNOWN_TOOL", path, f"{name} has no tool named {tool}", [name])
        for path, name, tool in _lacking_tools(body, states)
    ]
    return problems


def _lacking_tools(
    body: schemas.ProfileBody, states: dict[str, ServerState]
) -> list[tuple[str, str, str]]:
    """Allow-list entries a running server's live list lacks (a stopped one cannot be checked)."""
    lacking = []
    for index, server in enumerate(body.servers):
        state = states.get(server.server_id)
        if state is None or state.live is None:
            continue
        for position, tool in enumerate(server.tools or []):
            if tool not in state.live.tools:
                lacking.append((f"servers.{index}.tools.{position}", state.name, tool))
    return lacking


def _missing(server_id: str) -> ServerState:
    """A profile server whose container is gone (deleted since the profile was saved)."""
    return ServerState(server_id, server_id, MISSING)


def _status_row(
    server: schemas.ProfileServer | None, key: str, state: ServerState
) -> schemas.ProfileServerStatus:
    return schemas.ProfileServerStatus(
        kind="container",
        server_id=key,
        server_name=state.name,
        state=state.state,
        enabled=server is not None and server.enabled,
        prefix=server.prefix if server else None,
        available_tools=list(state.live.tools) if state.live else None,
        selected_tools=server.tools if server else None,
    )


def _exposed(profile: schemas.Profile, states: dict[str, ServerState]) -> list[schemas.ExposedTool]:
    """The tools a client would list now: enabled, running servers; a later duplicate of a
    name is left out (as the endpoint does)."""
    exposed: dict[str, schemas.ExposedTool] = {}
    for server in profile.servers:
        state = states.get(server.server_id)
        if not server.enabled or state is None or state.live is None or state.state != RUNNING:
            continue
        for tool in allowed_tools(server, state.live) or []:
            name = exposed_name(server.prefix, tool)
            exposed.setdefault(
                name,
                schemas.ExposedTool(
                    name=name,
                    server_id=server.server_id,
                    server_name=state.name,
                    tool=tool,
                    description=state.live.tools[tool],
                ),
            )
    return list(exposed.values())
