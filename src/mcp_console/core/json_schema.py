"""Validation against JSON schemas nobody vetted: catalog `config_schema`s and the `inputSchema`
of MCP servers' tools.

Left to itself the JSON-schema library fetches any `$ref` it meets (http, `file:`), recurses
without bound and takes as long as the schema makes it. Here:

- `$ref` resolves only inside the document (and the bundled meta-schemas): a schema holding any
  reference that is not an in-document `#...` pointer is refused before validating (a 422
  `SCHEMA_REF_REFUSED` naming the ref, whether or not an answer reaches it), and the registry's
  retrieve function refuses every URI anyway, so nothing is fetched or read.
- Schema and instance are measured before validating, iteratively (depth and node count), so
  20,000 nested brackets are a 422 `SCHEMA_TOO_COMPLEX`, not a RecursionError.
- Every keyword evaluation spends from a step budget and checks a deadline, so a
  self-referencing `$ref` or a combinatorial schema stops with the same 422 instead of running
  on. Callers run validation in a worker thread (`asyncio.to_thread`), so even the budget is
  never spent on the event loop.
- A `pattern` runs inside Python's `re`, which no budget can interrupt, so a pattern that can
  backtrack exponentially is skipped (`backtracks`); the rest of the schema still applies.
"""

from __future__ import annotations

import re
import re._constants as sre  # type: ignore[import-not-found]  # a pattern's parsed form,
import re._parser as sre_parser  # type: ignore[import-not-found]  # judged before it runs
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend, validator_for
from jsonschema_specifications import REGISTRY as SPECIFICATIONS  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable, Unretrievable

from mcp_console.core.errors import AppError


@dataclass(frozen=True)
class SchemaLimits:
    """Bounds of one validation; the defaults admit every real catalog and tool schema."""

    max_depth: int = 64
    max_nodes: int = 50_000
    max_steps: int = 50_000
    seconds: float = 1.0


DEFAULT_LIMITS = SchemaLimits()
MAX_REF_SHOWN = 200


class SchemaRefRefusedError(AppError):
    def __init__(self, ref: str, why: str = "is not inside the schema") -> None:
        super().__init__(
            "SCHEMA_REF_REFUSED",
            f"The schema refers to {ref[:MAX_REF_SHOWN]!r}, which {why}.",
            status=422,
            hint="Schemas may only use `$ref` within the same document (`#/...`); remote and "
            "file references are never fetched.",
            details={"ref": ref[:MAX_REF_SHOWN]},
        )


class SchemaTooComplexError(AppError):
    def __init__(self, what: str, limit: str) -> None:
        super().__init__(
            "SCHEMA_TOO_COMPLEX",
            f"The {what} is too large or too deep to validate ({limit}).",
            status=422,
            hint="Nesting, size and validation work are bounded for untrusted schemas; "
            "simplify the schema or the value.",
            details={"part": what, "limit": limit},
        )


class _OverBudgetError(Exception):
    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit


class _Budget:
    """Steps left and a deadline, checked on every keyword (the clock every 256 steps), and how
    deeply keywords nest. The nesting cap (twice the depth limit; about four interpreter frames
    a level) stops a self-referencing schema well before the interpreter's recursion limit,
    whose exact place shifts under a tracer (coverage, a debugger) and can then land inside the
    `$ref` registry's native code, which panics instead of raising RecursionError."""

    def __init__(self, limits: SchemaLimits) -> None:
        self.steps = limits.max_steps
        self.deadline = time.monotonic() + limits.seconds
        self.seconds = limits.seconds
        self.nesting = 0
        self.max_nesting = 2 * limits.max_depth

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > self.max_nesting:
            raise _OverBudgetError("recursion without end")

    def leave(self) -> None:
        self.nesting -= 1

    def spend(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise _OverBudgetError("step budget exhausted")
        if self.steps % 256 == 0 and time.monotonic() > self.deadline:
            raise _OverBudgetError(f"time budget of {self.seconds:g} s exhausted")


_budget: ContextVar[_Budget | None] = ContextVar("json_schema_budget", default=None)
Keyword = Callable[[Any, Any, Any, Any], Iterator[ValidationError] | None]


def _metered(keyword: Keyword) -> Keyword:
    def run(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        budget = _budget.get()
        if budget is not None:
            budget.spend()
        errors = keyword(validator, value, instance, schema)
        if errors is None:
            return
        if budget is None:
            yield from errors
            return
        budget.enter()
        try:
            yield from errors
        finally:
            budget.leave()

    return run


_METERED: dict[type[Validator], type[Validator]] = {}


def _metered_class(base: type[Validator]) -> type[Validator]:
    if base not in _METERED:
        keywords = {name: _metered(fn) for name, fn in base.VALIDATORS.items()}
        for name in ("pattern", "patternProperties"):
            if name in keywords:
                keywords[name] = _without_backtracking_patterns(keywords[name], name)
        _METERED[base] = extend(base, keywords)  # type: ignore[no-untyped-call]
    return _METERED[base]


def _without_backtracking_patterns(keyword: Keyword, name: str) -> Keyword:
    """`pattern` / `patternProperties` with the exponentially backtracking patterns left out."""

    def run(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if name == "pattern" and isinstance(value, str) and backtracks(value):
            return
        if name == "patternProperties" and isinstance(value, dict):
            value = {pattern: sub for pattern, sub in value.items() if not backtracks(pattern)}
        errors = keyword(validator, value, instance, schema)
        if errors is not None:
            yield from errors

    return run


_REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
_BACKREFERENCES = frozenset({sre.GROUPREF, sre.GROUPREF_EXISTS})
MAX_BOUNDED_REPEAT = 16


@lru_cache(maxsize=1024)
def backtracks(pattern: str) -> bool:
    """True when a pattern may take exponential time in Python's backtracking `re`: an unbounded
    repetition around another repetition or an alternation (`(a+)+`, `(a|aa)*`), or a
    backreference. A pattern that does not parse counts as such too."""
    try:
        return _risky(sre_parser.parse(pattern), inside_repeat=False)
    except (re.error, RecursionError, OverflowError, ValueError):
        return True


def _parts(op: Any, arg: Any) -> list[Any]:
    """The sub-sequences of one parsed node."""
    if op in _REPEATS:
        return [arg[2]]
    if op == sre.BRANCH:
        return list(arg[1])
    if op == sre.SUBPATTERN:
        return [arg[-1]]
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [arg[1]]
    return []


def _risky(items: Any, inside_repeat: bool) -> bool:
    for op, arg in items:
        if op in _BACKREFERENCES:
            return True
        repeats = op in _REPEATS and (arg[1] == sre.MAXREPEAT or arg[1] > MAX_BOUNDED_REPEAT)
        if inside_repeat and (repeats or op == sre.BRANCH):
            return True
        if any(_risky(part, inside_repeat or repeats) for part in _parts(op, arg)):
            return True
    return False


def _refuse(uri: str) -> Resource[Any]:
    raise LookupError(f"{uri} is outside the document")


# Every lookup outside the document is refused (jsonschema adds its bundled meta-schemas).
NO_RETRIEVAL: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]


def measure(value: Any, what: str, limits: SchemaLimits = DEFAULT_LIMITS) -> None:
    """Depth and node count, walked with an explicit stack (a nested document cannot recurse)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise SchemaTooComplexError(what, f"more than {limits.max_nodes} values")
        if depth > limits.max_depth:
            raise SchemaTooComplexError(what, f"nested deeper than {limits.max_depth}")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


def validator_class(schema: Any) -> type[Validator]:
    """The draft the schema names (`$schema`), 2020-12 by default, with metered keywords."""
    base: type[Validator] = validator_for(schema, default=Draft202012Validator)
    return _metered_class(base)


REF_KEYWORDS = ("$ref", "$dynamicRef")


def _local(ref: str) -> bool:
    """An in-document pointer (`#...`) or one of the bundled meta-schemas (never fetched)."""
    return ref.startswith("#") or ref.partition("#")[0] in SPECIFICATIONS


def outside_refs(schema: Any) -> Iterator[str]:
    """Every `$ref`/`$dynamicRef` that is neither an in-document pointer nor a bundled
    meta-schema, walked with an explicit stack: remote, relative and `file:` references,
    whether or not any answer reaches them."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for keyword in REF_KEYWORDS:
                ref = node.get(keyword)
                if isinstance(ref, str) and not _local(ref):
                    yield ref
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def check_refs(schema: Any, limits: SchemaLimits = DEFAULT_LIMITS) -> None:
    """422 `SCHEMA_REF_REFUSED` naming the first reference outside the document: a schema is
    refused up front, not only when an answer happens to reach the reference."""
    measure(schema, "schema", limits)
    ref = next(outside_refs(schema), None)
    if ref is not None:
        raise SchemaRefRefusedError(ref)


def validation_errors(
    schema: dict[str, Any] | bool,
    instance: Any,
    limits: SchemaLimits = DEFAULT_LIMITS,
    what: str = "value",
) -> list[ValidationError]:
    """Every error of `instance` against an untrusted `schema`, within `limits`.

    Raises 422 `SCHEMA_REF_REFUSED` (a `$ref` outside the document, found before validating)
    or `SCHEMA_TOO_COMPLEX` (size, depth, steps, time or recursion). A schema the library
    cannot use at all raises jsonschema's `SchemaError`, which callers judge (see
    `schema_problem`)."""
    check_refs(schema, limits)
    return _validated(schema, instance, limits, what)


def _validated(
    schema: dict[str, Any] | bool, instance: Any, limits: SchemaLimits, what: str
) -> list[ValidationError]:
    measure(instance, what, limits)
    validator = validator_class(schema)(schema, registry=NO_RETRIEVAL)
    token = _budget.set(_Budget(limits))
    try:
        return list(validator.iter_errors(instance))
    except Unretrievable as exc:
        raise SchemaRefRefusedError(str(exc.ref)) from None
    except Unresolvable as exc:
        ref = str(getattr(exc, "ref", "") or "$ref")
        raise SchemaRefRefusedError(ref, "does not exist in the schema") from None
    except _OverBudgetError as exc:
        raise SchemaTooComplexError("schema", exc.limit) from None
    except RecursionError:
        raise SchemaTooComplexError("schema", "recursion without end") from None
    finally:
        _budget.reset(token)


def schema_problem(schema: Any, limits: SchemaLimits = DEFAULT_LIMITS) -> str | None:
    """Why a schema is unusable (invalid against its draft's meta-schema), or None. The
    meta-schemas are bundled, and this check is measured and metered like any validation."""
    check_refs(schema, limits)
    meta_schema = validator_class(schema).META_SCHEMA  # bundled: its own refs resolve locally
    errors = _validated(meta_schema, schema, limits, what="schema")
    return f"does not satisfy `{errors[0].validator}`" if errors else None
