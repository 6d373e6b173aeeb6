"""Helpers for the simulator's tests: an HTTP client per demo user against the session's simulator."""

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
