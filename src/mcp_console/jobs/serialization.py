"""JSON job serialisation: ARQ's default is pickle, which must never be used for job data."""

from __future__ import annotations

import json
from typing import Any


def serialize(value: dict[str, Any]) -> bytes:
    return json.dumps(value, default=str, separators=(",", ":")).encode("utf-8")


def deserialize(raw: bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(raw)
    return decoded
