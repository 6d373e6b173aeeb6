"""The signed application scope of the scoped service mode (header `X-Assistant-Scope`).

A sealed token (`mcp_server.sealed`) of kind `v1` holding `{"app": "<app-namespace>/<app-name>",
"exp": <unix seconds>}`, signed with a key the relay and the MCP server share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mcp_server.sealed import SealError, seal, unseal

__all__ = ["HEADER", "TOOLS_OUTSIDE_SCOPE", "Scope", "ScopeError", "sign_scope", "verify_scope"]

HEADER = "X-Assistant-Scope"
# Before a scoped call Argo CD's proxy has checked only `applications, get` on the app for the user; reading
# logs needs `logs, get` as well, which nobody checked, so logs are never read with the service credential.
# ApplicationSets are not the application (and need `applicationsets, get`): refused under a scope too.
TOOLS_OUTSIDE_SCOPE = frozenset({"get_logs", "list_applicationsets", "get_applicationset"})
_VERSION = "v1"
_MAX_LEN = 2048


class ScopeError(ValueError):
    """The scope header is malformed, badly signed or expired."""


@dataclass(frozen=True)
class Scope:
    app_namespace: str
    app_name: str


def sign_scope(app_namespace: str, app_name: str, key: bytes, ttl_seconds: int = 300) -> str:
    if not key:
        raise ValueError("scope key must not be empty")
    if not app_namespace or not app_name or "/" in app_namespace or "/" in app_name:
        raise ValueError("app_namespace and app_name must be non-empty and contain no '/'")
    return seal(_VERSION, {"app": f"{app_namespace}/{app_name}", "exp": int(time.time()) + ttl_seconds}, key)


def verify_scope(value: str, key: bytes, *, now: float | None = None) -> Scope:
    """Checks format, signature (constant-time) and expiry; returns the scope or raises ScopeError."""
    if not key:
        raise ScopeError("no scope key is configured")
    try:
        data = unseal(value, _VERSION, key, max_length=_MAX_LEN)
    except SealError as exc:
        raise ScopeError(f"scope: {exc}") from None
    try:
        app_namespace, app_name = str(data["app"]).split("/")
        expires = int(data["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ScopeError("scope payload is malformed") from exc
    if not app_namespace or not app_name:
        raise ScopeError("scope payload is malformed")
    if expires < (time.time() if now is None else now):
        raise ScopeError("scope has expired")
    return Scope(app_namespace=app_namespace, app_name=app_name)
