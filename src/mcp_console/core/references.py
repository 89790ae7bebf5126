"""The `{{ bw:<item-id>:<field> }}` reference grammar: the one definition the API (parsing env
values in `secrets.refs`) and the web UI (form `pattern` attributes, marking references) share.

Item ids are Bitwarden ids or names made of letters, digits, `_` and `-`; a field is any text
without braces or line breaks that neither starts nor ends with white space (docs/SECRETS.md).
"""

from __future__ import annotations

import re

# Character classes escape `{`, `}` and `-` so the same text also compiles in browsers, which
# compile an input's `pattern` attribute with the `v` flag.
_ITEM_ID = r"[A-Za-z0-9][A-Za-z0-9_\-]*"
_FIELD = r"[^\{\}\s](?:[^\{\}\n]*[^\{\}\s])?"

# Anything that starts like a reference (any case, any spacing) must be a complete one.
REFERENCE_START = re.compile(r"\{\{\s*bw\s*:", re.IGNORECASE)
# One reference, with its parts as the `item` and `field` groups.
REFERENCE = re.compile(
    rf"\{{\{{\s*bw\s*:\s*(?P<item>{_ITEM_ID})\s*:\s*(?P<field>{_FIELD})\s*\}}\}}"
)
# A whole value that is one reference and nothing else (an input's `pattern` attribute).
WHOLE_VALUE_PATTERN = rf"\s*\{{\{{\s*bw\s*:\s*{_ITEM_ID}\s*:\s*{_FIELD}\s*\}}\}}\s*"
_WHOLE_VALUE = re.compile(WHOLE_VALUE_PATTERN)


def is_reference(value: str) -> bool:
    """The whole value is one reference (nothing else: a value around it could be a secret)."""
    return _WHOLE_VALUE.fullmatch(value) is not None
