"""The write endpoints' tests share a simulator of their own (they change its state; each test starts from the
demo world again)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from devstack.argocd import SimulatorConfig, create_app
from devstack.servers import serve_in_thread


@pytest.fixture(scope="module")
def writable_url() -> Iterator[str]:
    with serve_in_thread(create_app(SimulatorConfig(operation_delay=0))) as url:
        yield url


@pytest.fixture(scope="module")
def slow_url() -> Iterator[str]:
    with serve_in_thread(create_app(SimulatorConfig(operation_delay=600))) as url:
        yield url


@pytest.fixture
def client(writable_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=writable_url, timeout=10.0) as http:
        assert http.delete("/_devstack/state").status_code == 200
        yield http


@pytest.fixture
def slow(slow_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=slow_url, timeout=10.0) as http:
        http.delete("/_devstack/state")
        yield http
