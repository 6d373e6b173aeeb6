"""The production topology for the tests: PostgreSQL, two llama-stacks and two relays, HAProxy in front.

Started once for the module that asks for it (about 6 s) and always stopped. Skipped only when a binary is
missing on this machine; `make test` installs both (`make postgresql haproxy`), so CI never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.topology import Topology, find_bindir, find_haproxy
from devstack.topology.launcher import TopologyOptions

CHECKOUT = {"name": "checkout", "namespace": "argocd", "project": "team-a"}
CHECKOUT_DEPLOYMENT = {
    "group": "apps",
    "version": "v1",
    "kind": "Deployment",
    "namespace": "checkout",
    "name": "checkout-api",
}
# "events" makes the scripted model call get_events, then answer from its result
TOOL_QUESTION = "Show me the events of this deployment."


def question(message: str = TOOL_QUESTION, **extra: Any) -> dict[str, Any]:
    return {"message": message, "application": CHECKOUT, "resource": CHECKOUT_DEPLOYMENT, **extra}


def missing_binaries() -> str | None:
    if find_bindir() is None:
        return "PostgreSQL server binaries not found: run `make postgresql` (Debian's postgresql-15)"
    if find_haproxy() is None:
        return "haproxy not found: run `make haproxy` (Debian's haproxy)"
    options = TopologyOptions()
    if not options.llamastack_python.exists():
        return "llama-stack's virtualenv (.venv-llamastack) is not installed: `make install`"
    return None


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    reason = missing_binaries()
    if reason is not None:
        pytest.skip(reason)
    with Topology.start(replicas=2, store="postgres") as topo:
        yield topo
