"""A simulator serving the default world plus every evaluation scenario, for the scenario suites."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from devstack.servers import serve_in_thread

SCENARIOS = Path(__file__).resolve().parents[2] / "eval" / "scenarios"


@pytest.fixture(scope="session")
def scenarios_url() -> Iterator[str]:
    from devstack.argocd import SimulatorConfig, create_app

    with serve_in_thread(create_app(SimulatorConfig(scenarios_dir=str(SCENARIOS)))) as url:
        yield url


@pytest.fixture(scope="session")
def scenarios_client(scenarios_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=scenarios_url, timeout=30.0) as client:
        yield client
