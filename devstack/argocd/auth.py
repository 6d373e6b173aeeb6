"""Who is calling: the bearer token first, then the (possibly split) `argocd.token` cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from devstack.argocd.errors import UNAUTHENTICATED, ApiError
from devstack.argocd.tokens import Claims, InvalidToken, claims_for_token, join_cookies


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization")
    if header:
        return header.removeprefix("Bearer ").strip() or None
    return None


def cookie_token(conn: HTTPConnection) -> str | None:
    return join_cookies(dict(conn.cookies)) or None


def request_token(conn: HTTPConnection) -> str | None:
    return bearer_token(conn) or cookie_token(conn)


def claims_or_none(token: str | None) -> Claims | None:
    if not token:
        return None
    try:
        return claims_for_token(token)
    except InvalidToken:
        return None


def authenticate(conn: HTTPConnection) -> Claims:
    """The caller's claims, or 401 as Argo CD answers it (the message never repeats the token)."""
    token = request_token(conn)
    if not token:
        raise ApiError(UNAUTHENTICATED, "no session information")
    try:
        return claims_for_token(token)
    except InvalidToken as exc:
        raise ApiError(UNAUTHENTICATED, f"invalid session: {exc}") from None
