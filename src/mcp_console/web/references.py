"""The `{{ bw:<item-id>:<field> }}` reference grammar as the UI knows it: one definition for the
install form (which accepts nothing else in a secret field) and the config view (which marks
references)."""

from __future__ import annotations

import re

# The API's grammar for one whole reference. Also the install inputs' `pattern` attribute, which
# the browser compiles with the `v` flag, hence `\{`, `\}`, `\-`.
REFERENCE_PATTERN = (
    r"\s*\{\{\s*bw\s*:\s*[A-Za-z0-9][A-Za-z0-9_\-]*\s*:\s*"
    r"[^\{\}\s](?:[^\{\}\n]*[^\{\}\s])?\s*\}\}\s*"
)
REFERENCE = re.compile(REFERENCE_PATTERN)


def is_reference(value: str) -> bool:
    """The whole value is one reference (nothing else: a value around it could be a secret)."""
    return REFERENCE.fullmatch(value) is not None
