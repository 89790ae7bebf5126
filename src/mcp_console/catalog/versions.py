"""Which published version of a server is the latest: SemVer 2.0 precedence via `semver`.

Precedence follows the spec (`1.0.0-rc.1` < `1.0.0`, numeric identifiers compare as numbers and
below alphanumeric ones, build metadata ignored). A leading `v` and a missing minor/patch
(`v2`, `1.4`) are read as SemVer. Any other string is compared by its leading numbers
(`2024.01.05` as 2024.1.5), just below a SemVer version with the same numbers; a version without
leading numbers sorts below all others. Odd versions never break a catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

import semver

_LEADING = re.compile(r"^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


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


def _coerce(version: str) -> semver.Version | None:
    """The leading numbers of a non-SemVer version (`2024.01.05`, `1.2.3.4`) as x.y.z."""
    match = _LEADING.match(version.strip())
    if match is None:
        return None
    major, minor, patch = (int(n or 0) for n in match.groups())
    return semver.Version(major, minor, patch)


@total_ordering
@dataclass(frozen=True, eq=False)
class Precedence:
    """A sort key for one version string. SemVer compares by precedence; a non-SemVer version
    compares by its leading numbers (below a SemVer version with the same numbers), and one
    without leading numbers sorts below all others, by its text."""

    text: str
    parsed: semver.Version | None
    numbers: semver.Version | None

    @classmethod
    def of(cls, version: str | None) -> Precedence:
        parsed = parse(version)
        return cls(version or "", parsed, parsed or _coerce(version or ""))

    @property
    def is_release(self) -> bool:
        """A SemVer pre-release is not a release; a non-SemVer version counts as one."""
        return self.parsed is None or not self.parsed.prerelease

    def _key(self, other: Precedence) -> tuple[int, int]:
        """-1/0/1 of self vs other on the numbers, then on being SemVer."""
        if self.numbers is None or other.numbers is None:
            return (self.numbers is not None) - (other.numbers is not None), 0
        return self.numbers.compare(other.numbers), (self.parsed is not None) - (
            other.parsed is not None
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Precedence):
            return NotImplemented
        if self._key(other) != (0, 0):
            return False
        return self.parsed is not None or self.text == other.text

    def __lt__(self, other: Precedence) -> bool:
        key = self._key(other)
        if key != (0, 0):
            return key < (0, 0)
        return self.parsed is None and self.text < other.text


def rank(version: str | None, flagged_latest: bool) -> tuple[bool, bool, Precedence]:
    """Sort key among one server's versions: the registry's `isLatest` flag first, then a
    release over any pre-release (a pre-release wins only when no release exists), then
    precedence."""
    key = Precedence.of(version)
    return flagged_latest, key.is_release, key
