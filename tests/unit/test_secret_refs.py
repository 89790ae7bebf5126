"""The `{{ bw:<item>:<field> }}` parser and field extraction."""

from __future__ import annotations

import pytest

from mcp_console.core.errors import AppError
from mcp_console.secrets.fields import Problem, Resolved, extract_field
from mcp_console.secrets.refs import SecretRef, has_references, parse_env
from tests.support.bitwarden import fixture_items

ITEM = "0f5a8f5e-1111-4c8e-9d1a-aaaaaaaaaaa1"


@pytest.mark.parametrize(
    "text",
    [
        f"{{{{bw:{ITEM}:password}}}}",
        f"{{{{ bw:{ITEM}:password }}}}",
        f"{{{{   bw  :  {ITEM}  :  password   }}}}",
        f"{{{{\tbw:{ITEM}:password\t}}}}",
    ],
)
def test_whitespace_tolerant(text: str) -> None:
    parsed = parse_env({"K": text})
    assert parsed.refs() == [SecretRef(ITEM, "password")]
    assert parsed.substitute({SecretRef(ITEM, "password"): "v"}) == {"K": "v"}


def test_several_references_in_one_value_and_custom_field_names() -> None:
    env = {
        "URL": f"https://{{{{ bw:{ITEM}:username }}}}:{{{{ bw:{ITEM}:my secret: key }}}}@host",
        "PLAIN": "no references {{ here }}",
    }
    parsed = parse_env(env)
    assert parsed.refs() == [SecretRef(ITEM, "username"), SecretRef(ITEM, "my secret: key")]
    values = {SecretRef(ITEM, "username"): "u", SecretRef(ITEM, "my secret: key"): "p"}
    assert parsed.substitute(values) == {"URL": "https://u:p@host", "PLAIN": env["PLAIN"]}
    assert parsed.keys_using(SecretRef(ITEM, "username")) == ["URL"]


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("{{ bw:item-only }}", 0),
        ("abc {{ bw:item:password }", 4),
        ("x{{ BW :item:password }}", 1),
        ("ok {{ bw:a:b }} then {{ bw::password }}", 21),
        ("{{ bw:it em:password }}", 0),
        ("{{ bw:item: }}", 0),
    ],
)
def test_malformed_reference_names_key_and_position(value: str, position: int) -> None:
    with pytest.raises(AppError) as caught:
        parse_env({"FINE": "plain", "BROKEN": value})
    error = caught.value
    assert (error.status, error.code) == (422, "SECRET_REFERENCE_INVALID")
    assert error.details == {"key": "BROKEN", "position": position}
    assert "BROKEN" in error.message and str(position) in error.message


def test_has_references() -> None:
    assert has_references({"A": "x", "B": f"{{{{ bw:{ITEM}:notes }}}}"})
    assert not has_references({"A": "{{ other }}"})


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("password", Resolved("fixture-pass-gh-7Hq2Lx9Vw3", secret=True)),
        ("username", Resolved("fixture-user-octocat", secret=False)),
        ("notes", Resolved("fixture-notes-github-Qm9vYmFy", secret=True)),
        ("totp", Resolved("JBSWY3DPEHPK3PXPFIXTURE", secret=True)),
        ("uri", Resolved("https://github.example.test/login", secret=False)),
        ("api_token", Resolved("fixture-token-ghp-Z8x7C6v5B4", secret=True)),  # hidden (1)
        ("org", Resolved("fixture-org-acme", secret=False)),  # text (0)
        ("missing", Problem.NOT_FOUND),
    ],
)
def test_extract_field_and_whether_it_is_a_secret_slot(
    field: str, expected: Resolved | Problem
) -> None:
    assert extract_field(fixture_items()[0], field) == expected


def test_an_existing_field_without_a_value_is_empty_not_missing() -> None:
    item = fixture_items()[1]
    item["fields"].append({"name": "blank", "value": "", "type": 1})
    item["fields"].append({"name": "unset", "value": None, "type": 0})
    assert extract_field(item, "totp") is Problem.EMPTY
    assert extract_field(item, "blank") is Problem.EMPTY
    assert extract_field(item, "unset") is Problem.EMPTY
    assert extract_field({"id": "x", "login": {"uris": []}}, "uri") is Problem.EMPTY
    assert extract_field({"id": "x", "notes": None}, "notes") is Problem.EMPTY
    assert extract_field(None, "password") is Problem.NOT_FOUND
    assert extract_field({"id": "x", "type": 2, "login": None}, "password") is Problem.NOT_FOUND


@pytest.mark.parametrize(
    ("linked_id", "expected"),
    [
        (100, Resolved("fixture-user-octocat", secret=False)),
        (101, Resolved("fixture-pass-gh-7Hq2Lx9Vw3", secret=True)),
        (303, Problem.NOT_FOUND),  # a card's code, on a login item
        (999, Problem.NOT_FOUND),
    ],
)
def test_linked_field_reads_the_field_it_links(linked_id: int, expected: object) -> None:
    item = fixture_items()[0]
    item["fields"].append({"name": "linked", "value": None, "type": 3, "linkedId": linked_id})
    assert extract_field(item, "linked") == expected


def test_linked_field_of_a_card_and_an_empty_target() -> None:
    card = {"id": "c", "type": 3, "card": {"code": "4242-cvv-code", "brand": None}, "fields": []}
    card["fields"] = [
        {"name": "cvv", "value": None, "type": 3, "linkedId": 303},
        {"name": "brand", "value": None, "type": 3, "linkedId": 304},
    ]
    assert extract_field(card, "cvv") == Resolved("4242-cvv-code", secret=True)
    assert extract_field(card, "brand") is Problem.EMPTY
