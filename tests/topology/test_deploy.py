"""deploy/llama-stack on Postgres: two replicas only because every store is shared, and the StatefulSet of
deploy/llama-stack/postgres reachable only from llama-stack, configured from the same Secret."""

from __future__ import annotations

from typing import Any

import yaml

from tests.deploy.conftest import DEPLOY, find, render, validate_all

LLAMA_STACK = DEPLOY / "llama-stack"
SECRET_KEYS = {"host", "port", "db", "user", "password"}


def _env_from_secret(container: dict[str, Any], secret: str) -> dict[str, str]:
    return {
        env["name"]: env["valueFrom"]["secretKeyRef"]["key"]
        for env in container.get("env", [])
        if env.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == secret
    }


def test_llama_stack_runs_two_replicas_only_on_postgres_stores() -> None:
    objects = render(LLAMA_STACK)
    validate_all(objects)
    deployment = find(objects, "Deployment", "llama-stack")
    config = find(
        objects, "ConfigMap", next(o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap")
    )
    run = yaml.safe_load(config["data"]["run.yaml"])
    types = {backend["type"] for backend in run["storage"]["backends"].values()}
    # a replica on SQLite stores would keep its own files: conversations would not cross replicas
    assert types == {"kv_postgres", "sql_postgres"}
    assert deployment["spec"]["replicas"] == 2
    budget = find(objects, "PodDisruptionBudget", "llama-stack")
    assert budget["spec"]["minAvailable"] == 1
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    from_secret = _env_from_secret(container, "llama-stack-postgres")
    assert set(from_secret.values()) == SECRET_KEYS
    # every POSTGRES_* the run config reads comes from the Secret
    text = config["data"]["run.yaml"]
    assert {name for name in from_secret if f"${{env.{name}" in text} == set(from_secret)


def test_the_postgres_statefulset_keeps_its_data_and_admits_only_llama_stack() -> None:
    objects = render(LLAMA_STACK / "postgres")
    validate_all(objects)
    statefulset = find(objects, "StatefulSet", "llama-stack-postgres")
    spec = statefulset["spec"]
    assert spec["replicas"] == 1
    (claim,) = spec["volumeClaimTemplates"]
    (container,) = spec["template"]["spec"]["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/var/lib/postgresql/data"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["PGDATA"].startswith("/var/lib/postgresql/data/")  # not the volume's root (lost+found)
    assert set(_env_from_secret(container, "llama-stack-postgres").values()) == {"db", "user", "password"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert statefulset["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True

    service = find(objects, "Service", "llama-stack-postgres")
    assert service["spec"]["ports"][0]["port"] == 5432
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]
    policy = find(objects, "NetworkPolicy", "llama-stack-postgres")
    assert policy["spec"]["podSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    llama_stack = find(render(LLAMA_STACK), "Deployment", "llama-stack")
    assert peer == {"podSelector": {"matchLabels": llama_stack["spec"]["selector"]["matchLabels"]}}
