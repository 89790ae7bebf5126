"""The Docker catalog's template grammar: `{{ path|filter|filter:arg }}` terms in strings.

Pure functions over a config tree (`{server-name: answers}`), as docs/CATALOG.md describes:
dotted paths (whitespace ignored, an unknown path is ""), a string that is exactly one term keeps
the term's type, filters apply left to right. An unknown filter or a malformed term raises
`TemplateError` naming the term, so literal braces never reach a container. Command and volume
lists are evaluated as lists (lists spliced, empty results dropped), env values as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Value = Any  # str | int | float | bool | None | list[Value] | dict[str, Value]

_TERM = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# A negative number is a value, not an option (`--offset -5`), so it may stand alone.
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$")
_WINDOWS = re.compile(r"^([A-Za-z]):[\\/]")
_DOLLAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
MAX_TEMPLATE_LENGTH = 4096


class TemplateError(ValueError):
    """A template that cannot be evaluated; `term` is the offending text, `reason` says why."""

    def __init__(self, term: str, reason: str) -> None:
        super().__init__(f"{term[:200]}: {reason}")
        self.term = term[:200]
        self.reason = reason


def is_template(text: str) -> bool:
    return "{{" in text or "}}" in text


def _empty(value: Value) -> bool:
    return value is None or value == "" or value == []


def as_text(value: Value) -> str:
    """A scalar as the container sees it: booleans lowercase, whole floats without `.0`, a
    list joined with commas (the usual env convention), missing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(as_text(element) for element in value if not _empty(element))
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def _windows_target(path: str) -> str:
    """`C:\\x\\y` -> `/C/x/y`; any other path unchanged."""
    match = _WINDOWS.match(path)
    if match is None:
        return path
    return f"/{match.group(1)}/" + path[3:].replace("\\", "/")


def _each(value: Value, convert: Callable[[str], str]) -> Value:
    if isinstance(value, list):
        return [convert(as_text(element)) for element in value]
    return convert(as_text(value))


def _volume(value: Value, _arg: str | None) -> Value:
    return _each(value, lambda path: f"{path}:{_windows_target(path)}" if path else "")


def _volume_target(value: Value, _arg: str | None) -> Value:
    return _each(value, _windows_target)


def _into(value: Value, _arg: str | None) -> Value:
    if isinstance(value, list):
        return value
    return [] if _empty(value) else [value]


def _first(value: Value, _arg: str | None) -> Value:
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def _last(value: Value, _arg: str | None) -> Value:
    if isinstance(value, list):
        return value[-1] if value else ""
    return value


def _or(value: Value, arg: str | None) -> Value:
    if not _empty(value):
        return value
    default = (arg or "").strip()
    if default.startswith("[") and default.endswith("]"):
        inner = default[1:-1].strip()
        return [part.strip() for part in inner.split(",")] if inner else []
    return default


def _mount_as(value: Value, arg: str | None) -> Value:
    source = _first(value, None)
    target = (arg or "").strip()
    return f"{as_text(source)}:{target}" if not _empty(source) else ""


Filter = Callable[[Value, str | None], Value]
FILTERS: dict[str, tuple[Filter, bool]] = {
    # name: (function, takes an argument)
    "volume": (_volume, False),
    "volume-target": (_volume_target, False),
    "into": (_into, False),
    "first": (_first, False),
    "last": (_last, False),
    "or": (_or, True),
    "mount_as": (_mount_as, True),
}


def lookup(tree: Mapping[str, Value], path: str) -> Value:
    """The value at a dotted path, None when any segment is missing."""
    node: Value = tree
    for segment in path.split("."):
        if not isinstance(node, Mapping) or segment not in node:
            return None
        node = node[segment]
    return node


def _term_value(term: str, tree: Mapping[str, Value]) -> Value:
    body = term[2:-2].strip()
    if body.lower().replace(" ", "").startswith("bw:"):
        raise TemplateError(term, "a catalog value may not hold a Bitwarden reference")
    path, *filters = (part.strip() for part in body.split("|"))
    if not _PATH.match(path):
        raise TemplateError(term, "malformed term: expected {{ dotted.path|filter... }}")
    value = lookup(tree, path)
    for spec in filters:
        name, colon, arg = spec.partition(":")
        found = FILTERS.get(name.strip())
        if found is None:
            raise TemplateError(term, f"unknown filter `{name.strip()[:40]}`")
        function, takes_arg = found
        if takes_arg != bool(colon):
            expected = "needs an argument (`name:value`)" if takes_arg else "takes no argument"
            raise TemplateError(term, f"filter `{name.strip()}` {expected}")
        value = function(value, arg if colon else None)
    return value


def _terms(template: str) -> list[re.Match[str]]:
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(template, f"longer than {MAX_TEMPLATE_LENGTH} characters")
    matches = list(_TERM.finditer(template))
    rest = _TERM.sub("", template)
    if "{{" in rest or "}}" in rest:
        raise TemplateError(template, "unbalanced `{{` or `}}`")
    return matches


def evaluate(template: str, tree: Mapping[str, Value]) -> Value:
    """A string that is exactly one term keeps the term's type; anything else is text."""
    matches = _terms(template)
    if len(matches) == 1 and matches[0].span() == (0, len(template)):
        return _term_value(template, tree)
    return _substitute(template, matches, tree)


def _substitute(template: str, matches: Sequence[re.Match[str]], tree: Mapping[str, Value]) -> str:
    out, cursor = [], 0
    for match in matches:
        out += [template[cursor : match.start()], as_text(_term_value(match.group(0), tree))]
        cursor = match.end()
    return "".join([*out, template[cursor:]])


def evaluate_text(template: str, tree: Mapping[str, Value]) -> str:
    """An env value: always text."""
    return as_text(evaluate(template, tree))


class FlagValueError(TemplateError):
    """A term alone in an argument gave a value starting with `-`. `path` is the term's dotted
    path and `index` the element of a list value: an answer there is the user's to fix."""

    def __init__(self, template: str, path: str, index: int | None) -> None:
        super().__init__(template, "evaluates to a value starting with `-` (read as a flag)")
        self.path = path
        self.index = index


def _term_path(template: str) -> str:
    return template.strip()[2:-2].split("|")[0].strip()


def _evaluated(template: str, tree: Mapping[str, Value]) -> tuple[list[str], bool]:
    """One list entry evaluated: its non-empty texts and whether it gave a list. A value that
    one term produced alone is refused when it starts with `-`: it would be read as an option
    instead of the value the catalog meant."""
    value = evaluate(template, tree)
    many = isinstance(value, list)
    texts = [as_text(v) for v in (value if many else [value])]
    if _TERM.fullmatch(template) is not None:
        for index, text in enumerate(texts):
            if text.startswith("-") and not _NEGATIVE_NUMBER.fullmatch(text):
                raise FlagValueError(template, _term_path(template), index if many else None)
    return [t for t in texts if t != ""], many


def _elements(template: str, tree: Mapping[str, Value]) -> list[str]:
    return _evaluated(template, tree)[0]


def evaluate_list(templates: Sequence[str], tree: Mapping[str, Value]) -> list[str]:
    """`volumes` (and a flat `command`): `{{paths|volume|into}}` expands to one entry per path."""
    return [element for template in templates for element in _elements(template, tree)]


def _group(group: Sequence[str], tree: Mapping[str, Value]) -> list[str]:
    """A named argument and its value: dropped whole when a template in it is empty, repeated
    per element when one template gives a list (at most one may)."""
    evaluated: list[list[str] | str] = []
    for template in group:
        if not is_template(template):
            evaluated.append(template)
            continue
        elements, many = _evaluated(template, tree)
        if not elements:
            return []
        evaluated.append(elements if many else elements[0])
    lists = [entry for entry in evaluated if isinstance(entry, list)]
    if len(lists) > 1:
        raise TemplateError(" ".join(group), "a group may repeat over one list only")
    rounds = lists[0] if lists else [""]
    return [
        element if isinstance(entry, list) else entry for element in rounds for entry in evaluated
    ]


def evaluate_command(
    command: Sequence[str | Sequence[str]], tree: Mapping[str, Value]
) -> list[str]:
    """`run.command` with groups (nested lists) as `_group` says."""
    out: list[str] = []
    for entry in command:
        if isinstance(entry, str):
            out += _elements(entry, tree)
        else:
            out += _group(entry, tree)
    return out


def expand_dollars(text: str, variables: Mapping[str, str]) -> tuple[str, list[str]]:
    """`$NAME` / `${NAME}` replaced from `variables`; returns the text and the names it used.
    A name that is not set raises: a literal `$NAME` must not reach a container silently."""
    used: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise TemplateError(match.group(0), f"refers to ${name}, which is not set")
        used.append(name)
        return variables[name]

    return _DOLLAR.sub(replace, text), used


def dollar_names(text: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _DOLLAR.finditer(text)]
