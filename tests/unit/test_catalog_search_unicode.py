# ruff: noqa: RUF001  (look-alike letters of other scripts are the point of these tests)
"""Search in any script: each query finds exactly its item among a catalog of several, a query
of punctuation finds nothing, and an empty query still browses everything."""

from __future__ import annotations

import pytest

from mcp_console.catalog.index import SearchIndex
from mcp_console.catalog.schemas import CatalogItem, ToolSummary
from mcp_console.catalog.tokens import fold, tokenize


def _item(name: str, title: str, description: str = "", **extra: object) -> CatalogItem:
    return CatalogItem(
        id=f"u:{name}", name=name, title=title, description=description, source="u", **extra
    )


CATALOG = [
    _item("weather-zh", "Zürich Wetter", "Wettervorhersage für die Schweiz"),
    _item("jp-server", "サーバー管理", "MCPサーバーを管理するツール"),
    _item("cn-db", "数据库助手", "查询数据库"),
    _item("rocket", "Rocket launcher", "Launches things 🚀 fast"),
    _item("ru-notes", "Заметки", "Личные заметки и списки"),
    _item("hindi", "हिंदी खोज", "समाचार खोज सर्वर"),
    _item("korean", "한국어 검색", "뉴스 검색 서버"),
    _item("cafe", "Café finder", "Finds a naïve café near you", tags=["Ünïcode"]),
    _item("plain", "Plain server", "Talks to github", tools=[ToolSummary(name="search_repos")]),
    _item("fullwidth", "ＦＵＬＬ Width", "Ｔｏｏｌｓ"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zurich", "weather-zh"),
        ("zürich", "weather-zh"),
        ("ZÜRICH", "weather-zh"),
        ("Zur", "weather-zh"),
        ("für", "weather-zh"),
        ("サーバー", "jp-server"),
        ("管理", "jp-server"),
        ("ｻｰﾊﾞｰ", "jp-server"),  # half-width katakana
        ("ツール", "jp-server"),
        ("数据库", "cn-db"),
        ("查询", "cn-db"),
        ("🚀", "rocket"),
        ("заметки", "ru-notes"),
        ("ЗАМЕТ", "ru-notes"),
        ("खोज", "hindi"),
        ("검색", "korean"),
        ("naive cafe", "cafe"),
        ("unicode", "cafe"),
        ("ünï", "cafe"),
        ("full", "fullwidth"),
        ("search", "plain"),
    ],
)
def test_a_query_in_any_script_finds_exactly_its_item(query: str, expected: str) -> None:
    assert [item.name for item in SearchIndex(CATALOG).match(query)] == [expected]


@pytest.mark.parametrize("query", ["!!!", "---", "?", "。、", "...", "_", "+-*/", "$€"])
def test_a_query_without_any_token_finds_nothing(query: str) -> None:
    assert tokenize(query) == []
    assert SearchIndex(CATALOG).match(query) == []


@pytest.mark.parametrize("query", [None, "", "   "])
def test_an_empty_query_browses_everything(query: str | None) -> None:
    assert len(SearchIndex(CATALOG).match(query)) == len(CATALOG)


def test_words_that_are_absent_or_only_share_characters_do_not_match() -> None:
    index = SearchIndex(CATALOG)
    assert index.match("サービス") == []  # shares サ with サーバー but not its pairs
    assert index.match("zurich 🚀") == []  # AND across scripts
    assert index.match("库数") == []


def test_folding_and_tokens() -> None:
    assert fold("Straße Ｃａｆé") == "strasse cafe"
    assert tokenize("mcp服务器 v2_beta") == ["mcp", "服务", "务器", "器", "v2", "beta"]
    assert tokenize("👨‍💻 dev") == ["👨", "💻", "dev"]
    assert tokenize("ｶﾞｲﾄﾞ") == tokenize("ガイド")  # voicing marks stay, recomposed


def test_name_or_title_hits_rank_first_with_folded_text() -> None:
    items = [
        _item("a", "Alpha", "mentions Zürich"),
        _item("b", "Zurich guide"),
    ]
    assert [i.name for i in SearchIndex(items).match("zürich")] == ["b", "a"]
