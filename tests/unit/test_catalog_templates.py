"""The Docker catalog's template grammar and filters (docs/CATALOG.md, "From catalog entry to
container"): tables of template, config tree and expected value, plus generated cases."""

from __future__ import annotations

import itertools
import string
from typing import Any

import pytest

from mcp_console.catalog.templates import (
    TemplateError,
    as_text,
    evaluate,
    evaluate_command,
    evaluate_list,
    evaluate_text,
    expand_dollars,
)

TREE: dict[str, Any] = {
    "fs": {"paths": ["/a", "/b c"], "empty": [], "one": "/x", "blank": ""},
    "atlassian": {"confluence": {"url": "https://c"}, "jira": {"url": "https://j"}},
    "n": {"int": 5, "float": 2.0, "half": 1.5, "yes": True, "no": False, "zero": 0},
    "win": {"path": "C:\\Users\\me\\dir", "file": "C:\\file", "paths": ["C:\\x\\y", "/u"]},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{atlassian.confluence.url}}", "https://c"),
        ("{{atlassian.jira.url}}", "https://j"),
        ("{{  atlassian.jira.url  }}", "https://j"),
        ("{{ atlassian.jira.url | first }}", "https://j"),
        ("{{atlassian.jira.nope}}", None),
        ("{{nope.deeper.still}}", None),
        ("{{fs.one.too.deep}}", None),
        ("{{fs.paths}}", ["/a", "/b c"]),
        ("{{n.int}}", 5),
        ("{{n.yes}}", True),
        ("{{fs.paths|volume}}", ["/a:/a", "/b c:/b c"]),
        ("{{fs.one|volume}}", "/x:/x"),
        ("{{fs.blank|volume}}", ""),
        ("{{win.path|volume}}", "C:\\Users\\me\\dir:/C/Users/me/dir"),
        ("{{win.file|volume-target}}", "/C/file"),
        ("{{fs.one|volume-target}}", "/x"),
        ("{{win.paths|volume-target}}", ["/C/x/y", "/u"]),
        ("{{fs.one|into}}", ["/x"]),
        ("{{fs.paths|into}}", ["/a", "/b c"]),
        ("{{fs.blank|into}}", []),
        ("{{fs.paths|first}}", "/a"),
        ("{{fs.paths|last}}", "/b c"),
        ("{{fs.empty|first}}", ""),
        ("{{fs.empty|last}}", ""),
        ("{{fs.missing|or:dflt}}", "dflt"),
        ("{{fs.blank|or:dflt}}", "dflt"),
        ("{{fs.one|or:dflt}}", "/x"),
        ("{{fs.missing|or:[a, b]}}", ["a", "b"]),
        ("{{fs.missing|or:[]}}", []),
        ("{{fs.missing|or:[]|volume|into}}", []),
        ("{{fs.paths|mount_as:/data}}", "/a:/data"),
        ("{{fs.one|mount_as:/data}}", "/x:/data"),
        ("{{fs.empty|mount_as:/data}}", ""),
        ("{{fs.paths|volume|into}}", ["/a:/a", "/b c:/b c"]),
    ],
)
def test_single_term_keeps_its_type(template: str, expected: Any) -> None:
    assert evaluate(template, TREE) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{fs.one|volume-target}}/okta.log", "/x/okta.log"),
        ("{{win.file|volume-target}}/okta.log", "/C/file/okta.log"),
        ("{{fs.blank|volume-target}}/okta.log", "/okta.log"),
        ("--level={{n.int}}", "--level=5"),
        ("{{n.float}}/{{n.half}}/{{n.zero}}", "2/1.5/0"),
        ("{{n.yes}}-{{n.no}}", "true-false"),
        ("{{fs.paths}}", "/a,/b c"),
        ("x {{nope}} y", "x  y"),
        ("no template at all", "no template at all"),
        ("{{atlassian.confluence.url}} and {{atlassian.jira.url}}", "https://c and https://j"),
    ],
)
def test_text_evaluation(template: str, expected: str) -> None:
    assert evaluate_text(template, TREE) == expected


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{fs.one|nope}}", "unknown filter `nope`"),
        ("{{fs.one|or}}", "needs an argument"),
        ("{{fs.one|first:1}}", "takes no argument"),
        ("{{ bw:item:password }}", "Bitwarden reference"),
        ("{{BW : item : password}}", "Bitwarden reference"),
        ("{{fs one}}", "malformed term"),
        ("{{}}", "malformed term"),
        ("{{fs.one", "unbalanced"),
        ("fs.one}}", "unbalanced"),
        ("{{fs.one}} {{", "unbalanced"),
        ("{{a{{b}}}}", "unbalanced"),
    ],
)
def test_malformed_or_unknown_terms_are_refused_naming_them(template: str, reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        evaluate(template, TREE)
    assert reason in caught.value.reason
    assert caught.value.term  # the error names the term


def test_lists_splice_drop_empties_and_refuse_flag_values() -> None:
    volumes = ["{{fs.paths|volume|into}}", "{{fs.blank}}", "named:/data", "{{fs.empty|into}}"]
    assert evaluate_list(volumes, TREE) == ["/a:/a", "/b c:/b c", "named:/data"]
    assert evaluate_list(["--flag={{fs.blank}}"], TREE) == ["--flag="]
    with pytest.raises(TemplateError, match="flag"):
        evaluate_list(["{{x.v}}"], {"x": {"v": "--rm"}})
    with pytest.raises(TemplateError, match="flag"):
        evaluate_list(["{{x.v|into}}"], {"x": {"v": ["/ok", "-evil"]}})
    # inside text a leading dash belongs to the catalog, not to an answer
    assert evaluate_list(["--n={{x.v}}"], {"x": {"v": "-1"}}) == ["--n=-1"]


def test_command_groups_drop_whole_or_repeat_per_element() -> None:
    command: list[str | list[str]] = [
        "serve",
        ["--path", "{{fs.paths}}"],
        ["--missing", "{{fs.nope}}"],
        ["--one", "{{fs.one}}"],
        ["--empty-list", "{{fs.empty}}"],
        "{{fs.paths|volume-target|into}}",
    ]
    assert evaluate_command(command, TREE) == [
        "serve", "--path", "/a", "--path", "/b c", "--one", "/x", "/a", "/b c",
    ]  # fmt: skip
    with pytest.raises(TemplateError, match="one list"):
        evaluate_command([["{{fs.paths}}", "{{fs.paths}}"]], TREE)
    with pytest.raises(TemplateError, match="flag"):
        evaluate_command([["--port", "{{x.v}}"]], {"x": {"v": "-x1"}})
    # a negative number is a value, not an option
    for number in (-5, "-1", "-2.5", "-1e3"):
        assert evaluate_command([["--offset", "{{x.v}}"]], {"x": {"v": number}}) == [
            "--offset",
            str(number),
        ]


def test_dollar_names_expand_from_set_variables_only() -> None:
    text, used = expand_dollars("Bearer $TOKEN and ${OTHER}", {"TOKEN": "t", "OTHER": "o"})
    assert (text, used) == ("Bearer t and o", ["TOKEN", "OTHER"])
    with pytest.raises(TemplateError, match=r"\$MISSING"):
        expand_dollars("x $MISSING", {"TOKEN": "t"})


SAFE = string.ascii_letters + string.digits + "/_.- "


@pytest.mark.parametrize("seed", range(40))
def test_generated_texts_never_keep_braces(seed: int) -> None:
    """Property-ish: any mix of text and known terms evaluates to text without braces, and the
    literal parts survive in order."""
    parts = ["{{fs.one}}", "{{atlassian.jira.url}}", "{{n.int}}", "{{nope}}", "{{fs.paths|first}}"]
    literal = "".join(SAFE[(seed * 7 + i * 13) % len(SAFE)] for i in range(seed % 9))
    for combo in itertools.islice(itertools.permutations(parts, 2 + seed % 3), seed % 5 + 1):
        template = literal.join(combo) + literal
        result = evaluate_text(template, TREE)
        assert "{{" not in result and "}}" not in result
        assert result.endswith(literal)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (3.0, "3"), (0.25, "0.25"), ([1, "", "b"], "1,b"), ("s", "s")],
)
def test_scalars_as_text(value: Any, text: str) -> None:
    assert as_text(value) == text
