"""The one list of secret shapes: the redactor masks them, the secrets policy refuses them,
`audit-secrets` searches for them.

Every pattern runs in linear time on any input, so neither a log line nor a request can be
turned against the process (Python's `re` backtracks; an unbounded `[\\w-]*` before an
alternation is quadratic). Each pattern follows one rule: a match may only begin where the
token's own character class begins (a negative look-behind on that class, or after a
percent-escape) unless its prefix cannot occur inside its body, and every repeat is possessive
or bounded. A run of token characters is therefore scanned once from its start, or at most the
bound from each prefix.

Sources of the shapes: GitHub's token prefixes (github.blog, "Behind GitHub's new
authentication token formats"), GitLab's `glpat-` tokens, Slack's `xox?-` tokens, AWS access key
ids (IAM user guide, "unique identifiers"), Google API keys (`AIza` + 35), `sk-` keys of
OpenAI/Anthropic, JWTs (RFC 7519 compact form), `Bearer` (RFC 6750), PEM private keys
(RFC 7468), Fernet tokens (version byte 0x80, `gAAAAA` in base64url) and Bitwarden CLI session
keys (64 bytes, 88 characters of base64).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URL_SAFE = "A-Za-z0-9_\\-"
# The console's own MCP gateway client tokens: this prefix, then 43 base64url characters
# (32 random bytes). The redactor masks them and the secrets policy refuses them like any token.
GATEWAY_TOKEN_PREFIX = "mcpgw_"  # noqa: S105 - a public prefix, not a secret


@dataclass(frozen=True)
class SecretPattern:
    """A named secret shape; `rule` is what errors and scan reports print instead of a value."""

    rule: str
    regex: re.Pattern[str]
    mask: str = "***"


ALNUM = "A-Za-z0-9"


def _token(
    rule: str,
    prefix: str,
    body: str,
    flags: int = 0,
    lead: str | None = URL_SAFE,
    mask: str = "***",
) -> SecretPattern:
    """A token: a literal `prefix`, then `body`.

    The pattern starts with the literal so that `re` can skip ahead to its occurrences (a
    leading look-behind would make it try every position, a hundred times slower). The check
    on what stands before the prefix comes right after it: not a `lead` character, or a
    percent-escape (`Bearer%20eyJ...`; its `%` is in no token's class, so a scan that starts
    after it still ends where the next one starts). `lead=None` where the body's class excludes
    a character of the prefix (`ghp_`: `_`), so a prefix can never sit inside one body run and
    no check is needed; a narrower `lead` with a bounded body lets `x-sk-...` or
    `MY_github_pat_...` match while each start still scans at most the bound.
    """
    literal = re.escape(prefix)
    guard = "" if lead is None else f"(?:(?<![{lead}]{literal})|(?<=%[0-9A-Fa-f]{{2}}{literal}))"
    return SecretPattern(rule, re.compile(literal + guard + body, flags), mask)


SECRET_PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern(
        "pem-private-key",
        re.compile(
            r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----"
            r"[A-Za-z0-9+/=\s]{0,65536}+(?:-----END[A-Z ]{0,40}PRIVATE KEY-----)?"
        ),
    ),
    _token(
        "bearer-token",
        "Bearer",
        r"[ \t]++[A-Za-z0-9._~+/=-]++",
        re.IGNORECASE,
        lead=r"\w",
        mask="Bearer ***",
    ),
    _token("jwt", "eyJ", rf"[{URL_SAFE}]{{5,}}+\.[{URL_SAFE}]{{5,}}+\.[{URL_SAFE}]*+"),
    _token("github-token", "gh", r"[pousr]_[A-Za-z0-9]{30,}+", lead=None),
    _token("github-token", "github_pat_", r"[A-Za-z0-9_]{20,255}+", lead=ALNUM),
    _token("gitlab-token", "gl", rf"(?:pat|dt|ptt|rt|oas)-[{URL_SAFE}]{{20,255}}+", lead=ALNUM),
    _token("slack-token", "xox", r"[abeoprs]-[A-Za-z0-9-]{10,255}+", lead=ALNUM),
    _token("slack-token", "xapp-", r"[A-Za-z0-9-]{10,255}+", lead=ALNUM),
    _token(
        "aws-access-key",
        "A",
        r"(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)[A-Z0-9]{16}(?![A-Z0-9])",
        lead="A-Z0-9",
    ),
    _token("google-api-key", "AIza", rf"[{URL_SAFE}]{{35}}(?![{URL_SAFE}])", lead=None),
    _token("gateway-token", GATEWAY_TOKEN_PREFIX, rf"[{URL_SAFE}]{{40,255}}+", lead=ALNUM),
    _token("sk-api-key", "sk-", rf"[{URL_SAFE}]{{20,255}}+", lead=ALNUM),
    _token("fernet-token", "gAAAAA", rf"[{URL_SAFE}=]{{20,}}+", lead=f"{URL_SAFE}="),
    # No literal to start from: a key may only start where a base64 run starts.
    SecretPattern(
        "bitwarden-session-key",
        re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"),
    ),
    # `scheme://user:password@host`: a password in the userinfo (RFC 3986 section 3.2.1).
    SecretPattern(
        "url-credentials", re.compile(r"://[^\s/?#@:]{0,256}+:[^\s/?#@]{1,512}+@"), "://***@"
    ),
)

FERNET_RULE = "fernet-token"


def mask_shapes(text: str) -> str:
    """`text` with every secret shape replaced by its pattern's mask."""
    for pattern in SECRET_PATTERNS:
        text = pattern.regex.sub(pattern.mask, text)
    return text


def first_match(text: str) -> str | None:
    """The rule of the first pattern found in `text`, or None."""
    return next((p.rule for p in SECRET_PATTERNS if p.regex.search(text)), None)
