"""How the in-memory search index grows with the catalog, for ASCII text and for text in other
scripts (CJK pairs, accents folded): build time and query latency at 1,000, 5,000 and 20,000
items, both kinds measured side by side in one run."""

from __future__ import annotations

import statistics
import time

from bench.support import markdown_table
from mcp_console.catalog.index import SearchIndex
from mcp_console.catalog.schemas import CatalogItem, ToolSummary

SIZES = (1_000, 5_000, 20_000)
ROUNDS = 30
ASCII_WORDS = ["github", "postgres", "search", "docs", "slack", "metrics", "cloud", "files"]
OTHER_WORDS = [
    "サーバー", "データベース", "検索", "文書", "Zürich", "café", "überwachung", "日本語",
]  # fmt: skip
QUERIES = {"ascii": ["git", "postgres docs", "zzz"], "other": ["サーバー", "検索", "zurich"]}


def _items(count: int, words: list[str]) -> list[CatalogItem]:
    items = []
    for n in range(count):
        picked = [words[(n * k) % len(words)] for k in (1, 3, 5)]
        items.append(
            CatalogItem(
                id=f"bench:server-{n}",
                name=f"server-{n}",
                title=f"{picked[0]} {n}",
                description=f"{picked[1]} {picked[2]} {picked[0]}",
                source="bench",
                tags=picked[1:],
                tools=[ToolSummary(name=f"tool_{k}") for k in range(2)],
            )
        )
    return items


def _build_ms(items: list[CatalogItem]) -> tuple[float, SearchIndex]:
    started = time.perf_counter()
    index = SearchIndex(items)
    return (time.perf_counter() - started) * 1000, index


def _query_p50_ms(index: SearchIndex, queries: list[str]) -> float:
    timings = []
    for _ in range(ROUNDS):
        for query in queries:
            started = time.perf_counter()
            index.match(query)
            timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 3)


def run() -> str:
    rows = []
    for size in SIZES:
        ascii_ms, ascii_index = _build_ms(_items(size, ASCII_WORDS))
        other_ms, other_index = _build_ms(_items(size, OTHER_WORDS))
        rows.append(
            [
                size,
                round(ascii_ms, 1),
                round(other_ms, 1),
                round(other_ms / ascii_ms, 2),
                _query_p50_ms(ascii_index, QUERIES["ascii"]),
                _query_p50_ms(other_index, QUERIES["other"]),
            ]
        )
    return (
        "## Search index (`bench/bench_search_index.py`)\n\n"
        "Building the per-process index (`catalog/index.py`, tokens from `catalog/tokens.py`) "
        "for synthetic catalogs whose text is ASCII or in other scripts (Japanese, accented "
        f"Latin), and the median of {ROUNDS} rounds of queries "
        f"({', '.join(QUERIES['ascii'])} / {', '.join(QUERIES['other'])}), same run:\n\n"
        + markdown_table(
            [
                "items",
                "build ASCII ms",
                "build other scripts ms",
                "ratio",
                "query ASCII p50 ms",
                "query other p50 ms",
            ],
            rows,
        )
    )
