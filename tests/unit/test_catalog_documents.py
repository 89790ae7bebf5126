"""The bounded catalog reader: aliases, depth, entry count and size, and the time budget."""

from __future__ import annotations

import pytest

from mcp_console.catalog.documents import (
    DocumentLimits,
    DocumentReader,
    DocumentRejectedError,
    DocumentSyntaxError,
)
from mcp_console.catalog.sources.docker import parse_catalog
from tests.support.hostile_servers import alias_bomb, catalog, nested

READER = DocumentReader(DocumentLimits(max_items=10, max_item_bytes=2048, max_depth=8))


def _reason(body: bytes, reader: DocumentReader = READER) -> str:
    with pytest.raises(DocumentRejectedError) as caught:
        parse_catalog("custom-1", body, reader)
    assert (caught.value.code, caught.value.status) == ("CATALOG_SOURCE_REJECTED", 422)
    assert caught.value.hint
    return caught.value.reason


def test_aliases_are_refused_anchors_alone_are_fine() -> None:
    assert _reason(alias_bomb()) == "yaml_alias"
    assert _reason(b"a: &x 1\nb: *x\nregistry: {}\n") == "yaml_alias"
    anchored = b"registry:\n  one: &entry {image: mcp/one}\n"
    assert [item.name for item in parse_catalog("c", anchored, READER).items] == ["one"]


@pytest.mark.parametrize(
    "body",
    [
        f"registry: {nested(20_000)}\n".encode(),
        ('{"registry": ' + nested(20_000) + "}").encode(),
        ('{"registry": ' + nested(9) + "}").encode(),
        b"".join(b"  " * i + b"k:\n" for i in range(3000)),
    ],
)
def test_nesting_past_the_limit_is_refused_without_recursion(body: bytes) -> None:
    assert _reason(body) == "too_deep"


def test_entry_count_and_entry_size_are_bounded() -> None:
    assert len(parse_catalog("c", catalog(10), READER).items) == 10
    assert _reason(catalog(11)) == "too_many_items"
    assert _reason(catalog(1, "x" * 4096)) == "item_too_large"


def test_the_time_budget_stops_the_parse_itself() -> None:
    slow = DocumentReader(DocumentLimits(seconds=1e-9))
    assert _reason(catalog(3000), slow) == "parse_timeout"
    yaml_body = ("registry:\n" + "".join(f"  s{n}: {{image: x}}\n" for n in range(3000))).encode()
    assert _reason(yaml_body, slow) == "parse_timeout"


def test_syntax_errors_stay_value_errors_for_each_source_to_word() -> None:
    for body in (b"{not json", b"a: [unclosed"):
        with pytest.raises(DocumentSyntaxError):
            READER.load(body)
