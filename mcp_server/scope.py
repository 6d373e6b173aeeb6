"""The signed application scope of the scoped service mode (header `X-Assistant-Scope`).

`v1.<b64url(json {"app": "<app-namespace>/<app-name>", "exp": <unix seconds>})>.<b64url(HMAC-SHA256)>`,
the HMAC taken over the middle part with a key the relay and the MCP server share.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

__all__ = ["HEADER", "Scope", "ScopeError", "sign_scope", "verify_scope"]

HEADER = "X-Assistant-Scope"
_VERSION = "v1"
_MAX_LEN = 2048


class ScopeError(ValueError):
    """The scope header is malformed, badly signed or expired."""


@dataclass(frozen=True)
class Scope:
    app_namespace: str
    app_name: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign_scope(app_namespace: str, app_name: str, key: bytes, ttl_seconds: int = 300) -> str:
    if not key:
        raise ValueError("scope key must not be empty")
    if not app_namespace or not app_name or "/" in app_namespace or "/" in app_name:
        raise ValueError("app_namespace and app_name must be non-empty and contain no '/'")
    body = json.dumps(
        {"app": f"{app_namespace}/{app_name}", "exp": int(time.time()) + ttl_seconds}, separators=(",", ":")
    )
    payload = _b64(body.encode())
    return f"{_VERSION}.{payload}.{_mac(payload, key)}"


def verify_scope(value: str, key: bytes, *, now: float | None = None) -> Scope:
    """Checks format, signature (constant-time) and expiry; returns the scope or raises ScopeError."""
    if not key:
        raise ScopeError("no scope key is configured")
    if len(value) > _MAX_LEN:
        raise ScopeError("scope is too long")
    parts = value.strip().split(".")
    if len(parts) != 3 or parts[0] != _VERSION:
        raise ScopeError("scope is malformed (expected v1.<payload>.<signature>)")
    _, payload, signature = parts
    if not hmac.compare_digest(_mac(payload, key).encode(), signature.encode()):
        raise ScopeError("scope signature is invalid")
    try:
        data = json.loads(_unb64(payload))
        app_namespace, app_name = str(data["app"]).split("/")
        expires = int(data["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ScopeError("scope payload is malformed") from exc
    if not app_namespace or not app_name:
        raise ScopeError("scope payload is malformed")
    if expires < (time.time() if now is None else now):
        raise ScopeError("scope has expired")
    return Scope(app_namespace=app_namespace, app_name=app_name)
