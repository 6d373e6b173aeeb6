"""Redaction: credentials masked in free text (logs, event and condition messages, commit messages, diff
values) before a model reads it. Shared by the MCP tools and the relay through `mcp_server.shaping`."""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["REDACTED", "redact"]

_R = "[REDACTED]"
_SECRET_KEY = (
    r"(?:[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|credentials?)[A-Za-z0-9_.-]*)"
)
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
        ),
        "[REDACTED PRIVATE KEY]",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[REDACTED JWT]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + _R),
    # Authorization: <any scheme> <credentials> (Token, Digest, ApiKey, ...), or bare credentials; also as an
    # escaped JSON member (\"Authorization\":\"Token …\").
    (
        re.compile(
            r"(?i)(?P<key>\b(?:proxy-)?authorization\\?[\"']?\s*[=:]\s*\\?[\"']?)"
            r"(?P<scheme>[A-Za-z][A-Za-z0-9_-]*\s+)?(?P<val>(?:[^\s\"',;\\]|\\(?![\"']))+)"
        ),
        r"\g<key>\g<scheme>" + _R,
    ),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"), "[REDACTED AWS KEY]"),
    (
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})\b"),
        "[REDACTED GITHUB TOKEN]",
    ),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "[REDACTED SLACK TOKEN]"),
    (re.compile(r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}"), "[REDACTED API KEY]"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"), "[REDACTED GOOGLE API KEY]"),
    # user:password@ in URLs
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+):[^\s@/]+@"), r"\1:" + _R + "@"),
    # key=value, key: value, "key": "value" for secret-looking keys, also JSON escaped inside a string
    # (\"password\":\"hunter2\"); a value ends at a quote, an escaped quote, a separator or a space.
    (
        re.compile(
            r"(?i)(?P<key>\\?[\"']?"
            + _SECRET_KEY
            + r"\\?[\"']?)(?P<sep>\s*[=:]\s*)(?P<q>\\?[\"']?)(?P<val>(?:[^\s\"',;&}\\]|\\(?![\"']))+)"
        ),
        r"\g<key>\g<sep>\g<q>" + _R,
    ),
)


_SECRET_WORDS = ("password", "passwd", "pwd", "secret", "token", "api", "access", "private", "credential")


def _has_secret_word(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _SECRET_WORDS)


# For each pattern above, a cheap test that holds whenever the pattern can match (a substring every match must
# contain), so most lines skip most regular expressions with the same result. Only for ASCII text: with
# re.IGNORECASE some other characters match ASCII letters (the Kelvin sign matches k); str.lower misses them.
_MAY_MATCH: tuple[Callable[[str], bool], ...] = (
    lambda t: "PRIVATE KEY-----" in t,
    lambda t: "eyJ" in t,
    lambda t: "bearer" in t.lower() or "basic" in t.lower(),
    lambda t: "authorization" in t.lower(),
    lambda t: any(prefix in t for prefix in ("AKIA", "ASIA", "AGPA", "AIDA", "AROA")),
    lambda t: "gh" in t or "github_pat_" in t,
    lambda t: "xox" in t,
    lambda t: "sk-" in t,
    lambda t: "AIza" in t,
    lambda t: "://" in t and "@" in t,
    lambda t: ("=" in t or ":" in t) and _has_secret_word(t),
)
assert len(_MAY_MATCH) == len(_REDACTIONS)


def redact(text: str) -> str:
    """Masks credentials in free text (logs, event messages): tokens, keys, password-style pairs."""
    ascii_only = text.isascii()
    for may_match, (pattern, replacement) in zip(_MAY_MATCH, _REDACTIONS, strict=True):
        if not ascii_only or may_match(text):
            text = pattern.sub(replacement, text)
            ascii_only = text.isascii()
    return text.replace(_R + _R, _R)


REDACTED = _R
