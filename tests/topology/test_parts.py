"""The topology's parts on their own: the Postgres run config llama-stack accepts, HAProxy's configuration,
and a PostgreSQL server that starts on loopback as a non-root user and leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from devstack.topology import PostgresServer, Topology, find_bindir, find_haproxy
from devstack.topology.haproxy import STREAM_TIMEOUT, Backend, render_config
from devstack.topology.runconfig import KV_BACKEND, SQL_BACKEND, load_dev_config, postgres_stores, with_auth

ROOT = Path(__file__).resolve().parents[2]
LS_PYTHON = ROOT / ".venv-llamastack" / "bin" / "python"
# Parses a run config the way `llama stack run` does: environment substitution, then the StackConfig model.
VALIDATE = """
import sys, yaml
from llama_stack.core.datatypes import StackConfig
from llama_stack.core.stack import replace_env_vars
config = StackConfig(**replace_env_vars(yaml.safe_load(open(sys.argv[1]))))
print(yaml.safe_dump({
    "backends": {n: b.model_dump(mode="json") for n, b in config.storage.backends.items()},
    "auth": config.server.auth.provider_config.model_dump(mode="json"),
}))
"""


def references(node: Any) -> set[str]:
    """Every backend a store or provider refers to."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("backend"), str):
            found.add(node["backend"])
        for value in node.values():
            found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


def without_backends(node: Any) -> Any:
    """`node` with every backend reference blanked out."""
    if isinstance(node, dict):
        return {k: "*" if k == "backend" else without_backends(v) for k, v in node.items()}
    if isinstance(node, list):
        return [without_backends(v) for v in node]
    return node


def test_the_postgres_run_config_puts_every_store_in_one_database_and_llama_stack_accepts_it(
    tmp_path: Path,
) -> None:
    dev = load_dev_config()
    config = with_auth(postgres_stores(dev))
    assert {b["type"] for b in config["storage"]["backends"].values()} == {"kv_postgres", "sql_postgres"}
    assert references(config) == {KV_BACKEND, SQL_BACKEND}
    # the rest of the dev config is untouched: providers (but their stores), model, connector
    for section in ("registered_resources", "connectors", "apis"):
        assert config[section] == dev[section]
    assert without_backends(config["providers"]) == without_backends(dev["providers"])
    assert "auth" not in dev.get("server", {})
    if not LS_PYTHON.is_file():
        pytest.skip("llama-stack's own virtualenv (.venv-llamastack, `make install`) is not installed")
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {
        **os.environ,
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_PASSWORD": "pw",
        "RELAY_AUTH_URL": "http://relay.example/internal/llama-stack-auth",
    }
    result = subprocess.run(
        [str(LS_PYTHON), "-c", VALIDATE, str(path)],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = yaml.safe_load(result.stdout)
    sql = parsed["backends"][SQL_BACKEND]
    assert (sql["host"], str(sql["port"]), sql["password"]) == ("db.example", "6543", "pw")
    assert parsed["backends"][KV_BACKEND]["type"] == "kv_postgres"
    assert parsed["auth"]["endpoint"] == "http://relay.example/internal/llama-stack-auth"


def test_a_run_config_whose_backend_type_is_unknown_is_refused() -> None:
    config = load_dev_config()
    config["storage"]["backends"]["odd"] = {"type": "mongo"}
    with pytest.raises(ValueError, match="odd"):
        postgres_stores(config)


def test_sqlite_stores_are_refused_for_more_than_one_llama_stack() -> None:
    with pytest.raises(ValueError, match="SQLite"), Topology.start(replicas=2, store="sqlite"):
        pass


def test_the_haproxy_configuration_is_valid_and_keeps_streams_open(tmp_path: Path) -> None:
    haproxy = find_haproxy()
    if haproxy is None:
        pytest.skip("haproxy not found: run `make haproxy` (Debian's haproxy)")
    text = render_config(
        [
            Backend("relay", 18080, (("relay-1", 18081), ("relay-2", 18082)), "/healthz"),
            Backend("llamastack", 18321, (("llamastack-1", 18322),), "/v1/health"),
        ],
        tmp_path / "admin.sock",
    )
    for timeout in ("client", "server", "tunnel"):
        assert f"timeout {timeout} {STREAM_TIMEOUT}" in text
    # above the relay's longest answer (300 s by default), and never gzip nor buffer an answer
    assert int(STREAM_TIMEOUT.removesuffix("s")) > 300
    assert "compression" not in text
    assert "http-buffer-request" not in text
    (tmp_path / "haproxy.cfg").write_text(text)
    checked = subprocess.run(
        [str(haproxy), "-c", "-f", str(tmp_path / "haproxy.cfg")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_postgres_starts_on_loopback_as_a_non_root_user_and_leaves_nothing_behind(tmp_path: Path) -> None:
    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries not found: run `make postgresql` (Debian's postgresql-15)")
    server = PostgresServer(log_path=tmp_path / "postgres.log")
    try:
        server.start()
        assert server.process is not None
        postmaster = psutil.Process(server.process.pid)
        # PostgreSQL refuses root: under root it runs as the postgres (or nobody) account
        assert postmaster.username() != "root"
        listening = {
            conn.laddr.ip
            for conn in psutil.net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == server.port
        }
        assert listening == {"127.0.0.1"}
        pids = [postmaster.pid, *(child.pid for child in postmaster.children(recursive=True))]
        data_dirs = [Path(a) for a in postmaster.cmdline() if a.endswith("/data")]
    finally:
        server.stop()
    assert data_dirs
    assert not data_dirs[0].parent.exists()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie" for pid in pids)
