"""Every setting is documented in .env.example and docs/CONFIGURATION.md."""

from __future__ import annotations

import re

from mcp_console.core.settings import setting_names
from tests.support.processes import REPO_ROOT


def test_every_setting_is_in_env_example() -> None:
    text = (REPO_ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    assert set(setting_names()) - listed == set()
    assert listed - set(setting_names()) == set(), "documented variables that do not exist"


def test_every_setting_is_in_configuration_doc() -> None:
    text = (REPO_ROOT / "docs" / "CONFIGURATION.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, flags=re.MULTILINE))
    assert set(setting_names()) - documented == set()
    assert documented - set(setting_names()) == set(), "documented variables that do not exist"
