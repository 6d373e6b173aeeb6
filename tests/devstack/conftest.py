"""Helpers for the simulator's tests: an HTTP client per demo user against the session's simulator.

A test module that writes (sync, rollback, actions) overrides `client` with a simulator of its own, so
`as_user` and `post_as` reach that one and the session's world stays as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from devstack.argocd.world import token_for


@pytest.fixture
def client(argocd_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=argocd_url, timeout=10.0) as http:
        yield http


@pytest.fixture
def as_user(client: httpx2.Client) -> Callable[..., httpx2.Response]:
    """`as_user("alice", "/api/v1/…", params=…)` → the response to a GET with alice's bearer token."""

    def get(
        username: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx2.Response:
        auth = {"Authorization": f"Bearer {token_for(username)}", **(headers or {})}
        return client.get(path, headers=auth, **kwargs)

    return get


@pytest.fixture
def post_as(client: httpx2.Client) -> Callable[..., httpx2.Response]:
    """`post_as("alice", "/api/v1/…", json=…)` → the response to a POST (a JSON body, sent as
    `application/json` like Argo CD's UI) with alice's bearer token."""

    def post(
        username: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx2.Response:
        auth = {"Authorization": f"Bearer {token_for(username)}", **(headers or {})}
        return client.post(path, headers=auth, **kwargs)

    return post
