"""Sealed tokens: `<kind>.<b64url(JSON payload)>.<b64url(HMAC-SHA256 of "<kind>.<payload part>")>`.

One format for everything the relay hands out or passes on signed: the application scope of the scoped
service mode and the conversation handles given to browsers. The kind is inside the MAC, so a token of one
kind can never pass as another even under the same key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

__all__ = ["SealError", "seal", "unseal"]


class SealError(ValueError):
    """The token is malformed, too long, of another kind or badly signed."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(kind: str, body: str, key: bytes) -> str:
    return _b64(hmac.new(key, f"{kind}.{body}".encode(), hashlib.sha256).digest())


def seal(kind: str, payload: dict[str, Any], key: bytes) -> str:
    if not key:
        raise ValueError("the signing key must not be empty")
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{kind}.{body}.{_mac(kind, body, key)}"


def unseal(token: str, kind: str, key: bytes, *, max_length: int = 2048) -> dict[str, Any]:
    """The payload of a genuine token of `kind`; the signature is compared in constant time."""
    if not key:
        raise SealError("no signing key is configured")
    if len(token) > max_length:
        raise SealError("token is too long")
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != kind or not parts[1] or not parts[2]:
        raise SealError(f"token is malformed (expected {kind}.<payload>.<signature>)")
    _, body, signature = parts
    if not hmac.compare_digest(_mac(kind, body, key).encode(), signature.encode()):
        raise SealError("token signature is invalid")
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise SealError("token payload is malformed") from exc
    if not isinstance(payload, dict):
        raise SealError("token payload is malformed")
    return payload
