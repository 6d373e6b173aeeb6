"""Fixtures shared by every suite: the Argo CD simulator served for real on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.servers import serve_in_thread


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def argocd_url() -> Iterator[str]:
    """Base URL of a running Argo CD simulator (one per test session; its world is read-only)."""
    from devstack.argocd import create_app

    with serve_in_thread(create_app()) as url:
        yield url
