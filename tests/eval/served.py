"""What the simulator serves about one application to one user, gathered by walking its endpoints as a
client of Argo CD's API would: the Application, its resource tree, managed resources, every node's live
manifest and events, the Application's events, every pod container's logs (current and previous), and
the ApplicationSets the user can read."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from devstack.argocd.tokens import token_for


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value; a string that is itself JSON (a manifest, a diff's states) is
    searched as written and unpacked too."""
    if isinstance(value, str):
        if value.startswith("{"):
            try:
                return [value, *_strings(json.loads(value))]
            except ValueError:
                pass
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _text(value: Any) -> str:
    return "\n".join([json.dumps(value, ensure_ascii=False), *_strings(value)])


def _log_text(response: httpx2.Response) -> str:
    assert response.status_code == 200, response.text
    lines = [json.loads(line) for line in response.text.splitlines() if line]
    return "\n".join(line["result"]["content"] for line in lines if "result" in line)


def served(client: httpx2.Client, app: str, user: str = "viewer") -> dict[str, str]:
    """Endpoint (with its parameters) -> the text it served. Every call must succeed."""
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    base = f"/api/v1/applications/{app}"
    out: dict[str, str] = {}

    def get(path: str, **params: Any) -> Any:
        response = client.get(path, headers=headers, params=params)
        assert response.status_code == 200, f"{path} {params}: {response.status_code} {response.text}"
        return response.json()

    out["application"] = _text(get(base))
    tree = get(base + "/resource-tree")
    out["resource-tree"] = _text(tree)
    out["managed-resources"] = _text(get(base + "/managed-resources"))
    out["events"] = _text(get(base + "/events"))
    out["applicationsets"] = _text(get("/api/v1/applicationsets"))
    for node in tree["nodes"]:
        key = f"{node['kind']}/{node['name']}"
        ref = {
            "namespace": node["namespace"],
            "resourceName": node["name"],
            "version": node["version"],
            "group": node.get("group", ""),
            "kind": node["kind"],
        }
        manifest = get(base + "/resource", **ref)
        out[f"resource {key}"] = _text(manifest)
        out[f"events {key}"] = _text(
            get(
                base + "/events",
                resourceUID=node["uid"],
                resourceName=node["name"],
                resourceNamespace=node["namespace"],
            )
        )
        if node["kind"] == "Pod" and "group" not in node:
            spec = json.loads(manifest["manifest"])["spec"]
            for container in [*spec.get("initContainers", []), *spec["containers"]]:
                for previous in ("false", "true"):
                    response = client.get(
                        base + "/logs",
                        headers=headers,
                        params={
                            "podName": node["name"],
                            "container": container["name"],
                            "previous": previous,
                        },
                    )
                    label = f"logs {key} {container['name']}{' previous' if previous == 'true' else ''}"
                    out[label] = _log_text(response)
    return out
