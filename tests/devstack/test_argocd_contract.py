"""Every endpoint's answers, as several users, validate against the definitions in Argo CD's swagger.json.

Where the real server differs from its spec (API-NOTES.md), the schema is relaxed here, not the simulator:
Go's encoding/json writes nil slices, maps and pointers as `null`, and tree nodes carry inline
group/version/kind/namespace/name/uid the spec leaves out (extra properties are allowed anyway).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import jsonschema  # type: ignore[import-untyped]
import pytest

Get = Callable[..., httpx2.Response]
SWAGGER = json.loads((Path(__file__).parent / "swagger.json").read_text(encoding="utf-8"))
USERS = ("admin", "viewer", "alice", "bob")


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.get("type") in ("array", "object") or "$ref" in out:
            if "$ref" in out:
                return {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


DEFINITIONS = _nullable(copy.deepcopy(SWAGGER["definitions"]))
DEFINITIONS["v1Time"]["type"] = ["string", "null"]


def validate(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft4Validator({**schema, "definitions": DEFINITIONS}).validate(instance)


def response_schema(path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
    responses = SWAGGER["paths"][path][method]["responses"]
    return dict(responses.get(status, responses["default"])["schema"])


def nodes(as_user: Get, app: str, query: dict[str, str]) -> list[dict[str, Any]]:
    tree = as_user("viewer", f"/api/v1/applications/{app}/resource-tree", params=query).json()
    return list(tree["nodes"])


def calls(as_user: Get) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(spec path, request path, query) for every read endpoint, over the whole world."""
    yield "/api/v1/applications", "/api/v1/applications", {}
    yield "/api/v1/applications", "/api/v1/applications", {"name": "nothing"}
    yield "/api/v1/session/userinfo", "/api/v1/session/userinfo", {}
    yield (
        "/api/v1/account/can-i/{resource}/{action}/{subresource}",
        "/api/v1/account/can-i/applications/get/team-a/checkout",
        {},
    )
    apps = (
        "guestbook",
        "checkout",
        "inventory",
        "billing",
        "orders",
        "payments",
        "platform-tools",
        "tenant-portal",
    )
    for app in apps:
        q = {"appNamespace": "tenants"} if app == "tenant-portal" else {}
        base = f"/api/v1/applications/{app}"
        yield "/api/v1/applications/{name}", base, q
        yield "/api/v1/applications/{applicationName}/resource-tree", base + "/resource-tree", q
        yield "/api/v1/applications/{applicationName}/managed-resources", base + "/managed-resources", q
        yield "/api/v1/applications/{name}/events", base + "/events", q
        for node in nodes(as_user, app, q)[:6]:
            yield (
                "/api/v1/applications/{name}/resource",
                base + "/resource",
                {
                    **q,
                    "namespace": node["namespace"],
                    "resourceName": node["name"],
                    "kind": node["kind"],
                    "version": node["version"],
                    "group": node.get("group", ""),
                },
            )
            yield (
                "/api/v1/applications/{name}/events",
                base + "/events",
                {
                    **q,
                    "resourceUID": node["uid"],
                    "resourceName": node["name"],
                    "resourceNamespace": node["namespace"],
                },
            )
    metadata = "/api/v1/applications/{name}/revisions/{revision}/metadata"
    chart = "/api/v1/applications/{name}/revisions/{revision}/chartdetails"
    for app, revision in (("checkout", "9f2c1e4b7a0d"), ("guestbook", "HEAD"), ("billing", "2.4.1")):
        yield metadata, f"/api/v1/applications/{app}/revisions/{revision}/metadata", {}
        yield chart, f"/api/v1/applications/{app}/revisions/{revision}/chartdetails", {}
    yield "/api/v1/applicationsets", "/api/v1/applicationsets", {}
    yield "/api/v1/applicationsets", "/api/v1/applicationsets", {"projects": "team-b"}
    for appset in ("team-a-services", "team-a-previews", "nothing"):
        yield "/api/v1/applicationsets/{name}", f"/api/v1/applicationsets/{appset}", {}
    yield "/api/v1/applications/{name}/logs", "/api/v1/applications/checkout/logs", {"tailLines": 5}
    yield "/api/v1/applications/{name}/logs", "/api/v1/applications/platform-tools/logs", {}


@pytest.mark.parametrize("username", USERS)
def test_every_read_endpoint_answers_as_the_swagger_describes(as_user: Get, username: str) -> None:
    checked = 0
    for spec_path, path, query in calls(as_user):
        response = as_user(username, path, params=query)
        if spec_path.endswith("/logs"):
            schema = response_schema(spec_path)
            for line in response.text.splitlines():
                validate(json.loads(line), schema)
        elif response.status_code == 200:
            validate(response.json(), response_schema(spec_path))
        else:
            validate(response.json(), response_schema(spec_path, status="default"))
        checked += 1
    assert checked > 50


def test_login_and_errors_match_the_swagger(client: httpx2.Client) -> None:
    ok = client.post("/api/v1/session", json={"username": "viewer", "password": "viewer-pass"})
    validate(ok.json(), response_schema("/api/v1/session", "post"))
    bad = client.post("/api/v1/session", json={"username": "viewer", "password": "x"})
    validate(bad.json(), response_schema("/api/v1/session", "post", "default"))
    anonymous = client.get("/api/v1/applications")
    validate(anonymous.json(), response_schema("/api/v1/applications", status="default"))
    validate(client.get("/api/v1/session/userinfo").json(), response_schema("/api/v1/session/userinfo"))
