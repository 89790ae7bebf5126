"""Which published version of a server is the latest: SemVer 2.0 precedence via `semver`.

Precedence follows the spec (`1.0.0-rc.1` < `1.0.0`, numeric identifiers compare as numbers and
below alphanumeric ones, build metadata ignored). A leading `v` and a missing minor/patch
(`v2`, `1.4`) are read as SemVer; anything else still parses as a non-SemVer version, ordered
below every SemVer one by its numbers, then its text, so odd versions never break a catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

import semver

_NUMBERS = re.compile(r"\d+")


def parse(version: str | None) -> semver.Version | None:
    """The SemVer reading of a version string, or None when it is not SemVer."""
    if not version:
        return None
    candidate = version.strip()
    if candidate[:1] in ("v", "V"):
        candidate = candidate[1:]
    try:
        return semver.Version.parse(candidate, optional_minor_and_patch=True)
    except (ValueError, TypeError):
        return None


@total_ordering
@dataclass(frozen=True, eq=False)
class Precedence:
    """A sort key for one version string: SemVer precedence, non-SemVer below it."""

    text: str
    parsed: semver.Version | None

    @classmethod
    def of(cls, version: str | None) -> Precedence:
        return cls(version or "", parse(version))

    @property
    def is_release(self) -> bool:
        """A SemVer pre-release is not a release; a non-SemVer version counts as one."""
        return self.parsed is None or not self.parsed.prerelease

    def _fallback(self) -> tuple[tuple[int, ...], str]:
        return tuple(int(n) for n in _NUMBERS.findall(self.text)), self.text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Precedence):
            return NotImplemented
        if self.parsed is not None and other.parsed is not None:
            return self.parsed == other.parsed
        return self.parsed is other.parsed is None and self._fallback() == other._fallback()

    def __lt__(self, other: Precedence) -> bool:
        if self.parsed is not None and other.parsed is not None:
            return bool(self.parsed < other.parsed)
        if (self.parsed is None) != (other.parsed is None):
            return self.parsed is None
        return self._fallback() < other._fallback()

    def __hash__(self) -> int:
        return hash(str(self.parsed.replace(build=None)) if self.parsed else self._fallback())


def rank(version: str | None, flagged_latest: bool) -> tuple[bool, bool, Precedence]:
    """Sort key among one server's versions: the registry's `isLatest` flag first, then a
    release over any pre-release (a pre-release wins only when no release exists), then
    precedence."""
    key = Precedence.of(version)
    return flagged_latest, key.is_release, key
