"""The one secrets policy: may this value be stored as configuration?

Every writer of configuration (container create, install and its dry run, config edits, catalog
sources, secret pre-fetch jobs, and every later one) calls `check_config` before anything is
stored, sent to Docker or enqueued. A value is refused when:

- its field is declared secret (by the catalog) and it is not a `{{ bw:... }}` reference;
- its text, outside references, has a known secret shape (`core/secret_patterns.py`, the same
  list the log redactor masks), including a URL with a password in its userinfo;
- its field's name says secret (secret, token, password, passwd, key, credential, auth) and the
  value is long and random-looking (see `looks_random`).

The error is 422 `SECRET_IN_PLAIN_TEXT` listing every refused field path with the rule that
matched; it never contains the value. The decision depends on the value alone, never on what
another user has resolved, so it cannot be used as an oracle.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mcp_console.core.errors import AppError
from mcp_console.core.secret_patterns import first_match, mask_shapes
from mcp_console.secrets.refs import parse_value

SECRET_NAME_WORDS = ("secret", "token", "password", "passwd", "key", "credential", "auth")
NOT_SECRET_SUFFIXES = frozenset(
    [
        "id",
        "ids",
        "name",
        "names",
        "url",
        "uri",
        "path",
        "file",
        "dir",
        "host",
        "port",
        "type",
        "header",
        "mode",
        "endpoint",
        "region",
        "user",
        "username",
        "length",
        "size",
        "count",
        "ttl",
        "timeout",
        "expiry",
        "version",
    ]
)
RANDOM_MIN_LENGTH = 16
RANDOM_MIN_BITS = 3.0  # Shannon entropy per character
RANDOM_MIN_SWITCH_RATE = 0.15

DECLARED_SECRET = "declared-secret"  # noqa: S105 (a rule name)
SECRET_NAME_RANDOM_VALUE = "random-value-in-secret-named-field"  # noqa: S105
REF_HINT = "Store the value in Bitwarden and write a {{ bw:<item-id>:<field> }} reference instead."


@dataclass(frozen=True)
class Violation:
    """A refused field: its path and the rule that matched (never the value)."""

    field: str
    rule: str


def name_says_secret(name: str) -> bool:
    """`GITHUB_TOKEN`, `apiKey`, `db-password`: yes; `TOKEN_ID`, `AUTH_URL`, `KEY_FILE`: no
    (the last word names something that is not itself the secret)."""
    lowered = name.lower()
    last_word = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower())[-1]
    return last_word not in NOT_SECRET_SUFFIXES and any(w in lowered for w in SECRET_NAME_WORDS)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _kind(char: str) -> str:
    return "d" if char.isdigit() else "l" if char.islower() else "u" if char.isupper() else ""


def _switch_rate(text: str) -> float:
    """Adjacent letter/digit and lower-to-upper changes per character: random text changes
    kind about every other character, words (even camelCase ones) rarely do."""
    switches = sum(
        1
        for a, b in itertools.pairwise(text)
        if _kind(a) + _kind(b) in ("ld", "dl", "ud", "du", "lu")
    )
    return switches / len(text)


def looks_random(text: str) -> bool:
    """A long single word whose characters change kind often and whose Shannon entropy is
    high, such as a key or a password.

    URLs and file paths are not random-looking (their parts are checked on their own), nor is
    anything with white space, a short value (`KEY_ID=abc`, `MAX_TOKENS=4096`), or words
    joined by separators or camelCase (`oauth_client_credentials`, `v1.2.3-beta`).
    """
    if len(text) < RANDOM_MIN_LENGTH or any(c.isspace() for c in text):
        return False
    if "://" in text or text.startswith(("/", "./", "../", "~/")):
        return False
    return _switch_rate(text) >= RANDOM_MIN_SWITCH_RATE and _entropy(text) >= RANDOM_MIN_BITS


def _literal_text(path: str, value: str) -> tuple[str, bool]:
    """The value with its well-formed references removed, and whether it had any.

    A malformed reference raises `SECRET_REFERENCE_INVALID` naming the path.
    """
    spans = parse_value(path, value)
    if not spans:
        return value, False
    parts, cursor = [], 0
    for span in spans:
        parts.append(value[cursor : span.start])
        cursor = span.end
    parts.append(value[cursor:])
    return " ".join(parts), True


def _query_violation(literal: str) -> str | None:
    """A random-looking value under a secret-named query parameter of a URL."""
    if "://" not in literal or "?" not in literal:
        return None
    try:
        query = urlsplit(literal.strip()).query
    except ValueError:
        return None
    for name, item in parse_qsl(query):
        if name_says_secret(name) and looks_random(item):
            return SECRET_NAME_RANDOM_VALUE
    return None


def value_violation(path: str, name: str, value: str, declared_secret: bool = False) -> str | None:
    """The rule a value breaks, or None when it may be stored as configuration."""
    literal, has_reference = _literal_text(path, value)
    if declared_secret and not has_reference and value.strip():
        return DECLARED_SECRET
    rule = first_match(literal) or _query_violation(literal)
    if rule is None and name_says_secret(name) and looks_random(literal.strip()):
        rule = SECRET_NAME_RANDOM_VALUE
    return rule


def _walk(value: Any, path: str, name: str) -> Iterator[tuple[str, str | None, str]]:
    """(path, field name, text) for every string of a JSON-like document; keys come with
    the name None, as they are checked for secret shapes only."""
    if isinstance(value, str):
        yield path, name, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, None, str(key)
            yield from _walk(item, child, str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}", name)


def find_violations(
    document: Any, path: str = "", secret_paths: Collection[str] = ()
) -> list[Violation]:
    """Every refused field of `document`; `secret_paths` are the paths declared secret."""
    found: dict[str, Violation] = {}
    for field, name, text in _walk(document, path, path.rsplit(".", 1)[-1]):
        if name is None:
            rule = first_match(text)
        else:
            rule = value_violation(field, name, text, field in secret_paths)
        if rule is not None and field not in found:
            found[field] = Violation(mask_shapes(field), rule)  # a key may be the secret
    return list(found.values())


def secret_in_plain_text(violations: list[Violation], hint: str = REF_HINT) -> AppError:
    fields = ", ".join(v.field for v in violations)
    return AppError(
        "SECRET_IN_PLAIN_TEXT",
        f"A secret value cannot be stored as configuration: {fields}.",
        status=422,
        hint=hint,
        details={
            "fields": [
                {"field": v.field, "rule": v.rule, "message": f"looks like a secret ({v.rule})"}
                for v in violations
            ]
        },
    )


def check_config(
    document: Any, path: str = "", secret_paths: Collection[str] = (), hint: str = REF_HINT
) -> None:
    """Raise 422 `SECRET_IN_PLAIN_TEXT` naming every refused field; return when all may stay.
    `hint` says how to fix it where a reference is no answer (a catalog source's URL)."""
    violations = find_violations(document, path, secret_paths)
    if violations:
        raise secret_in_plain_text(violations, hint)
