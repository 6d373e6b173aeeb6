"""Conversation handles are bound to their user and application."""

from __future__ import annotations

import pytest

from relay.conversation import Conversation, ConversationError, ConversationSigner

SIGNER = ConversationSigner(b"key")
HANDLE = SIGNER.sign(Conversation(user="alice", response_id="resp_1", app="argocd/checkout"))


def test_a_handle_gives_back_the_response_id_to_its_user() -> None:
    assert SIGNER.verify(HANDLE, user="alice", app="argocd/checkout").response_id == "resp_1"


def test_another_users_handle_is_forbidden() -> None:
    with pytest.raises(ConversationError) as error:
        SIGNER.verify(HANDLE, user="bob", app="argocd/checkout")
    assert error.value.status == 403


def test_a_handle_cannot_move_to_another_application() -> None:
    with pytest.raises(ConversationError) as error:
        SIGNER.verify(HANDLE, user="alice", app="argocd/billing")
    assert error.value.status == 403


@pytest.mark.parametrize(
    "handle",
    [
        "",
        "c1.x.y",
        HANDLE[:-2] + "AA",
        ConversationSigner(b"other").sign(
            Conversation(user="alice", response_id="resp_1", app="argocd/checkout")
        ),
    ],
)
def test_forged_or_foreign_handles_are_invalid(handle: str) -> None:
    with pytest.raises(ConversationError) as error:
        SIGNER.verify(handle, user="alice", app="argocd/checkout")
    assert error.value.status == 400
