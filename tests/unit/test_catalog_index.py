"""The search index against a brute-force scan of the same items."""

from __future__ import annotations

import random

import pytest

from mcp_console.catalog.index import IndexStore, SearchIndex, facets, tokenize
from mcp_console.catalog.schemas import CatalogItem, ToolSummary

WORDS = ["github", "grafana", "postgres", "search", "browser", "metrics", "docs", "slack", "git"]
CATEGORIES = ["devops", "database", "monitoring", None]


def synthetic(count: int, seed: int = 7) -> list[CatalogItem]:
    rng = random.Random(seed)
    items = []
    for n in range(count):
        words = rng.sample(WORDS, 3)
        items.append(
            CatalogItem(
                id=f"t:item-{n}",
                name=f"item-{n}",
                title=f"{words[0].title()} {n}",
                description=" ".join(words[1:]),
                source="t",
                category=rng.choice(CATEGORIES),
                tags=rng.sample(["a", "b", "c", "d"], 2),
                transport=rng.choice(["stdio", "sse", "streamable-http"]),
                installable=rng.random() < 0.8,
                tools=[ToolSummary(name=f"{rng.choice(WORDS)}_tool")],
            )
        )
    return items


def brute(items: list[CatalogItem], q: str, **filters: object) -> set[str]:
    found = set()
    for item in items:
        tokens = set()
        for text in (item.name, item.title, item.description, item.category or "", *item.tags):
            tokens.update(tokenize(text))
        for tool in item.tools:
            tokens.update(tokenize(tool.name))
        if not all(any(t.startswith(qt) for t in tokens) for qt in tokenize(q)):
            continue
        if any(getattr(item, key) != value for key, value in filters.items() if key != "tag"):
            continue
        if "tag" in filters and filters["tag"] not in item.tags:
            continue
        found.add(item.id)
    return found


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("", {}),
        ("git", {}),
        ("github", {}),
        ("gra met", {}),
        ("post", {"category": "database"}),
        ("", {"tag": "a", "transport": "sse"}),
        ("docs", {"installable": False}),
        ("nothing-matches-this", {}),
        ("slack_tool", {}),
    ],
)
def test_matches_equal_a_brute_force_scan(q: str, filters: dict[str, object]) -> None:
    items = synthetic(600)
    index = SearchIndex(items)
    got = {i.id for i in index.match(q, **filters)}  # type: ignore[arg-type]
    assert got == brute(items, q, **filters)


def test_name_and_title_hits_rank_first_and_facets_count_matches() -> None:
    items = [
        CatalogItem(id="s:a", name="a", title="Alpha", description="talks to github", source="s",
                    category="x", tags=["t1"]),
        CatalogItem(id="s:b", name="github", title="GitHub", source="s", category="y",
                    tags=["t1", "t2"]),
    ]  # fmt: skip
    matched = SearchIndex(items).match("github")
    assert [i.id for i in matched] == ["s:b", "s:a"]
    assert facets(matched) == ({"x": 1, "y": 1}, {"t1": 2, "t2": 1})


def test_index_store_keeps_recent_versions_only() -> None:
    store = IndexStore(kept=2)
    store.put("docker", "v1", [])
    store.put("docker", "v2", [])
    store.put("official", "v1", [])
    assert store.get("docker", "v1") is None
    assert store.get("docker", "v2") is not None
    assert store.builds == 3
