"""SemVer 2.0 precedence for Official Registry versions, and the fallback for other strings."""

from __future__ import annotations

import pytest

from mcp_console.catalog.versions import Precedence, parse, rank

# semver.org section 11, in ascending order, plus a build-metadata twin of 1.0.0.
SPEC_ORDER = [
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
    "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
]  # fmt: skip


def test_spec_examples_sort_in_precedence_order() -> None:
    shuffled = SPEC_ORDER[::2] + SPEC_ORDER[1::2]
    assert sorted(shuffled, key=Precedence.of) == SPEC_ORDER


def test_build_metadata_is_ignored_and_numbers_compare_as_numbers() -> None:
    assert Precedence.of("1.0.0+build.1") == Precedence.of("1.0.0+build.2")
    assert Precedence.of("1.0.0-rc.10") > Precedence.of("1.0.0-rc.9")
    assert Precedence.of("1.0.0-1") < Precedence.of("1.0.0-alpha")  # numeric < alphanumeric
    assert Precedence.of("1.10.0") > Precedence.of("1.9.0")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("v1.2.3", "1.2.3"), ("2", "2.0.0"), ("1.4", "1.4.0"), (" 1.0.0-rc.1 ", "1.0.0-rc.1")],
)
def test_lenient_spellings_read_as_semver(text: str, expected: str) -> None:
    assert str(parse(text)) == expected


@pytest.mark.parametrize("text", ["latest", "nightly", "", None])
def test_versions_without_numbers_sort_below_all_others(text: str | None) -> None:
    assert parse(text) is None
    assert Precedence.of(text) < Precedence.of("0.0.1-alpha")
    assert Precedence.of(text) < Precedence.of("0.0.1.9")


def test_non_semver_versions_compare_by_their_leading_numbers() -> None:
    assert parse("2024.01.05") is None and parse("1.0.0.0") is None
    assert Precedence.of("2024.01.05") > Precedence.of("2023.12.31")  # 2023.12.31 is SemVer
    assert Precedence.of("1.2.3.4") < Precedence.of("1.2.3")  # same numbers: SemVer above
    assert Precedence.of("1.2.3.4") > Precedence.of("1.2.2")
    assert Precedence.of("1.2.3.4") == Precedence.of("1.2.3.4")
    assert Precedence.of("1.2.3.4") != Precedence.of("1.2.3.5")  # same numbers, other text
    assert Precedence.of("1.2.3.4") < Precedence.of("1.2.3.5")


def test_rank_prefers_the_latest_flag_then_a_release_then_precedence() -> None:
    versions = ["1.0.0", "1.1.0-rc.1", "0.9.0"]
    assert max(versions, key=lambda v: rank(v, False)) == "1.0.0"  # rc is not a release
    assert max(versions, key=lambda v: rank(v, v == "0.9.0")) == "0.9.0"  # the registry says so
    assert max(["2.0.0-rc.2", "2.0.0-rc.10"], key=lambda v: rank(v, False)) == "2.0.0-rc.10"
    assert rank("1.0.0", False) > rank("1.0.0-rc.1", False)
