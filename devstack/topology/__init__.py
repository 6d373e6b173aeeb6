"""The production topology on one machine: llama-stack on PostgreSQL, replicas of llama-stack and of the
relay, HAProxy in front of each tier. Used by tests/topology and bench/topology; `python -m devstack.topology`
for people."""

from devstack.topology.haproxy import find_haproxy
from devstack.topology.launcher import Topology, TopologyError, TopologyOptions
from devstack.topology.postgres import PostgresError, PostgresServer, find_bindir

__all__ = [
    "PostgresError",
    "PostgresServer",
    "Topology",
    "TopologyError",
    "TopologyOptions",
    "find_bindir",
    "find_haproxy",
]
