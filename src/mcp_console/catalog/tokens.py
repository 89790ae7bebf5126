"""Search tokens for text in any script, the same for catalog text and for queries.

Folding: case-folded, compatibility-decomposed (NFKD: full-width letters are plain letters,
the ligature `ﬁ` is `fi`), accents dropped (the generic combining diacritics, so `Zürich` is
`zurich`), then recomposed (NFC: Japanese voiced kana keep their mark, Hangul its syllables).

Tokens:
- words: runs of letters, digits and marks (any script with spaces between words; `_` and
  punctuation separate);
- Han and kana runs (written without spaces): every pair of neighbouring characters plus the
  run's last character, so whatever part of the run a user types becomes pairs that are all
  present in the item (a single character is the prefix of a pair or the last character);
- symbols (emoji and other pictographs): one token each.

Punctuation, spaces and math/currency signs are never tokens: a query of only those has none.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

# The generic combining diacritics NFKD splits off Latin, Greek and Cyrillic letters, plus the
# variation selectors of emoji. Script-specific marks (Devanagari vowel signs, kana voicing)
# carry meaning and stay.
_FOLDED_MARKS = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xE0100, 0xE01EF),
)
_DROP = {code: None for first, last in _FOLDED_MARKS for code in range(first, last + 1)}
# Han (with extensions and compatibility forms), iteration marks, hiragana and katakana.
_CJK = (
    (0x3005, 0x3007),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Where marks and symbols can be: planes 0-1 and the special-purpose plane 14. Planes 2-3 hold
# only Han letters, 4-13 are unassigned, 15-16 are private use.
_SCANNED = (range(0x20000), range(0xE0000, 0xE1000))


def fold(text: str) -> str:
    """Text as it is compared: case and accents folded (ASCII takes the fast path)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_DROP)
    return unicodedata.normalize("NFC", decomposed)


def _ranges(codes: list[int]) -> str:
    """A regex character-class body for a sorted list of code points."""
    parts: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code == previous + 1:
            previous = code
            continue
        last = "-" + re.escape(chr(previous)) if previous > start else ""
        parts.append(re.escape(chr(start)) + last)
        start = previous = code
    return "".join(parts)


def _pattern() -> re.Pattern[str]:
    """Built from the Unicode database (tens of ms) when the module is imported, so that no
    request pays for it on the event loop."""
    cjk = {
        code
        for first, last in _CJK
        for code in range(first, last + 1)
        if unicodedata.category(chr(code))[0] in "LNM"
    }
    marks: list[int] = []
    symbols: list[int] = []
    for code in itertools.chain(*_SCANNED):
        category = unicodedata.category(chr(code))
        if category[0] == "M" and code not in _DROP:
            marks.append(code)
        elif category == "So":
            symbols.append(code)
    cjk_class = _ranges(sorted(cjk))
    # Letters and digits but not Han/kana (`[^\W_...]`) first: a short class is much faster
    # than the long range list of marks.
    word = f"(?:[^\\W_{cjk_class}]|[{_ranges(marks)}])+"
    return re.compile(f"(?P<cjk>[{cjk_class}]+)|(?P<word>{word})|(?P<symbol>[{_ranges(symbols)}])")


_TOKEN = _pattern()


def tokenize(text: str) -> list[str]:
    """The tokens of `text` after folding (see the module docstring)."""
    folded = fold(text)
    if folded.isascii():  # most catalog text: the plain pattern is several times faster
        return _ASCII_WORD.findall(folded)
    tokens: list[str] = []
    for match in _TOKEN.finditer(folded):
        run = match.group()
        if match.lastgroup == "cjk":
            tokens.extend(run[n : n + 2] for n in range(len(run) - 1))
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return tokens
