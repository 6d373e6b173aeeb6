"""The one signed-token format behind scopes and conversation handles."""

from __future__ import annotations

import pytest

from mcp_server.sealed import SealError, seal, unseal

KEY = b"k" * 32


def test_a_sealed_payload_comes_back_intact() -> None:
    assert unseal(seal("v1", {"app": "argocd/checkout", "exp": 1}, KEY), "v1", KEY) == {
        "app": "argocd/checkout",
        "exp": 1,
    }


def test_a_token_of_another_kind_does_not_pass_even_with_the_same_key() -> None:
    token = seal("c1", {"u": "alice"}, KEY)
    with pytest.raises(SealError, match="malformed"):
        unseal(token, "v1", KEY)
    with pytest.raises(SealError, match="signature"):
        unseal("v1" + token[2:], "v1", KEY)


def test_a_tampered_payload_or_another_key_is_refused() -> None:
    kind, body, mac = seal("v1", {"app": "argocd/checkout"}, KEY).split(".")
    forged = seal("v1", {"app": "argocd/billing"}, KEY).split(".")[1]
    with pytest.raises(SealError, match="signature"):
        unseal(f"{kind}.{forged}.{mac}", "v1", KEY)
    with pytest.raises(SealError, match="signature"):
        unseal(f"{kind}.{body}.{mac}", "v1", b"other-key")


def test_oversized_or_keyless_tokens_are_refused_before_any_work() -> None:
    with pytest.raises(SealError, match="too long"):
        unseal("v1." + "a" * 5000 + ".x", "v1", KEY)
    with pytest.raises(SealError, match="no signing key"):
        unseal("v1.a.b", "v1", b"")
    with pytest.raises(ValueError, match="empty"):
        seal("v1", {}, b"")
