"""What counts as a finding: the policy's secret shapes (one list, `core.secret_patterns`), and a
Fernet token anywhere but the places that exist to hold the console's ciphertext.

Values longer than `CHUNK_CHARS` are searched a window at a time; consecutive windows overlap by
`OVERLAP_CHARS`, more than the shortest match of any pattern, so no secret hides across a seam.
Every pattern is linear, so the work per value is bounded by its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mcp_console.core.secret_patterns import FERNET_RULE, SECRET_PATTERNS

CHUNK_CHARS = 1 << 20
OVERLAP_CHARS = 1024
MAX_NAME_CHARS = 200
FERNET = next(pattern for pattern in SECRET_PATTERNS if pattern.rule == FERNET_RULE)


class StreamMatcher:
    """Collects the rules matched by a value fed in pieces (each piece at most `CHUNK_CHARS`)."""

    def __init__(self, fernet_allowed: bool = False) -> None:
        self._tail = ""
        self._skip = {FERNET_RULE} if fernet_allowed else set()
        self.rules: set[str] = set()

    def feed(self, piece: str) -> None:
        text = self._tail + piece
        for pattern in SECRET_PATTERNS:
            if pattern.rule not in self.rules | self._skip and pattern.regex.search(text):
                self.rules.add(pattern.rule)
        self._tail = text[-OVERLAP_CHARS:]


def windows(text: str) -> Iterator[str]:
    """`text` in consecutive pieces of at most `CHUNK_CHARS` (the matcher adds the overlap)."""
    for start in range(0, max(len(text), 1), CHUNK_CHARS):
        yield text[start : start + CHUNK_CHARS]


def rules_in(text: str, fernet_allowed: bool = False) -> list[str]:
    """The rules `text` matches, sorted. Where Fernet tokens belong, a value that is exactly one
    token is fine (its base64 must not be mistaken for another shape)."""
    if fernet_allowed and len(text) <= CHUNK_CHARS and FERNET.regex.fullmatch(text):
        return []
    matcher = StreamMatcher(fernet_allowed)
    for piece in windows(text):
        matcher.feed(piece)
    return sorted(matcher.rules)


def rules_in_pieces(pieces: Iterable[str], fernet_allowed: bool = False) -> list[str]:
    matcher = StreamMatcher(fernet_allowed)
    for piece in pieces:
        matcher.feed(piece)
    return sorted(matcher.rules)


def safe_name(text: str) -> str:
    """A key or field name fit to print: secret shapes masked, control characters escaped, and
    cut to `MAX_NAME_CHARS` (a name is a location, and may itself be where a secret sits)."""
    for pattern in SECRET_PATTERNS:
        text = pattern.regex.sub(pattern.mask, text)
    printable = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if len(printable) > MAX_NAME_CHARS:
        return printable[:MAX_NAME_CHARS] + "..."
    return printable


def decode(raw: bytes | str) -> str:
    """Bytes as text for matching; the shapes are ASCII, so undecodable bytes cannot hide one."""
    return raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")
