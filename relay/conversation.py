"""Conversation handles: the llama-stack response id to continue from, bound to one user and one application.

Handle: `c1.<b64url(json {"u": user, "r": response id, "a": "<app-namespace>/<app-name>"})>.<b64url(HMAC)>`.
The browser holds it; nobody can continue someone else's conversation, or move one to another application.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

_PREFIX = "c1"
_MAX_HANDLE = 2048


class ConversationError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Conversation:
    user: str
    response_id: str
    app: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConversationSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, f"{_PREFIX}.{body}".encode(), hashlib.sha256).digest())

    def sign(self, conversation: Conversation) -> str:
        payload = {"u": conversation.user, "r": conversation.response_id, "a": conversation.app}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{_PREFIX}.{body}.{self._mac(body)}"

    def verify(self, handle: str, *, user: str, app: str) -> Conversation:
        """The conversation behind `handle`, if it is genuine and belongs to `user` and `app`."""
        invalid = ConversationError(
            400,
            "invalid_conversation",
            "The conversation handle is not valid (the relay may have restarted); start a new conversation.",
        )
        prefix, _, rest = handle.partition(".")
        body, _, mac = rest.partition(".")
        if len(handle) > _MAX_HANDLE or prefix != _PREFIX or not body or not mac:
            raise invalid
        if not hmac.compare_digest(mac, self._mac(body)):
            raise invalid
        try:
            payload = json.loads(_unb64(body))
            conversation = Conversation(
                user=str(payload["u"]), response_id=str(payload["r"]), app=str(payload["a"])
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise invalid from None
        if not hmac.compare_digest(conversation.user.encode(), user.encode()):
            raise ConversationError(
                403,
                "conversation_forbidden",
                "This conversation belongs to another user; start a new conversation.",
            )
        if conversation.app != app:
            raise ConversationError(
                403,
                "conversation_forbidden",
                "This conversation belongs to another application; start a new conversation.",
            )
        return conversation
