"""Parser for `{{ bw:<item-id>:<field> }}` references inside environment values.

Anything that starts like a reference (`{{ bw:`, any case, any spacing) must be a complete one,
otherwise the value is rejected with the key and position: a typo must never be passed on to a
container as a literal string. Errors name keys, positions and references, never values.
The grammar itself is defined once, in `core.references`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mcp_console.core.errors import AppError
from mcp_console.core.references import REFERENCE, REFERENCE_START


@dataclass(frozen=True)
class SecretRef:
    item_id: str
    field: str

    def __str__(self) -> str:
        return f"{{{{ bw:{self.item_id}:{self.field} }}}}"


@dataclass(frozen=True)
class RefSpan:
    start: int
    end: int
    ref: SecretRef


@dataclass(frozen=True)
class ParsedEnv:
    """The original mapping plus where each reference sits in each value."""

    env: dict[str, str]
    spans: dict[str, list[RefSpan]]

    def refs(self) -> list[SecretRef]:
        """Distinct references in first-seen order."""
        seen: dict[SecretRef, None] = {}
        for spans in self.spans.values():
            seen.update((span.ref, None) for span in spans)
        return list(seen)

    def keys_using(self, ref: SecretRef) -> list[str]:
        return [key for key, spans in self.spans.items() if any(s.ref == ref for s in spans)]

    def substitute(self, values: Mapping[SecretRef, str]) -> dict[str, str]:
        resolved = dict(self.env)
        for key, spans in self.spans.items():
            text, out, cursor = self.env[key], [], 0
            for span in spans:
                out += [text[cursor : span.start], values[span.ref]]
                cursor = span.end
            resolved[key] = "".join([*out, text[cursor:]])
        return resolved


def malformed(key: str, position: int) -> AppError:
    return AppError(
        "SECRET_REFERENCE_INVALID",
        f"Malformed Bitwarden reference in {key} at position {position}.",
        status=422,
        hint="Write references as {{ bw:<item-id>:<field> }}; field is password, username, "
        "notes, totp, uri or a custom field's name.",
        details={"key": key, "position": position},
    )


def parse_value(key: str, value: str) -> list[RefSpan]:
    spans: list[RefSpan] = []
    cursor = 0
    for start in REFERENCE_START.finditer(value):
        if start.start() < cursor:
            continue
        match = REFERENCE.match(value, start.start())
        if match is None:
            raise malformed(key, start.start())
        spans.append(RefSpan(match.start(), match.end(), SecretRef(match["item"], match["field"])))
        cursor = match.end()
    return spans


def parse_env(env: Mapping[str, str]) -> ParsedEnv:
    spans = {key: found for key, value in env.items() if (found := parse_value(key, value))}
    return ParsedEnv(dict(env), spans)


def has_references(env: Mapping[str, str]) -> bool:
    return any(REFERENCE_START.search(value) for value in env.values())
