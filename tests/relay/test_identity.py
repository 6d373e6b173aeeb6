"""Identity forms in DESIGN.md's order, each user token verified with the Argo CD simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from devstack.argocd.tokens import split_cookie, token_for
from mcp_server.argocd_client import ArgoCDClient
from mcp_server.scope import verify_scope
from relay.config import IdentityConfig
from relay.identity import IdentityError, IdentityResolver, joined_cookie, token_digest

pytestmark = pytest.mark.anyio

SECRET = "proxy-secret"
SCOPED = IdentityConfig(
    modes=["cookie", "bearer", "pasted", "scoped"],
    service_token="service-token",
    scope_signing_key="scope-key",
    proxy_secret=SECRET,
)


@pytest.fixture
async def argocd(argocd_url: str) -> AsyncIterator[ArgoCDClient]:
    async with ArgoCDClient(argocd_url) as client:
        yield client


def resolver(argocd: ArgoCDClient, config: IdentityConfig = SCOPED) -> IdentityResolver:
    return IdentityResolver(config, argocd)


async def resolve(
    argocd: ArgoCDClient, headers: dict[str, str], cookies: dict[str, str] | None = None, **kw: Any
) -> Any:
    return await resolver(argocd, **kw).resolve(httpx2.Headers(headers), cookies or {})


async def test_a_bearer_token_is_verified_and_names_its_user(argocd: ArgoCDClient) -> None:
    identity = await resolve(argocd, {"Authorization": f"Bearer {token_for('alice')}"})
    assert (identity.mode, identity.username, identity.token) == ("bearer", "alice", token_for("alice"))
    assert token_for("alice") not in repr(identity)


async def test_the_cookie_comes_first_and_split_cookies_are_joined(argocd: ArgoCDClient) -> None:
    token = token_for("viewer")
    cookies = split_cookie(token, max_value_length=len(token) // 3 + 1)
    assert len(cookies) == 3  # argocd.token=3:<part>, argocd.token-1, argocd.token-2, as Argo CD writes them
    identity = await resolve(argocd, {"Authorization": f"Bearer {token_for('alice')}"}, cookies)
    assert (identity.mode, identity.username) == ("cookie", "viewer")


def test_split_cookies_are_joined_the_way_argo_cd_writes_them() -> None:
    assert joined_cookie({"argocd.token": "abc"}) == "abc"
    assert joined_cookie({"argocd.token": "2:ab", "argocd.token-1": "cd"}) == "abcd"
    assert joined_cookie({"argocd.token": "x:ab"}) is None
    assert joined_cookie({"argocd.token": "999:ab"}) is None
    assert joined_cookie({}) is None


async def test_a_pasted_token_is_used_when_nothing_else_is_there(argocd: ArgoCDClient) -> None:
    identity = await resolve(argocd, {"X-Argocd-Token": token_for("bob")})
    assert (identity.mode, identity.username) == ("pasted", "bob")


async def test_a_disabled_mode_is_ignored(argocd: ArgoCDClient) -> None:
    with pytest.raises(IdentityError) as error:
        await resolve(argocd, {"X-Argocd-Token": token_for("bob")}, config=IdentityConfig(modes=["cookie"]))
    assert error.value.status == 401


async def test_an_invalid_token_is_refused_without_falling_through(argocd: ArgoCDClient) -> None:
    with pytest.raises(IdentityError) as error:
        await resolve(argocd, {"Authorization": "Bearer not-a-token", "X-Argocd-Token": token_for("bob")})
    assert (error.value.status, error.value.code) == (401, "invalid_token")
    assert "not-a-token" not in error.value.message


async def test_no_identity_says_which_modes_are_enabled(argocd: ArgoCDClient) -> None:
    with pytest.raises(IdentityError) as error:
        await resolve(argocd, {})
    assert (error.value.status, error.value.code) == (401, "unauthenticated")
    assert "paste" in error.value.message


async def test_a_username_claim_that_contradicts_the_token_is_refused(argocd: ArgoCDClient) -> None:
    headers = {
        "X-Argocd-Token": token_for("bob"),
        "Argocd-Username": "alice",
        "X-Assistant-Proxy-Secret": SECRET,
    }
    with pytest.raises(IdentityError) as error:
        await resolve(argocd, headers)
    assert (error.value.status, error.value.code) == (403, "user_mismatch")


async def test_the_scoped_credential_needs_proxy_evidence_and_an_application(argocd: ArgoCDClient) -> None:
    app = {"Argocd-Application-Name": "argocd:checkout", "Argocd-Username": "alice"}
    with pytest.raises(IdentityError):
        await resolve(argocd, app)
    identity = await resolve(argocd, {**app, "X-Assistant-Proxy-Secret": SECRET})
    assert (identity.mode, identity.username, identity.token) == ("scoped", "alice", "service-token")
    scope = verify_scope(identity.scope_header, b"scope-key")
    assert (scope.app_namespace, scope.app_name) == ("argocd", "checkout")


async def test_a_wrong_proxy_secret_is_refused(argocd: ArgoCDClient) -> None:
    with pytest.raises(IdentityError) as error:
        await resolve(
            argocd, {"Argocd-Application-Name": "argocd:checkout", "X-Assistant-Proxy-Secret": "guess"}
        )
    assert (error.value.status, error.value.code) == (403, "proxy_secret_mismatch")


async def test_verified_tokens_are_cached_by_hash(argocd: ArgoCDClient, argocd_url: str) -> None:
    identities = resolver(argocd)
    token = token_for("admin")
    await identities.verify_token(token)
    async with httpx2.AsyncClient() as client:
        await client.delete(f"{argocd_url}/_devstack/requests")
        await identities.verify_token(token)
        log = (await client.get(f"{argocd_url}/_devstack/requests")).json()
    assert [r for r in log if r["token_sha256"] == token_digest(token)] == []


async def test_the_scoped_credential_is_refused_when_the_proxy_did_not_name_the_user(
    argocd: ArgoCDClient,
) -> None:
    headers = {"Argocd-Application-Name": "argocd:checkout", "X-Assistant-Proxy-Secret": SECRET}
    for missing in ({}, {"Argocd-Username": "  "}):
        with pytest.raises(IdentityError) as error:
            await resolve(argocd, {**headers, **missing})
        assert (error.value.status, error.value.code) == (403, "unidentified_user")
        assert "did not identify the user" in error.value.message
