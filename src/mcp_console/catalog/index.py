"""In-memory search index, built once per (source, catalog version) and reused by requests.

Tokens (`tokens.py`: any script, case and accents folded, Han/kana as character pairs, emoji)
of name, title, description, tags, category and tool names map to item positions; a query token
matches every indexed token it is a prefix of (found by bisection in the sorted token list), and
the query's tokens are AND-ed. A query that has text but no token (`!!!`) matches nothing.
Filters are precomputed position sets.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Iterable

from mcp_console.catalog.schemas import CatalogItem
from mcp_console.catalog.tokens import fold, tokenize

__all__ = ["IndexStore", "SearchIndex", "facets", "tokenize"]

INDEXES_KEPT = 32


def _searchable(item: CatalogItem) -> Iterable[str]:
    yield from (item.name, item.title, item.description, item.category or "")
    yield from item.tags
    yield from (tool.name for tool in item.tools)


class SearchIndex:
    """`partial`: why the source behind these items was read only in part (None: read whole)."""

    def __init__(self, items: list[CatalogItem], partial: str | None = None) -> None:
        self.partial = partial
        self.items = sorted(items, key=lambda item: (item.title.lower(), item.id))
        self.by_id = {item.id: n for n, item in enumerate(self.items)}
        postings: dict[str, set[int]] = {}
        self.categories: dict[str, set[int]] = {}
        self.tags: dict[str, set[int]] = {}
        self.transports: dict[str, set[int]] = {}
        self.installable: set[int] = set()
        for n, item in enumerate(self.items):
            for field in _searchable(item):
                for token in tokenize(field):
                    postings.setdefault(token, set()).add(n)
            if item.category:
                self.categories.setdefault(item.category, set()).add(n)
            for tag in item.tags:
                self.tags.setdefault(tag, set()).add(n)
            self.transports.setdefault(item.transport, set()).add(n)
            if item.installable:
                self.installable.add(n)
        self._postings = postings
        self._tokens = sorted(postings)
        self._all = set(range(len(self.items)))
        self._headings = [f"{fold(item.name)}\n{fold(item.title)}" for item in self.items]

    def _prefix(self, token: str) -> set[int]:
        found: set[int] = set()
        start = bisect_left(self._tokens, token)
        for indexed in self._tokens[start:]:
            if not indexed.startswith(token):
                break
            found |= self._postings[indexed]
        return found

    def match(
        self,
        q: str | None = None,
        *,
        category: str | None = None,
        tag: str | None = None,
        transport: str | None = None,
        installable: bool | None = None,
    ) -> list[CatalogItem]:
        """Matching items, those with the query in their name or title first."""
        needle = fold((q or "").strip())
        tokens = tokenize(needle)
        selected = set(self._all) if tokens or not needle else set()
        for token in tokens:
            selected &= self._prefix(token)
        if category is not None:
            selected &= self.categories.get(category, set())
        if tag is not None:
            selected &= self.tags.get(tag, set())
        if transport is not None:
            selected &= self.transports.get(transport, set())
        if installable is not None:
            selected = selected & self.installable if installable else selected - self.installable

        def rank(n: int) -> tuple[int, int]:
            direct = bool(needle) and needle in self._headings[n]
            return (0 if direct else 1, n)

        return [self.items[n] for n in sorted(selected, key=rank)]


def facets(items: Iterable[CatalogItem]) -> tuple[dict[str, int], dict[str, int]]:
    categories: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for item in items:
        if item.category:
            categories[item.category] += 1
        tags.update(item.tags)
    return dict(categories.most_common()), dict(tags.most_common())


class IndexStore:
    """A few recent indexes per process, keyed by (source, version)."""

    def __init__(self, kept: int = INDEXES_KEPT) -> None:
        self._kept = kept
        self._indexes: OrderedDict[tuple[str, str], SearchIndex] = OrderedDict()
        self.builds = 0

    def get(self, key: str, version: str) -> SearchIndex | None:
        index = self._indexes.get((key, version))
        if index is not None:
            self._indexes.move_to_end((key, version))
        return index

    def put(
        self, key: str, version: str, items: list[CatalogItem], partial: str | None = None
    ) -> SearchIndex:
        index = SearchIndex(items, partial)
        self.builds += 1
        self._indexes[(key, version)] = index
        while len(self._indexes) > self._kept:
            self._indexes.popitem(last=False)
        return index

    def clear(self) -> None:
        self._indexes.clear()
