"""Every tool, in memory, against the Argo CD simulator."""

from __future__ import annotations

import json

import httpx2
import pytest

from devstack.argocd.world import token_for
from tests.mcp_server.support import connect, error, ok, text

pytestmark = pytest.mark.anyio


async def test_list_applications_shows_every_application_to_admin_in_compact_rows(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("list_applications", {})
    data = ok(result)
    names = {a["name"] for a in data["applications"]}
    assert names == {"billing", "checkout", "guestbook", "inventory", "platform-tools", "tenant-portal"}
    checkout = next(a for a in data["applications"] if a["name"] == "checkout")
    assert (checkout["project"], checkout["sync"], checkout["health"]) == ("team-a", "Synced", "Degraded")
    assert checkout["destination"] == "in-cluster/checkout"
    assert "argocd/checkout | team-a | Synced/Degraded" in text(result)
    naive = httpx2.get(
        f"{argocd_url}/api/v1/applications", headers={"Authorization": f"Bearer {token_for('admin')}"}
    ).content
    assert len(text(result).encode()) * 3 <= len(naive)


async def test_list_applications_filters_by_project_and_selector(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        by_project = ok(await client.call_tool("list_applications", {"project": "team-a"}))
        by_selector = ok(await client.call_tool("list_applications", {"selector": "team=team-a"}))
    assert {a["name"] for a in by_project["applications"]} == {"checkout", "inventory", "tenant-portal"}
    assert {a["project"] for a in by_selector["applications"]} <= {"team-a"}


async def test_alice_lists_only_the_applications_of_her_project(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        data = ok(await client.call_tool("list_applications", {}))
    assert {a["name"] for a in data["applications"]} == {"checkout", "inventory", "tenant-portal"}


async def test_get_application_summarizes_status_history_and_what_needs_attention(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_application", {"application": "checkout"})
    data = ok(result)
    assert data["health"] == "Degraded"
    assert "progress deadline" in data["health_message"]
    assert data["history"][0]["id"] > data["history"][-1]["id"]
    assert any("Deployment checkout/checkout-api" in a for a in data["resources"]["attention"])
    naive = httpx2.get(
        f"{argocd_url}/api/v1/applications/checkout",
        headers={"Authorization": f"Bearer {token_for('admin')}"},
    ).content
    assert len(text(result).encode()) * 3 <= len(naive)


async def test_get_application_finds_an_app_in_another_namespace_with_app_namespace(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        found = await client.call_tool(
            "get_application", {"application": "tenant-portal", "app_namespace": "tenants"}
        )
        hidden = await client.call_tool("get_application", {"application": "tenant-portal"})
    assert ok(found)["app_namespace"] == "tenants"
    message = error(hidden)
    assert "hides which" in message
    assert "app_namespace" in message


async def test_resource_tree_lists_nodes_with_health_and_parent_links(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_resource_tree", {"application": "guestbook"})
        pods = ok(await client.call_tool("get_resource_tree", {"application": "guestbook", "kind": "pod"}))
        degraded = ok(
            await client.call_tool("get_resource_tree", {"application": "checkout", "health": "Degraded"})
        )
    nodes = ok(result)["nodes"]
    assert {"Deployment", "ReplicaSet", "Pod", "Service", "ConfigMap", "Secret"} <= {n["kind"] for n in nodes}
    assert len(pods["nodes"]) == 2
    assert all(n["parent"].startswith("ReplicaSet/") for n in pods["nodes"])
    assert degraded["nodes"]
    assert all(n["health"] == "Degraded" for n in degraded["nodes"])
    naive = httpx2.get(
        f"{argocd_url}/api/v1/applications/guestbook/resource-tree",
        headers={"Authorization": f"Bearer {token_for('admin')}"},
    ).content
    assert len(text(result).encode()) * 3 <= len(naive)


async def test_get_manifest_returns_clean_yaml(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_manifest", {"application": "guestbook", "kind": "Deployment", "name": "guestbook-ui"}
        )
    data = ok(result)
    assert data["group"] == "apps"
    assert "kind: Deployment" in data["yaml"]
    for noise in ("managedFields", "last-applied-configuration", "resourceVersion:", "uid:"):
        assert noise not in text(result)


async def test_secret_values_are_masked_in_manifests(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_manifest", {"application": "guestbook", "kind": "Secret", "name": "guestbook-secret"}
        )
    data = ok(result)
    assert "Secret values masked" in text(result)
    assert "data:" in data["yaml"]
    values = [line.split(":", 1)[1].strip() for line in data["yaml"].splitlines() if line.startswith("  ")]
    data_values = [v for v in values if v and not v.endswith(":")]
    assert data_values
    assert "'********'" in data["yaml"] or "********" in data["yaml"]


async def test_the_two_mebibyte_config_map_is_capped_with_a_note(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_manifest", {"application": "platform-tools", "kind": "ConfigMap", "name": "big-config"}
        )
    data = ok(result)
    assert data["truncated"] is True
    assert len(text(result).encode()) <= 16384
    assert "[truncated: showing" in text(result)


async def test_a_resource_outside_the_application_is_reported_with_what_it_has(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_manifest", {"application": "guestbook", "kind": "Deployment", "name": "checkout-api"}
        )
    message = error(result)
    assert "is not part of application 'guestbook'" in message
    assert "guestbook-ui" in message


async def test_calls_about_one_application_within_seconds_fetch_its_resource_tree_once(
    argocd_url: str,
) -> None:
    args = {"application": "checkout", "kind": "Deployment", "name": "checkout-api"}
    async with httpx2.AsyncClient(base_url=argocd_url) as argocd, connect(argocd_url) as client:
        (await argocd.delete("/_devstack/requests")).raise_for_status()
        ok(await client.call_tool("get_manifest", args))
        ok(await client.call_tool("get_events", args))
        ok(await client.call_tool("get_manifest", args))
        paths = [r["path"] for r in (await argocd.get("/_devstack/requests")).json()]
    assert paths == [
        "/api/v1/applications/checkout/resource-tree",
        "/api/v1/applications/checkout/resource",
        "/api/v1/applications/checkout/events",
        "/api/v1/applications/checkout/resource",
    ]


async def test_get_events_of_the_application_and_of_one_resource(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        app_events = await client.call_tool("get_events", {"application": "checkout"})
        pods = ok(await client.call_tool("get_resource_tree", {"application": "checkout", "kind": "Pod"}))
        pod = pods["nodes"][0]["name"]
        pod_events = await client.call_tool(
            "get_events", {"application": "checkout", "kind": "Pod", "name": pod}
        )
    assert ok(app_events)["object"] == ""
    data = ok(pod_events)
    assert data["object"] == f"Pod/{pod}"
    assert {"BackOff", "Unhealthy"} & {e["reason"] for e in data["events"]}
    stamps = [e["last_seen"] for e in data["events"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_get_logs_of_a_workload_shows_the_crash(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_logs",
            {"application": "checkout", "kind": "Deployment", "name": "checkout-api", "container": "api"},
        )
    data = ok(result)
    assert any("KeyError" in line for line in data["lines"])
    assert "untrusted" in text(result)


async def test_get_logs_of_one_pod_respects_tail_lines(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        pods = ok(await client.call_tool("get_resource_tree", {"application": "guestbook", "kind": "Pod"}))
        result = await client.call_tool(
            "get_logs", {"application": "guestbook", "pod": pods["nodes"][0]["name"], "tail_lines": 3}
        )
    assert 0 < len(ok(result)["lines"]) <= 3


async def test_log_lines_are_redacted(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_logs",
            {
                "application": "platform-tools",
                "kind": "Deployment",
                "name": "log-firehose",
                "tail_lines": 1000,
            },
        )
    body = text(result)
    ok(result)
    for secret in (
        "hunter2",
        "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ):
        assert secret not in body
    assert "REDACTED" in body
    assert len(body.encode()) <= 16384


async def test_too_many_pods_for_logs_suggests_a_pod_name(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_logs", {"application": "platform-tools", "kind": "DaemonSet", "name": "node-exporter"}
        )
    message = error(result)
    assert "Too many pods" in message
    assert "pod=" in message


async def test_alice_cannot_read_billing_nor_its_logs(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        app = await client.call_tool("get_application", {"application": "billing"})
        logs = await client.call_tool(
            "get_logs", {"application": "billing", "kind": "Deployment", "name": "billing"}
        )
    assert "Permission denied or application 'billing' not found" in error(app)
    assert "hides which" in error(logs)


async def test_bob_can_read_billing_but_not_its_logs(argocd_url: str) -> None:
    async with connect(argocd_url, "bob") as client:
        ok(await client.call_tool("get_application", {"application": "billing"}))
        tree = ok(await client.call_tool("get_resource_tree", {"application": "billing", "kind": "Pod"}))
        logs = await client.call_tool("get_logs", {"application": "billing", "pod": tree["nodes"][0]["name"]})
    message = error(logs)
    assert "may read application 'billing' but not its logs" in message


async def test_a_bad_token_gets_an_authentication_error(argocd_url: str) -> None:
    async with connect(argocd_url, None, argocd_token="not-a-valid-token") as client:
        result = await client.call_tool("get_application", {"application": "guestbook"})
    assert "rejected the token" in error(result)
    assert "not-a-valid-token" not in error(result)


async def test_no_token_configured_is_a_clear_authentication_error(argocd_url: str) -> None:
    async with connect(argocd_url, None) as client:
        result = await client.call_tool("list_applications", {})
    assert "ARGOCD_TOKEN" in error(result)


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        (
            "get_logs",
            {"application": "checkout", "pod": "p", "tail_lines": 5000},
            "less than or equal to 1000",
        ),
        ("get_logs", {"application": "checkout"}, "pass pod="),
        ("get_logs", {"application": "checkout", "pod": "p", "kind": "Deployment", "name": "x"}, "not both"),
        ("get_application", {"application": "Bad Name!"}, "application"),
        ("get_application", {"application": "guestbook", "colour": "red"}, "colour"),
        ("get_events", {"application": "checkout", "kind": "Pod"}, "both kind and name"),
        ("get_resource_tree", {"application": "checkout", "health": "Sick"}, "health"),
        ("get_application", {}, "application"),
    ],
)
async def test_invalid_arguments_get_clear_errors(
    argocd_url: str, tool: str, arguments: dict[str, object], expected: str
) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(tool, arguments)
    assert expected in error(result)


async def test_a_server_limit_below_the_schema_maximum_is_enforced(argocd_url: str) -> None:
    async with connect(argocd_url, mcp_max_log_lines=200) as client:
        result = await client.call_tool(
            "get_logs", {"application": "checkout", "pod": "p", "tail_lines": 500}
        )
    assert "at most 200" in error(result)


async def test_structured_content_and_text_agree_on_truncation(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_resource_tree", {"application": "checkout"})
    data = ok(result)
    assert data["truncated"] is False
    assert data["total"] == len(data["nodes"])
    json.dumps(data)  # serializable
