"""What a profile exposes, and the name-collision rule (docs/GATEWAY.md, "Collision rule").

Exposed tool and prompt names are the server's own, or `<prefix>_<name>` when the profile gives
the server a prefix. Resource URIs are never rewritten (a URI is an address the server itself
resolves). Two enabled servers that would expose the same tool or prompt name collide; two that
offer the same resource URI collide unless one of them has a prefix, which accepts the overlap:
the endpoint then serves that URI from the server listed first (so two instances of one server
can share a profile). A server's names are known from its live lists when it runs; a stopped
server with an explicit tool allow-list is checked with those names, one without (all tools)
cannot be checked until it runs, and the endpoint then keeps the first server's entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from mcp_console.gateway import schemas
from mcp_console.gateway.inventory import LiveLists

Kind = Literal["tool", "prompt", "resource"]


def exposed_name(prefix: str | None, name: str) -> str:
    return f"{prefix}_{name}" if prefix else name


def allowed_tools(server: schemas.ProfileServer, live: LiveLists | None) -> list[str] | None:
    """The server's tools the profile lets through: the allow-list (in the live list's order
    when it is known), all live tools, or None when neither says (stopped, no allow-list)."""
    if live is None:
        return list(server.tools) if server.tools is not None else None
    if server.tools is None:
        return list(live.tools)
    chosen = set(server.tools)
    return [name for name in live.tools if name in chosen]


@dataclass(frozen=True)
class Collision:
    kind: Kind
    name: str
    servers: tuple[str, str]  # the earlier server's label, then the later one's
    index: int  # position of the later server in the profile

    def message(self) -> str:
        first, second = self.servers
        return f"{first} and {second} would both expose the {self.kind} {self.name}"


def _names(server: schemas.ProfileServer, live: LiveLists | None) -> Iterable[tuple[Kind, str]]:
    for tool in allowed_tools(server, live) or []:
        yield "tool", exposed_name(server.prefix, tool)
    if live is not None:
        for prompt in live.prompts:
            yield "prompt", exposed_name(server.prefix, prompt)
        for uri in live.resources:
            yield "resource", uri


def collisions(
    body: schemas.ProfileBody,
    live: Mapping[str, LiveLists | None],
    labels: Mapping[str, str],
) -> list[Collision]:
    """Every collision between enabled servers, the later server named second. `live` maps a
    server id to its live lists (None: not running); `labels` names servers for messages."""
    seen: dict[tuple[Kind, str], schemas.ProfileServer] = {}
    found: list[Collision] = []
    for index, server in enumerate(body.servers):
        if not server.enabled:
            continue
        for kind, name in dict.fromkeys(_names(server, live.get(server.server_id))):
            earlier = seen.setdefault((kind, name), server)
            if earlier is server or (kind == "resource" and (earlier.prefix or server.prefix)):
                continue
            pair = (_label(labels, earlier), _label(labels, server))
            found.append(Collision(kind, name, pair, index))
    return found


def _label(labels: Mapping[str, str], server: schemas.ProfileServer) -> str:
    return labels.get(server.server_id, server.server_id)
