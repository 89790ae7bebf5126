"""The scan's matching rules: windows that overlap so nothing hides across a seam, ciphertext
allowed only where it belongs, and names that are safe to print."""

from __future__ import annotations

from cryptography.fernet import Fernet

from mcp_console.scan.matching import CHUNK_CHARS, rules_in, rules_in_pieces, safe_name

GITHUB = "ghp_" + "Zq7Lm" * 8


def test_a_token_across_a_window_seam_is_found() -> None:
    text = " " * (CHUNK_CHARS - 5) + GITHUB + " " * 50
    assert rules_in(text) == ["github-token"]
    pieces = [text[:CHUNK_CHARS], text[CHUNK_CHARS:]]
    assert GITHUB not in pieces[0] and GITHUB not in pieces[1]
    assert rules_in_pieces(pieces) == ["github-token"]


def test_a_fernet_token_is_fine_only_where_ciphertext_belongs() -> None:
    token = Fernet(Fernet.generate_key()).encrypt(b"value").decode()
    assert rules_in(token) == ["fernet-token"]
    assert rules_in(token, fernet_allowed=True) == []
    assert rules_in(f"{token} {GITHUB}", fernet_allowed=True) == ["github-token"]


def test_ordinary_text_is_clean() -> None:
    assert rules_in("LOG_LEVEL=debug MAX_TOKENS=4096 https://example.com/path") == []


def test_names_are_printed_masked_escaped_and_short() -> None:
    assert safe_name(f"leak:{GITHUB}") == "leak:***"
    assert safe_name("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert safe_name("k" * 500).endswith("...") and len(safe_name("k" * 500)) == 203
