"""Constants and helpers of the write endpoints' tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

from devstack.argocd.world import token_for

Call = Callable[..., httpx2.Response]
INVENTORY = "/api/v1/applications/inventory"
IAT = "2026-01-01T00:00:00Z"  # the demo tokens' issue time
DEPLOYMENT = {
    "namespace": "inventory",
    "resourceName": "inventory-api",
    "version": "v1",
    "group": "apps",
    "kind": "Deployment",
}
APPLICATION = {
    "resourceName": "inventory",
    "version": "v1alpha1",
    "group": "argoproj.io",
    "kind": "Application",
}


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(username)}"}


def error(code: int, message: str) -> dict[str, Any]:
    return {"error": message, "code": code, "message": message}


def events(as_user: Call, app: str = "inventory", **params: str) -> list[dict[str, Any]]:
    return list(as_user("alice", f"/api/v1/applications/{app}/events", params=params).json()["items"])


def manifest(as_user: Call, resource: dict[str, str]) -> dict[str, Any]:
    answer = as_user("alice", f"{INVENTORY}/resource", params=resource).json()
    return dict(json.loads(answer["manifest"]))


def disable_auto_sync(post_as: Call, username: str = "alice") -> None:
    ran = post_as(
        username, f"{INVENTORY}/resource/actions/v2", json={**APPLICATION, "action": "toggle-auto-sync"}
    )
    assert (ran.status_code, ran.json()) == (200, {})
