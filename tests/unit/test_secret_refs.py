"""The `{{ bw:<item>:<field> }}` parser and field extraction."""

from __future__ import annotations

import pytest

from mcp_console.core.errors import AppError
from mcp_console.secrets.fields import extract_field
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
        ("password", "fixture-pass-gh-7Hq2Lx9Vw3"),
        ("username", "fixture-user-octocat"),
        ("notes", "fixture-notes-github-Qm9vYmFy"),
        ("totp", "JBSWY3DPEHPK3PXPFIXTURE"),
        ("uri", "https://github.example.test/login"),
        ("api_token", "fixture-token-ghp-Z8x7C6v5B4"),
        ("missing", None),
    ],
)
def test_extract_field(field: str, expected: str | None) -> None:
    assert extract_field(fixture_items()[0], field) == expected


def test_extract_field_of_empty_values_is_none() -> None:
    item = fixture_items()[1]
    assert extract_field(item, "totp") is None
    assert extract_field(None, "password") is None
    assert extract_field({"id": "x", "login": None}, "uri") is None
