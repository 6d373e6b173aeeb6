"""Demo users, their passwords and deterministic JWT-shaped session tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

ISSUER = "argocd"
_SIGNING_KEY = (
    b"devstack-argocd-simulator-signing-key"  # a stand-in; the real server keeps its key in a Secret
)
_ISSUED_AT = 1767225600  # 2026-01-01T00:00:00Z, fixed so tokens are deterministic

# username -> password. `assistant-service` has no password: it only ever holds a pre-issued token.
DEMO_USERS: dict[str, str] = {
    "admin": "admin-pass",
    "viewer": "viewer-pass",
    "alice": "alice-pass",
    "bob": "bob-pass",
    "carol": "carol-pass",
}
SERVICE_USERS = ("assistant-service",)
# Local accounts have no groups in Argo CD; these stand in for SSO groups so group headers can be exercised.
USER_GROUPS: dict[str, tuple[str, ...]] = {"alice": ("team-a",), "bob": ("team-b",), "carol": ("team-a",)}


@dataclass(frozen=True)
class Claims:
    username: str
    groups: tuple[str, ...]
    issuer: str = ISSUER
    issued_at: int = _ISSUED_AT  # the token's `iat` (Unix seconds)

    @property
    def subjects(self) -> tuple[str, ...]:
        return (self.username, *self.groups)


class InvalidToken(Exception):
    """The token is not one this server issued; the message is safe to show (it never holds the token)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def known_user(username: str) -> bool:
    return username in DEMO_USERS or username in SERVICE_USERS


def token_for(username: str) -> str:
    """The session token of a demo user (the same one `POST /api/v1/session` returns)."""
    if not known_user(username):
        raise KeyError(f"unknown demo user {username!r}")
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {
        "iss": ISSUER,
        "sub": username,
        "iat": _ISSUED_AT,
        "nbf": _ISSUED_AT,
        "jti": str(uuid.uuid5(uuid.NAMESPACE_URL, f"argocd-simulator/{username}")),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def claims_for_token(token: str) -> Claims:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("token contains an invalid number of segments")
    header, payload, signature = parts
    expected = _b64(hmac.new(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        raise InvalidToken("token signature is invalid: signature is invalid")
    try:
        claims = json.loads(_unb64(payload))
    except ValueError as exc:
        raise InvalidToken("token is malformed") from exc
    username = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(username, str) or not known_user(username):
        raise InvalidToken("account is disabled or does not exist")
    issued_at = claims.get("iat")
    return Claims(
        username=username,
        groups=USER_GROUPS.get(username, ()),
        issued_at=issued_at if isinstance(issued_at, int) else _ISSUED_AT,
    )


def login(username: str, password: str) -> str | None:
    if DEMO_USERS.get(username) is None or not hmac.compare_digest(DEMO_USERS[username], password):
        return None
    return token_for(username)


def split_cookie(token: str, max_value_length: int) -> dict[str, str]:
    """Splits a token as Argo CD does: `argocd.token=<n>:<part>`, `argocd.token-1=<part>`, …"""
    chunks = [token[i : i + max_value_length] for i in range(0, len(token), max_value_length)] or [""]
    if len(chunks) == 1:
        return {"argocd.token": chunks[0]}
    cookies = {"argocd.token": f"{len(chunks)}:{chunks[0]}"}
    cookies.update({f"argocd.token-{i}": chunk for i, chunk in enumerate(chunks[1:], start=1)})
    return cookies


def join_cookies(cookies: dict[str, str]) -> str | None:
    """Joins `argocd.token`, `argocd.token-1`, … as Argo CD's JoinCookies; None when absent/malformed."""
    first = cookies.get("argocd.token")
    if first is None:
        return None
    parts = first.split(":")
    if len(parts) == 1:
        return parts[0]
    if len(parts) != 2 or not parts[0].isdigit():
        return None
    return parts[1] + "".join(cookies.get(f"argocd.token-{i}", "") for i in range(1, int(parts[0])))
