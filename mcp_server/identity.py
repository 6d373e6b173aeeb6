"""Whose Argo CD token a tool call uses, and which application a scoped call may touch.

HTTP: the caller's `Authorization: Bearer` token, never a silent fallback to the server's own token
(unless `allow_default_token` was set explicitly). stdio / in-memory: ARGOCD_TOKEN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from mcp.server.mcpserver.exceptions import ToolError

from mcp_server.config import Settings
from mcp_server.scope import Scope, ScopeError, verify_scope

__all__ = ["Caller", "resolve_caller", "token_sha256"]


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    token: str
    scope: Scope | None = None

    def __repr__(self) -> str:  # never show the token
        return f"Caller(scope={self.scope!r})"


def resolve_caller(headers: Mapping[str, str] | None, settings: Settings) -> Caller:
    default = settings.argocd_token.get_secret_value() if settings.argocd_token else None
    if headers is None:
        if not default:
            raise ToolError("Not authenticated: set ARGOCD_TOKEN (an Argo CD API token) for the MCP server.")
        return Caller(token=default)

    auth = headers.get("authorization", "").strip()
    scheme, _, credentials = auth.partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else ""
    if not token:
        if auth:
            raise ToolError("Not authenticated: the Authorization header must be 'Bearer <Argo CD token>'.")
        if settings.allow_default_token and default:
            token = default
        else:
            raise ToolError(
                "Not authenticated: send your Argo CD token as 'Authorization: Bearer <token>' "
                "(the MCP client's authorization setting)."
            )

    scope: Scope | None = None
    raw_scope = headers.get("x-assistant-scope")
    if raw_scope is not None:
        key = settings.scope_key
        if key is None:
            raise ToolError("Refused: X-Assistant-Scope was sent but this server has no ASSISTANT_SCOPE_KEY.")
        try:
            scope = verify_scope(raw_scope, key)
        except ScopeError as exc:
            raise ToolError(f"Refused: invalid X-Assistant-Scope ({exc}).") from None
    elif settings.scoped_token_sha256 and token_sha256(token) in settings.scoped_token_sha256:
        raise ToolError("Refused: this service token may only be used with a signed X-Assistant-Scope.")
    return Caller(token=token, scope=scope)
