"""Conversation handles: the llama-stack response id to continue from, bound to one user and one application.

Handle: a sealed token (`mcp_server.sealed`) of kind `c1` holding `{"u": user, "r": response id,
"a": "<app-namespace>/<app-name>"}`.
The browser holds it; nobody can continue someone else's conversation, or move one to another application.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from mcp_server.sealed import SealError, seal, unseal
from relay.errors import Refusal

_PREFIX = "c1"
_MAX_HANDLE = 2048


class ConversationError(Refusal):
    """A conversation handle that is forged (400) or belongs to another user or application (403)."""


@dataclass(frozen=True)
class Conversation:
    user: str
    response_id: str
    app: str


class ConversationSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, conversation: Conversation) -> str:
        payload = {"u": conversation.user, "r": conversation.response_id, "a": conversation.app}
        return seal(_PREFIX, payload, self._key)

    def verify(self, handle: str, *, user: str, app: str | None) -> Conversation:
        """The conversation behind `handle`, if it is genuine and belongs to `user` and `app` (any application
        when `app` is None: the handle names its own)."""
        try:
            payload = unseal(handle, _PREFIX, self._key, max_length=_MAX_HANDLE)
            conversation = Conversation(
                user=str(payload["u"]), response_id=str(payload["r"]), app=str(payload["a"])
            )
        except (SealError, KeyError):
            raise ConversationError(
                400,
                "invalid_conversation",
                "The conversation handle is not valid (the relay may have restarted); "
                "start a new conversation.",
            ) from None
        if not hmac.compare_digest(conversation.user.encode(), user.encode()):
            raise ConversationError(
                403,
                "conversation_forbidden",
                "This conversation belongs to another user; start a new conversation.",
            )
        if app is not None and conversation.app != app:
            raise ConversationError(
                403,
                "conversation_forbidden",
                "This conversation belongs to another application; start a new conversation.",
            )
        return conversation
