"""Environment variables that change how programs load code (docs/SECURITY.md).

They are refused on every config path (`containers/validation.py`), and a catalog entry that
sets one is listed as not installable (`catalog/sources/docker.py`, `containers/derive.py`).
"""

from __future__ import annotations

LOADER_ENV_PREFIXES = ("LD_", "DYLD_")
LOADER_ENV_NAMES = frozenset(
    {
        "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "NODE_OPTIONS", "NODE_PATH",
        "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS", "BASH_ENV", "ENV", "GCONV_PATH",
    }
)  # fmt: skip
LOADER_REASON = "changes how programs load code; refused"


def is_loader_variable(name: str) -> bool:
    upper = name.upper()
    return upper.startswith(LOADER_ENV_PREFIXES) or upper in LOADER_ENV_NAMES
