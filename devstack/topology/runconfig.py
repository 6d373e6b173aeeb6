"""llama-stack run configs for the topology, derived from the dev stack's `devstack/llamastack/run.yaml`.

The dev config stays the one source (providers, model, connector); this module only swaps what a production
topology changes: the stores (every SQLite backend becomes one Postgres kv backend and one Postgres SQL
backend, shared by all replicas) and `server.auth` (llama-stack asks a relay who each caller is, as in
deploy/llama-stack/run.yaml). Values stay `${env.…}` references, so one file serves every replica.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DEV_RUN_CONFIG", "KV_BACKEND", "SQL_BACKEND", "load_dev_config", "postgres_stores", "with_auth"]

DEV_RUN_CONFIG = Path(__file__).resolve().parents[1] / "llamastack" / "run.yaml"
KV_BACKEND = "kv_default"
SQL_BACKEND = "sql_default"

_CONNECTION = {
    "host": "${env.POSTGRES_HOST:=127.0.0.1}",
    "port": "${env.POSTGRES_PORT:=5432}",
    "db": "${env.POSTGRES_DB:=llamastack}",
    "user": "${env.POSTGRES_USER:=llamastack}",
    "password": "${env.POSTGRES_PASSWORD:=}",
}


def load_dev_config(path: Path = DEV_RUN_CONFIG) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    if not isinstance(loaded, dict) or "storage" not in loaded:
        raise ValueError(f"{path} is not a llama-stack run config with a `storage` section")
    return loaded


def postgres_stores(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of `config` whose stores all live in one Postgres database.

    Every reference to a kv backend (`{namespace, backend}`) is pointed at `kv_default` (kv_postgres: one
    table, keys prefixed by namespace) and every reference to a SQL backend at `sql_default` (sql_postgres:
    SQLAlchemy on asyncpg). One SQL backend, not one per store as the SQLite layout has: llama-stack opens
    a connection pool per backend (10 + 20 overflow), and two replicas times four pools would pass
    PostgreSQL's default of 100 connections.
    """
    result = copy.deepcopy(config)
    backends = result["storage"]["backends"]
    kinds = {name: _kind(name, backend) for name, backend in backends.items()}
    result["storage"]["backends"] = {
        KV_BACKEND: {"type": "kv_postgres", **_CONNECTION},
        SQL_BACKEND: {
            "type": "sql_postgres",
            **_CONNECTION,
            "pool_size": "${env.POSTGRES_POOL_SIZE:=10}",
            "max_overflow": "${env.POSTGRES_MAX_OVERFLOW:=20}",
        },
    }
    _retarget(result, {name: KV_BACKEND if kind == "kv" else SQL_BACKEND for name, kind in kinds.items()})
    return result


def with_auth(config: dict[str, Any], endpoint: str = "${env.RELAY_AUTH_URL}") -> dict[str, Any]:
    """A copy of `config` whose server asks `endpoint` (the relay's `/internal/llama-stack-auth`) who each
    bearer credential names: llama-stack's `custom` auth provider, as deploy/llama-stack/run.yaml has it."""
    result = copy.deepcopy(config)
    server = result.setdefault("server", {})
    server["auth"] = {"provider_config": {"type": "custom", "endpoint": endpoint}}
    return result


def _kind(name: str, backend: Any) -> str:
    kind = str(backend.get("type", "")) if isinstance(backend, dict) else ""
    if kind.startswith("kv_"):
        return "kv"
    if kind.startswith("sql_"):
        return "sql"
    raise ValueError(f"storage backend {name!r} has an unknown type {kind!r}")


def _retarget(node: Any, mapping: dict[str, str]) -> None:
    """Points every `backend: <name>` reference anywhere in the config at its replacement (in place)."""
    if isinstance(node, dict):
        backend = node.get("backend")
        if isinstance(backend, str) and backend in mapping:
            node["backend"] = mapping[backend]
        for value in node.values():
            _retarget(value, mapping)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, mapping)
