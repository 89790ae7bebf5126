"""The Gateway profile form: one row per server of the user (from the profile's live status),
read back into the `ProfileUpdate` the API judges, and the API's objections placed on the rows
they name.

Inputs are named by the API's field paths (`servers.<n>.prefix`) in the order they are sent, so a
422 for `servers.1.prefix` lands on the second row. Every row is sent, enabled or not, so the
indexes of the page and of the body are the same, except a server whose container is gone (the
status lists it last, state `missing`): it is shown, not sent, so a save drops it. A stopped
server has no live tool list: its choice travels in hidden inputs and is kept as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from starlette.datastructures import FormData

from mcp_console.gateway.schemas import (
    ProfileServer,
    ProfileStatus,
    ProfileUpdate,
    ServerKind,
    ValidationReport,
)
from mcp_console.web.api_client import ApiError

SERVER_FIELD = re.compile(r"^servers\.(\d+)(?:\.|$)")
MISSING = "missing"  # the status's state for a profile server whose container was deleted


@dataclass
class ServerRow:
    """One server as the form shows it; `tools` None means every tool (no allow-list)."""

    server_id: str
    kind: str
    name: str
    state: str
    available_tools: list[str] | None
    enabled: bool
    prefix: str
    tools: list[str] | None
    problems: list[str] = field(default_factory=list)

    @property
    def gone(self) -> bool:
        return self.state == MISSING

    @property
    def live(self) -> bool:
        """The server runs and listed its tools: they can be picked."""
        return self.available_tools is not None

    def picked(self, tool: str) -> bool:
        return self.tools is None or tool in self.tools

    def unlisted_tools(self) -> list[str]:
        """Chosen tools the live list does not hold (renamed or gone): shown so they can go."""
        if self.tools is None or self.available_tools is None:
            return []
        return [tool for tool in self.tools if tool not in self.available_tools]


@dataclass
class Posted:
    """A row as the browser sent it."""

    server_id: str
    kind: str
    enabled: bool
    prefix: str
    tools: list[str] | None


@dataclass
class ProfileForm:
    """The form of one rendering: its rows, the version it edits, and what the API said."""

    version: str
    description: str
    rows: list[ServerRow]
    problems: list[str] = field(default_factory=list)  # objections that name no row
    alert: ApiError | None = None
    report: ValidationReport | None = None

    @property
    def conflict(self) -> bool:
        return self.alert is not None and self.alert.code == "CONFIG_CONFLICT"


def read_posted(form: FormData) -> list[Posted]:
    """The rows in the order of their numbers (the order the page rendered and the API gets)."""
    numbers = sorted({int(match.group(1)) for key in form if (match := SERVER_FIELD.match(key))})
    rows = []
    for n in numbers:
        prefix = f"servers.{n}."
        all_tools = form.get(prefix + "all_tools") == "true"
        tools = [str(value) for value in form.getlist(prefix + "tools")]
        rows.append(
            Posted(
                server_id=str(form.get(prefix + "server_id", "")),
                kind=str(form.get(prefix + "kind", "container")),
                enabled=form.get(prefix + "enabled") == "true",
                prefix=str(form.get(prefix + "prefix", "")).strip(),
                tools=None if all_tools else tools,
            )
        )
    return rows


def update_body(version: str, description: str, posted: Iterable[Posted]) -> ProfileUpdate:
    """The edit as typed (unvalidated): the API names whatever is wrong with it."""
    servers = [
        ProfileServer.model_construct(
            kind=cast(ServerKind, row.kind),
            server_id=row.server_id,
            enabled=row.enabled,
            tools=row.tools,
            prefix=row.prefix or None,
        )
        for row in posted
    ]
    number = int(version) if version.isdigit() else version
    return ProfileUpdate.model_construct(
        version=cast(int, number), description=description, servers=servers
    )


def rows_from(status: ProfileStatus, posted: Iterable[Posted] = ()) -> list[ServerRow]:
    """The servers the API knows now, with what the user typed laid over them (by server id)."""
    typed = {row.server_id: row for row in posted}
    rows = []
    for server in status.servers:
        row = ServerRow(
            server_id=server.server_id,
            kind=server.kind,
            name=server.server_name,
            state=server.state,
            available_tools=server.available_tools,
            enabled=server.enabled,
            prefix=server.prefix or "",
            tools=server.selected_tools,
        )
        if (mine := typed.get(server.server_id)) is not None:
            row.enabled, row.prefix, row.tools = mine.enabled, mine.prefix, mine.tools
        rows.append(row)
    return rows


def place_problems(
    form: ProfileForm, posted: list[Posted], problems: Iterable[tuple[str, str]]
) -> None:
    """Each `(path, message)` beside the row its path names (by the sent row's server id);
    the rest above the form."""
    by_id = {row.server_id: row for row in form.rows}
    for path, message in problems:
        match = SERVER_FIELD.match(path)
        number = int(match.group(1)) if match else -1
        row = by_id.get(posted[number].server_id) if 0 <= number < len(posted) else None
        if row is None:
            form.problems.append(f"{path}: {message}" if path else message)
        elif message not in row.problems:
            row.problems.append(message)


def reject(form: ProfileForm, posted: list[Posted], error: ApiError) -> None:
    """A refused save: the alert above the form, each field's message on its row, and each name
    collision on both servers it involves (the API names them in `collisions`)."""
    form.alert = error
    place_problems(form, posted, error.fields.items())
    by_id = {row.server_id: row for row in form.rows}
    for server_id in error.details.get("servers") or []:
        if (row := by_id.get(str(server_id))) is not None:
            row.problems.append("This server is not among your containers any more.")
    by_name = {row.name: row for row in form.rows}
    for collision in error.details.get("collisions") or []:
        servers = [str(server) for server in collision.get("servers") or []]
        for server in servers:
            if (row := by_name.get(server)) is None:
                continue
            others = ", ".join(other for other in servers if other != server)
            what = f"{collision.get('kind')} {collision.get('name')}"
            message = f"The {what} is also exposed by {others}."
            if message not in row.problems:
                row.problems.append(message)


def report(form: ProfileForm, posted: list[Posted], result: ValidationReport) -> None:
    """A validation's problems on their rows, each with the servers it involves."""
    form.report = result
    place_problems(
        form,
        posted,
        (
            (problem.path, _with_servers(problem.message, problem.servers))
            for problem in result.problems
        ),
    )


def _with_servers(message: str, servers: list[str]) -> str:
    missing = [server for server in servers if server not in message]
    return f"{message} ({', '.join(missing)})" if missing else message
