"""Who calls llama-stack: the credential the relay presents for each user, and its check.

llama-stack's `custom` auth provider (run.yaml `server.auth.provider_config`) hands every request's bearer
credential to `POST /internal/llama-stack-auth` on the relay, which answers with the principal. The relay
signs a short-lived credential per answer naming the Argo CD user, so llama-stack records each stored
response as owned by that user, and its default access policy lets only that user read or continue it
(`GET /v1/responses` no longer lists everyone's answers with their tool output). Its own calls (model list)
use the relay's principal. Nothing here is an Argo CD token; the key is `llama_stack.auth_key`.
"""

from __future__ import annotations

import time

from mcp_server.sealed import SealError, seal, unseal

__all__ = ["RELAY_PRINCIPAL", "CredentialError", "credential", "principal"]

_KIND = "lsa"
RELAY_PRINCIPAL = "argocd-assistant-relay"
# Argo CD usernames become `argocd-user:<name>`: no user can take the relay's principal.
_USER_PREFIX = "argocd-user:"


class CredentialError(ValueError):
    pass


def credential(key: bytes, user: str | None, ttl_seconds: float | None = None) -> str:
    """A credential for `user` (None: the relay itself), valid `ttl_seconds` when given."""
    payload: dict[str, object] = {"u": user or ""}
    if ttl_seconds is not None:
        payload["exp"] = int(time.time() + ttl_seconds)
    return seal(_KIND, payload, key)


def principal(api_key: str, key: bytes) -> tuple[str, dict[str, list[str]]]:
    """The principal and access attributes a genuine, unexpired credential names."""
    try:
        payload = unseal(api_key, _KIND, key, max_length=1024)
    except SealError as exc:
        raise CredentialError(str(exc)) from None
    expires = payload.get("exp")
    if expires is not None and (not isinstance(expires, int) or expires < time.time()):
        raise CredentialError("the credential has expired")
    user = payload.get("u")
    if not isinstance(user, str):
        raise CredentialError("the credential names no principal")
    name = f"{_USER_PREFIX}{user}" if user else RELAY_PRINCIPAL
    return name, {"roles": [name]}
