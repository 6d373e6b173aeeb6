"""Who is asking: the identity forms of DESIGN.md, checked in order, each user token verified with Argo CD.

Order: the `argocd.token` cookie (direct route), `Authorization: Bearer`, `X-Argocd-Token` (pasted), then
the two forms that need proxy evidence (the shared-secret service header the Argo CD proxy extension sets):
the browser mode — the user Argo CD's proxy names in `Argocd-Username`, for a client that says it carries out
Argo CD reads itself (`X-Assistant-Browser-Reads`: the extension) — and the scoped service credential, for
`Argocd-Application-Name`. A token that is present but invalid is refused; it never falls through to a
weaker form.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from mcp_server.argocd_client import ArgoCDClient, ArgoCDError, ArgoCDUnavailable, Unauthenticated
from mcp_server.scope import sign_scope
from relay.config import IdentityConfig, IdentityMode
from relay.errors import Refusal

TOKEN_COOKIE = "argocd.token"
PASTED_HEADER = "x-argocd-token"
USERNAME_HEADER = "argocd-username"
APPLICATION_HEADER = "argocd-application-name"
# Sent by the extension: it carries out the agent's Argo CD reads with the user's session (browser mode).
BROWSER_READS_HEADER = "x-assistant-browser-reads"
_MAX_COOKIE_PARTS = 64

_HOW_TO = {
    "cookie": "open the assistant through the Argo CD host's /assistant/ route while logged in",
    "bearer": "send `Authorization: Bearer <Argo CD token>`",
    "pasted": "paste an Argo CD API token of your account if it has one (a local account with the apiKey "
    "capability: `argocd account generate-token`; SSO accounts have none)",
    "browser": "open the Assistant tab in the Argo CD UI (it reads Argo CD with your session)",
    "scoped": "open the assistant from an application page (through the Argo CD proxy extension)",
}


class IdentityError(Refusal):
    """The request cannot be attributed to a user (401), or the claims contradict each other (403)."""


@dataclass(frozen=True)
class AppRef:
    namespace: str
    name: str


@dataclass(frozen=True)
class Identity:
    """The caller. `token` goes only to llama-stack's MCP `authorization`; it is kept out of repr."""

    mode: IdentityMode
    username: str
    token: str = field(repr=False)
    scope_header: str | None = field(default=None, repr=False)
    scoped_app: AppRef | None = None
    via_proxy: bool = False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def joined_cookie(cookies: Mapping[str, str]) -> str | None:
    """The token Argo CD split across cookies, joined as its JoinCookies does.

    A token too large for one cookie is stored as `argocd.token=<n>:<part 0>`, `argocd.token-1=<part 1>`, …
    `argocd.token-<n-1>`; a small one as plain `argocd.token=<token>`. Malformed counts give None.
    """
    first = cookies.get(TOKEN_COOKIE)
    if not first:
        return None
    count, sep, head = first.partition(":")
    if not sep:
        return first
    if not count.isdigit() or not 1 <= int(count) <= _MAX_COOKIE_PARTS or ":" in head:
        return None
    parts = [head] + [cookies.get(f"{TOKEN_COOKIE}-{index}", "") for index in range(1, int(count))]
    return "".join(parts) or None


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


class UserinfoCache:
    """Usernames of recently verified tokens, keyed by the token's sha256; bounded, least recent evicted."""

    def __init__(self, ttl_seconds: float, max_entries: int) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def get(self, digest: str) -> str | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        expires, username = entry
        if time.monotonic() >= expires:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return username

    def put(self, digest: str, username: str) -> None:
        if self._ttl <= 0:
            return
        self._entries[digest] = (time.monotonic() + self._ttl, username)
        self._entries.move_to_end(digest)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


class IdentityResolver:
    def __init__(self, config: IdentityConfig, argocd: ArgoCDClient) -> None:
        self._config = config
        self._argocd = argocd
        self._cache = UserinfoCache(config.userinfo_cache_ttl_seconds, config.userinfo_cache_size)

    @property
    def modes(self) -> list[IdentityMode]:
        return list(self._config.modes)

    def unauthenticated_message(self, signed_in_as: str | None = None) -> str:
        steps = "; or ".join(_HOW_TO[mode] for mode in self._config.modes)
        if signed_in_as is not None:
            # Argo CD's proxy authenticated this user: never tell them they are not signed in
            return (
                f"Argo CD signed you in as {signed_in_as}, but this assistant cannot act with your Argo CD "
                f"session on this route: it accepts {', '.join(self._config.modes)} (an administrator "
                f"enables the `browser` identity mode for the Assistant tab). What works here: {steps}."
            )
        return f"Not signed in to Argo CD. To continue: {steps}."

    def _proxy_evidence(self, headers: Mapping[str, str]) -> bool:
        expected = self._config.proxy_secret
        presented = headers.get(self._config.proxy_secret_header.lower())
        if expected is None or presented is None:
            return False
        if not hmac.compare_digest(presented.encode(), expected.get_secret_value().encode()):
            raise IdentityError(
                403,
                "proxy_secret_mismatch",
                f"The {self._config.proxy_secret_header} header does not match the relay's secret; "
                "check the proxy extension's service headers in argocd-cm.",
            )
        return True

    async def verify_token(self, token: str) -> str:
        """The username Argo CD reports for `token` (cached briefly by the token's hash)."""
        digest = token_digest(token)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached
        try:
            info = await self._argocd.userinfo(token)
        except Unauthenticated:
            info = None
        except ArgoCDUnavailable as exc:
            raise IdentityError(
                503, "argocd_unavailable", f"Cannot verify the token: {exc.message}"
            ) from None
        except ArgoCDError as exc:
            raise IdentityError(502, "argocd_error", f"Cannot verify the token: {exc.message}") from None
        if info is None or not info.logged_in or not info.username:
            raise IdentityError(
                401,
                "invalid_token",
                "Argo CD did not accept the token (expired or revoked?). Sign in again or paste a new one.",
            )
        self._cache.put(digest, info.username)
        return info.username

    def _user_token(
        self, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> tuple[IdentityMode, str] | None:
        modes = self._config.modes
        candidates: list[tuple[IdentityMode, str | None]] = [
            ("cookie", joined_cookie(cookies)),
            ("bearer", _bearer(headers)),
            ("pasted", (headers.get(PASTED_HEADER) or "").strip() or None),
        ]
        for mode, token in candidates:
            if token and mode in modes:
                return mode, token
        return None

    async def resolve(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        """`headers` with lower-case names (Starlette's Headers are case-insensitive already)."""
        via_proxy = self._proxy_evidence(headers)
        claimed_user = (headers.get(USERNAME_HEADER) or "").strip() or None
        found = self._user_token(headers, cookies)
        if found is not None:
            mode, token = found
            username = await self.verify_token(token)
            # Argo CD sets Argocd-Username through the proxy; a browser can also send one itself, so any
            # claim that contradicts the verified token is refused, with or without proxy evidence.
            if claimed_user is not None and claimed_user != username:
                raise IdentityError(
                    403,
                    "user_mismatch",
                    "The token belongs to a different user than the one signed in to Argo CD "
                    "(Argocd-Username). Paste a token of your own account.",
                )
            return Identity(mode=mode, username=username, token=token, via_proxy=via_proxy)
        browser_reads = (headers.get(BROWSER_READS_HEADER) or "").strip() == "1"
        if "browser" in self._config.modes and via_proxy and browser_reads and claimed_user is not None:
            # the proxy checked the user's session and named them; their reads run in their browser
            return Identity(mode="browser", username=claimed_user, token="", via_proxy=True)
        app_header = (headers.get(APPLICATION_HEADER) or "").strip()
        if "scoped" in self._config.modes and via_proxy and app_header:
            return self._scoped(app_header, claimed_user)
        raise IdentityError(
            401, "unauthenticated", self.unauthenticated_message(claimed_user if via_proxy else None)
        )

    def read_poster(self, headers: Mapping[str, str]) -> str:
        """The user posting a browser read's answer: only through the proxy (its secret), named by it."""
        if not self._proxy_evidence(headers):
            raise IdentityError(
                401,
                "unauthenticated",
                "Answers to Argo CD reads are taken only through Argo CD's proxy extension.",
            )
        user = (headers.get(USERNAME_HEADER) or "").strip()
        if not user:
            raise IdentityError(
                403, "unidentified_user", "The Argo CD proxy did not identify the user (no Argocd-Username)."
            )
        return user

    def _scoped(self, app_header: str, claimed_user: str | None) -> Identity:
        namespace, sep, name = app_header.partition(":")
        if not sep or not namespace or not name:
            raise IdentityError(
                400, "bad_application_header", "Argocd-Application-Name must be `<app-namespace>:<app-name>`."
            )
        if claimed_user is None:
            # Argo CD's proxy sets Argocd-Username for every signed-in user: without it nobody can be named
            # (and conversation handles would be shared by everyone under one placeholder name)
            raise IdentityError(
                403,
                "unidentified_user",
                "The Argo CD proxy did not identify the user (no Argocd-Username header), so the assistant "
                "cannot act for you. Sign in to Argo CD again, or paste an Argo CD token of your own.",
            )
        service_token = self._config.service_token
        key = self._config.scope_signing_key
        # both guaranteed by IdentityConfig's validator when the scoped mode is enabled
        assert service_token is not None
        assert key is not None
        scope = sign_scope(
            namespace, name, key.get_secret_value().encode(), ttl_seconds=self._config.scope_ttl_seconds
        )
        return Identity(
            mode="scoped",
            username=claimed_user,
            token=service_token.get_secret_value(),
            scope_header=scope,
            scoped_app=AppRef(namespace, name),
            via_proxy=True,
        )
