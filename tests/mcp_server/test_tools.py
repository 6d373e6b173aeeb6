"""Every tool, in memory, against the Argo CD simulator."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx2
import psutil
import pytest

from devstack.argocd.world import token_for
from devstack.servers import serve_in_thread
from tests.mcp_server import fake_argocd
from tests.mcp_server.support import connect, error, ok, text

pytestmark = pytest.mark.anyio


async def test_list_applications_shows_every_application_to_admin_in_compact_rows(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("list_applications", {})
    data = ok(result)
    names = {a["name"] for a in data["applications"]}
    assert names == {
        "billing",
        "checkout",
        "guestbook",
        "inventory",
        "orders",
        "payments",
        "platform-tools",
        "tenant-portal",
    }
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
    assert {a["name"] for a in by_project["applications"]} == {
        "checkout",
        "inventory",
        "payments",
        "tenant-portal",
    }
    assert {a["project"] for a in by_selector["applications"]} <= {"team-a"}


async def test_alice_lists_only_the_applications_of_her_project(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        data = ok(await client.call_tool("list_applications", {}))
    assert {a["name"] for a in data["applications"]} == {"checkout", "inventory", "payments", "tenant-portal"}


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
    # get_events of the Deployment: its own events, then its (one) pod's
    assert paths == [
        "/api/v1/applications/checkout/resource-tree",
        "/api/v1/applications/checkout/resource",
        "/api/v1/applications/checkout/events",
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
    assert data["line_count"] > 0
    assert "KeyError" in text(result)
    # the structured content carries the same marking as the text, not the lines a second time
    assert data["untrusted"] in text(result)
    assert "lines" not in data
    assert "untrusted" in text(result)


async def test_get_logs_of_one_pod_respects_tail_lines(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        pods = ok(await client.call_tool("get_resource_tree", {"application": "guestbook", "kind": "Pod"}))
        result = await client.call_tool(
            "get_logs", {"application": "guestbook", "pod": pods["nodes"][0]["name"], "tail_lines": 3}
        )
    assert 0 < ok(result)["line_count"] <= 3


async def test_get_logs_accepts_a_pod_also_named_as_kind_pod_with_the_same_name(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        pods = ok(await client.call_tool("get_resource_tree", {"application": "guestbook", "kind": "Pod"}))
        pod = pods["nodes"][0]["name"]
        result = await client.call_tool(
            "get_logs", {"application": "guestbook", "pod": pod, "kind": "Pod", "name": pod, "tail_lines": 3}
        )
        contradiction = await client.call_tool(
            "get_logs", {"application": "guestbook", "pod": pod, "kind": "Pod", "name": "another-pod"}
        )
    assert ok(result)["target"] == f"Pod/{pod}"
    assert "not both" in error(contradiction)


async def test_a_tail_that_may_have_earlier_lines_says_so_and_a_whole_log_does_not(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        long_log = await client.call_tool(
            "get_logs",
            {"application": "platform-tools", "kind": "Deployment", "name": "log-firehose", "tail_lines": 50},
        )
        whole_log = await client.call_tool(
            "get_logs",
            {"application": "checkout", "kind": "Deployment", "name": "checkout-api", "tail_lines": 500},
        )
    # fewer than 50 when a private key's lines fall in the window: redaction folds them into one
    assert 0 < ok(long_log)["line_count"] <= 50
    assert ok(long_log)["truncated"] is True
    assert "[truncated: the last 50 lines per pod were read; tail_lines (up to" in text(long_log)
    assert 0 < ok(whole_log)["line_count"] < 500
    assert ok(whole_log)["truncated"] is False
    assert "truncated" not in text(whole_log)


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


@pytest.fixture(scope="module")
def fake_argocd_url() -> Iterator[str]:
    with serve_in_thread(fake_argocd.create_app()) as url:
        yield url


async def test_a_log_stream_that_fails_after_some_lines_shows_them_and_the_error(
    fake_argocd_url: str,
) -> None:
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool("get_logs", {"application": "shop", "pod": "web-1"})
    data = ok(result)
    assert data["line_count"] == 1
    assert text(result).endswith("started")
    assert data["truncated"] is True
    assert "container b not found" in text(result)


async def test_a_log_stream_that_fails_before_any_line_is_a_refusal_not_unavailability(
    fake_argocd_url: str,
) -> None:
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool("get_logs", {"application": "shop", "pod": "web-2"})
    message = error(result)
    assert "Argo CD refused the log request: container b not found" in message
    assert "unavailable" not in message


async def test_a_resource_name_in_two_namespaces_is_reported_ambiguous(fake_argocd_url: str) -> None:
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool(
            "get_manifest", {"application": "shop", "kind": "ConfigMap", "name": "settings"}
        )
    message = error(result)
    assert "ambiguous" in message
    assert "namespaces: a, b" in message
    assert "pass namespace" in message


async def test_a_missing_application_with_a_project_is_reported_not_found(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_application", {"application": "nope", "project": "default"})
    message = error(result)
    assert message.startswith("Error executing tool get_application: Not found")
    assert '"nope" not found' in message


async def test_the_permission_hint_does_not_send_the_caller_round_in_circles(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        hidden = error(await client.call_tool("get_application", {"application": "billing"}))
        in_project = error(
            await client.call_tool("get_application", {"application": "billing", "project": "team-b"})
        )
    assert "pass project=<its project>" not in hidden
    assert "list_applications shows every application you may read" in hidden
    assert "a project you can read" in hidden
    assert "you may not read application 'billing' in project 'team-b'" in in_project


async def test_get_events_refuses_a_namespace_without_a_resource(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_events", {"application": "checkout", "namespace": "nonexistent-ns"}
        )
    message = error(result)
    assert "namespace" in message
    assert "needs kind and name" in message


async def test_invalid_arguments_are_one_clean_line_without_echoing_the_input(argocd_url: str) -> None:
    huge = "x" * 100_000
    async with connect(argocd_url) as client:
        events = error(await client.call_tool("get_events", {"application": "checkout", "kind": "Pod"}))
        many = error(
            await client.call_tool(
                "get_logs",
                {"application": "Bad Name!", "pod": "p", "tail_lines": 0, huge: huge, "previous": 3},
            )
        )
    assert events == (
        "Error executing tool get_events: Invalid arguments for get_events: arguments: pass both kind and "
        "name (one resource), or neither (the Application's events)"
    )
    for noise in ("pydantic", "input_value", "input_type", "https://", "validation error"):
        assert noise not in events
        assert noise not in many
    assert many.startswith("Error executing tool get_logs: Invalid arguments for get_logs: application: ")
    assert "tail_lines: Input should be greater than or equal to 1" in many
    assert "previous:" in many
    assert len(many) < 2000


async def test_an_argo_cd_answer_over_the_byte_cap_is_a_tool_error_naming_the_cap(argocd_url: str) -> None:
    async with connect(argocd_url, argocd_max_response_bytes=65536) as client:
        result = await client.call_tool(
            "get_manifest", {"application": "platform-tools", "kind": "ConfigMap", "name": "big-config"}
        )
    message = error(result)
    assert "limit of 65536 bytes" in message
    assert "ARGOCD_MAX_RESPONSE_BYTES" in message


async def test_the_two_mebibyte_config_map_is_shaped_in_bounded_memory(argocd_url: str) -> None:
    process = psutil.Process(os.getpid())
    args = {"application": "platform-tools", "kind": "ConfigMap", "name": "big-config"}
    async with connect(argocd_url) as client:
        ok(await client.call_tool("get_manifest", args))  # warm up: imports, connections, caches
        rss_before = process.memory_info().rss
        for _ in range(5):
            ok(await client.call_tool("get_manifest", args))
        grown = process.memory_info().rss - rss_before
    assert grown < 40 * 1024 * 1024


async def test_list_applications_asks_argo_cd_only_for_the_fields_its_rows_need(argocd_url: str) -> None:
    async with httpx2.AsyncClient(base_url=argocd_url) as argocd, connect(argocd_url) as client:
        (await argocd.delete("/_devstack/requests")).raise_for_status()
        data = ok(await client.call_tool("list_applications", {"project": "team-a"}))
        requests = (await argocd.get("/_devstack/requests")).json()
    fields = parse_qs(requests[-1]["query"])["fields"][0].split(",")
    assert "items.metadata.name" in fields
    assert "items.status" not in fields
    checkout = next(a for a in data["applications"] if a["name"] == "checkout")
    assert checkout["repo"]
    assert checkout["destination"] == "in-cluster/checkout"
