"""The signed application scope."""

from __future__ import annotations

import time

import pytest

from mcp_server.scope import Scope, ScopeError, sign_scope, verify_scope

KEY = b"k" * 32


def test_a_signed_scope_verifies_to_its_application() -> None:
    value = sign_scope("argocd", "checkout", KEY)
    assert value.startswith("v1.")
    assert verify_scope(value, KEY) == Scope(app_namespace="argocd", app_name="checkout")


def test_a_scope_signed_with_another_key_is_refused() -> None:
    with pytest.raises(ScopeError, match="signature"):
        verify_scope(sign_scope("argocd", "checkout", b"other-key"), KEY)


def test_a_tampered_payload_is_refused() -> None:
    good = sign_scope("argocd", "checkout", KEY)
    other = sign_scope("argocd", "billing", b"attacker")
    forged = ".".join([good.split(".")[0], other.split(".")[1], good.split(".")[2]])
    with pytest.raises(ScopeError, match="signature"):
        verify_scope(forged, KEY)


def test_an_expired_scope_is_refused() -> None:
    value = sign_scope("argocd", "checkout", KEY, ttl_seconds=60)
    with pytest.raises(ScopeError, match="expired"):
        verify_scope(value, KEY, now=time.time() + 120)


@pytest.mark.parametrize("value", ["", "garbage", "v2.a.b", "v1.a", "v1..", "v1.a.b.c"])
def test_malformed_scopes_are_refused(value: str) -> None:
    with pytest.raises(ScopeError):
        verify_scope(value, KEY)


def test_signing_refuses_names_that_would_be_ambiguous() -> None:
    with pytest.raises(ValueError, match="'/'"):
        sign_scope("a/b", "c", KEY)
