"""List-change events: published on the owner's Redis channel, so every replica's open GET
streams and list caches hear of them.

Sources: a container of the owner was created, started, stopped, restarted or deleted (the
container service calls `container_changed`, through a protocol of its own), a profile was
saved, restored or deleted (`profile_changed`, the profiles' `ProfileChanges`), and a running
server announced a list change (`server_lists_changed`, from the gateway's upstream sessions).
A revoked token (`token_revoked`) changes no list: it only tells every replica to forget the
token's cached verification, and streams skip it.
A container or server event goes to every stream of the owner (a container can be in several
profiles; a client that lists again and sees no change loses nothing); a profile event only to
that profile's streams.

The same channel carries resource updates (`resource_updated`, reason `resource`): a server
sent `notifications/resources/updated` for a URI a client subscribed to; each GET stream relays
it only when its own session holds that subscription, and list caches ignore it.
"""

from __future__ import annotations

import logging

from mcp_console.core.errors import AppError
from mcp_console.gateway.aggregate import RESOURCE_EVENT
from mcp_console.gateway.redis_state import EventHub

logger = logging.getLogger("mcp_console.gateway")


class GatewayEvents:
    def __init__(self, hub: EventHub) -> None:
        self.hub = hub

    async def profile_changed(self, owner: str, name: str) -> None:
        await self._publish(owner, {"reason": "profile", "profile": name})

    async def container_changed(self, owner: str, container_id: str, action: str) -> None:
        event = {"reason": "container", "container_id": container_id, "action": action}
        await self._publish(owner, event)

    async def server_lists_changed(self, owner: str, container_id: str) -> None:
        """A running server sent `notifications/*/list_changed` (its tools came or went)."""
        await self._publish(owner, {"reason": "upstream", "container_id": container_id})

    async def resource_updated(self, owner: str, uri: str) -> None:
        """A running server sent `notifications/resources/updated` for a subscribed URI."""
        await self._publish(owner, {"reason": RESOURCE_EVENT, "uri": uri})

    async def token_revoked(self, owner: str, token_id: str) -> None:
        await self._publish(owner, {"reason": "token", "token_id": token_id})

    async def _publish(self, owner: str, event: dict[str, str]) -> None:
        """Best effort: the change itself already happened; a lost event only delays a client's
        next listing, so a Redis outage is logged, not raised."""
        try:
            await self.hub.publish_owner(owner, event)
        except AppError as exc:
            logger.warning("gateway list change not published", extra={"error_code": exc.code})
