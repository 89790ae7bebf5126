"""Typed FastAPI dependencies over the objects the composition root built once per process.

`mcp_console/app.py` builds every client and service at start-up and registers each under its
own type in a `ServiceRegistry` (kept on `app.state.registry`). A domain declares what a route
needs as `Annotated[SomeService, Depends(provided(SomeService))]`, so domains never import the
composition root and `core` never imports a domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings

T = TypeVar("T")


class ServiceRegistry:
    """The process's objects by type; a type registered twice is a wiring bug (ValueError)."""

    def __init__(self) -> None:
        self._objects: dict[type[Any], object] = {}

    def provide(self, kind: type[T], instance: T) -> None:
        if kind in self._objects:
            raise ValueError(f"{kind.__name__} is already provided")
        self._objects[kind] = instance

    def get(self, kind: type[T]) -> T:
        """KeyError names the missing type: the composition root never built it."""
        try:
            return cast(T, self._objects[kind])
        except KeyError:
            raise KeyError(f"nothing provides {kind.__name__}") from None


def registry_of(connection: HTTPConnection) -> ServiceRegistry:
    """The registry of the app serving this request or WebSocket."""
    registry: ServiceRegistry = connection.app.state.registry
    return registry


def provided(kind: type[T]) -> Callable[[HTTPConnection], T]:
    """A dependency returning the registered `kind` (HTTP routes and WebSockets alike)."""

    def dependency(connection: HTTPConnection) -> T:
        return registry_of(connection).get(kind)

    dependency.__name__ = f"provided_{kind.__name__}"
    return dependency


SettingsDep = Annotated[Settings, Depends(provided(Settings))]
RedisDep = Annotated[RedisService, Depends(provided(RedisService))]
