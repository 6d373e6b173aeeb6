"""The fixed task set of the tool benchmarks, on the demo world (names from docs/dev/CONTRACTS.md).

Each task says how our MCP server, the raw Argo CD API and the peer `argocd-mcp` answer the same question,
and which facts a model needs from the answer (and which secrets must never reach it).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mcp import Client

from bench.stack import Server, argocd_mcp, argocd_mcp_installed, mcp_client, mcp_server, simulator
from devstack.argocd.world import token_for

ADMIN = "admin"


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class RawCall:
    path: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    ours: Call
    raw: RawCall
    peer: Call | None
    required: tuple[str, ...]
    forbidden: tuple[str, ...] = ()


SECRETS = (
    "hunter2",
    "AKIAIOSFODNN7EXAMPLE",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
)


def _node(tree: Mapping[str, Any], kind: str, name_prefix: str) -> dict[str, Any]:
    for node in tree.get("nodes") or []:
        if node.get("kind") == kind and str(node.get("name", "")).startswith(name_prefix):
            return dict(node)
    raise LookupError(f"no {kind} {name_prefix}* in the resource tree")


def _ref(node: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(node.get(k) or "") for k in ("uid", "version", "group", "kind", "name", "namespace")}


async def build_tasks(argocd: httpx2.AsyncClient) -> dict[str, Task]:
    """Resolves pod names and UIDs from the simulator (an admin-authenticated client), then the tasks."""
    checkout = (await argocd.get("/api/v1/applications/checkout/resource-tree")).raise_for_status().json()
    platform = (
        (await argocd.get("/api/v1/applications/platform-tools/resource-tree")).raise_for_status().json()
    )
    deploy = _node(checkout, "Deployment", "checkout-api")
    pod = _node(checkout, "Pod", "checkout-api")
    firehose = _node(platform, "Pod", "log-firehose")
    big = _node(platform, "ConfigMap", "big-config")
    app_ns = {"applicationName": "checkout", "applicationNamespace": "argocd"}
    tasks = [
        Task(
            "manifest",
            "manifest of Deployment checkout-api",
            Call("get_manifest", {"application": "checkout", "kind": "Deployment", "name": "checkout-api"}),
            RawCall(
                "/api/v1/applications/checkout/resource",
                {
                    "namespace": "checkout",
                    "resourceName": "checkout-api",
                    "version": "v1",
                    "group": "apps",
                    "kind": "Deployment",
                },
            ),
            Call("get_resources", {**app_ns, "resourceRefs": [_ref(deploy)]}),
            required=(
                "checkout-api",
                "ghcr.io/example-org/checkout-api:2.3.1",
                "LOG_LEVEL",
                "REDIS_URL",
                "ProgressDeadlineExceeded",
                "readyReplicas",
            ),
            forbidden=("managedFields", "last-applied-configuration"),
        ),
        Task(
            "events",
            "events of the crash-looping pod",
            Call("get_events", {"application": "checkout", "kind": "Pod", "name": pod["name"]}),
            RawCall(
                "/api/v1/applications/checkout/events",
                {"resourceUID": pod["uid"], "resourceName": pod["name"], "resourceNamespace": "checkout"},
            ),
            Call(
                "get_resource_events",
                {
                    **app_ns,
                    "resourceUID": pod["uid"],
                    "resourceNamespace": "checkout",
                    "resourceName": pod["name"],
                },
            ),
            required=(
                "BackOff",
                "Unhealthy",
                "Readiness probe failed",
                "connection refused",
                "Back-off restarting failed container api",
            ),
        ),
        Task(
            "logs",
            "100 log lines of the crash-looping pod",
            Call(
                "get_logs",
                {"application": "checkout", "pod": pod["name"], "container": "api", "tail_lines": 100},
            ),
            RawCall(
                "/api/v1/applications/checkout/logs",
                {"podName": pod["name"], "container": "api", "tailLines": "100", "follow": "false"},
            ),
            Call("get_application_workload_logs", {**app_ns, "resourceRef": _ref(pod), "container": "api"}),
            required=(
                "Traceback (most recent call last)",
                "KeyError: 'DATABASE_URL'",
                "DATABASE_URL missing",
            ),
        ),
        Task(
            "applications",
            "the application list",
            Call("list_applications", {}),
            RawCall("/api/v1/applications"),
            Call("list_applications", {}),
            required=(
                "billing",
                "checkout",
                "guestbook",
                "inventory",
                "platform-tools",
                "tenant-portal",
                "Degraded",
                "OutOfSync",
                "team-a",
            ),
        ),
        Task(
            "tree",
            "the resource tree of checkout",
            Call("get_resource_tree", {"application": "checkout"}),
            RawCall("/api/v1/applications/checkout/resource-tree"),
            Call("get_application_resource_tree", {"applicationName": "checkout"}),
            required=(
                "checkout-api",
                "ReplicaSet",
                pod["name"],
                "Degraded",
                "CrashLoopBackOff",
                "checkout-config",
            ),
        ),
        Task(
            "big_config",
            "the 2 MiB ConfigMap big-config",
            Call(
                "get_manifest", {"application": "platform-tools", "kind": "ConfigMap", "name": "big-config"}
            ),
            RawCall(
                "/api/v1/applications/platform-tools/resource",
                {
                    "namespace": "platform",
                    "resourceName": "big-config",
                    "version": "v1",
                    "group": "",
                    "kind": "ConfigMap",
                },
            ),
            Call(
                "get_resources",
                {
                    "applicationName": "platform-tools",
                    "applicationNamespace": "argocd",
                    "resourceRefs": [_ref(big)],
                },
            ),
            required=("big-config", "rules-00.yaml", "truncat"),
        ),
        Task(
            "endless_log",
            "the endless log, each server's defaults",
            Call("get_logs", {"application": "platform-tools", "pod": firehose["name"]}),
            RawCall(
                "/api/v1/applications/platform-tools/logs", {"podName": firehose["name"], "follow": "false"}
            ),
            Call(
                "get_application_workload_logs",
                {
                    "applicationName": "platform-tools",
                    "applicationNamespace": "argocd",
                    "resourceRef": _ref(firehose),
                    "container": "log-firehose",
                },
            ),
            required=("queue=ingest", "truncat"),
            forbidden=SECRETS,
        ),
    ]
    tasks += _gitops_tasks()
    return {task.key: task for task in tasks}


def _gitops_tasks() -> list[Task]:
    """Why OutOfSync, why the sync failed, what changed and who, ApplicationSets (issue 15). The facts are
    worded as both servers' outputs carry them (a value, a name, Argo CD's message), not in either format."""
    return [
        Task(
            "diff",
            "why inventory is OutOfSync",
            Call("get_diff", {"application": "inventory"}),
            RawCall("/api/v1/applications/inventory/managed-resources"),
            Call("get_application_managed_resources", {"applicationName": "inventory"}),
            required=(
                "inventory-api:1.4.2",
                "inventory-api:1.5.0",
                "debug",
                "inventory-feature-flags",
                "inventory-legacy-sync",
            ),
            # the drifted Secret's two passwords, plain and base64
            forbidden=("inv-Db-2025-rotated", "inv-Db-2024-initial", "aW52LURi"),
        ),
        Task(
            "diff_one_field",
            "a one-field drift (ConfigMap inventory-settings)",
            Call("get_diff", {"application": "inventory", "kind": "ConfigMap", "name": "inventory-settings"}),
            RawCall(
                "/api/v1/applications/inventory/managed-resources",
                {"kind": "ConfigMap", "name": "inventory-settings"},
            ),
            Call(
                "get_application_managed_resources",
                {"applicationName": "inventory", "kind": "ConfigMap", "name": "inventory-settings"},
            ),
            required=("LOG_LEVEL", "debug", "info"),
        ),
        Task(
            "sync_hook_failed",
            "why the last sync of payments failed (a hook)",
            Call("get_application", {"application": "payments"}),
            RawCall("/api/v1/applications/payments"),
            Call("get_application", {"applicationName": "payments"}),
            required=("payments-db-migrate", "PreSync", "Job has reached the specified backoff limit"),
        ),
        Task(
            "sync_rejected",
            "why the last sync of orders failed (rejected manifest)",
            Call("get_application", {"application": "orders"}),
            RawCall("/api/v1/applications/orders"),
            Call("get_application", {"applicationName": "orders"}),
            required=("orders-api", "must be less than or equal to cpu limit of 1", "retried 2"),
        ),
        Task(
            "history",
            "what changed in checkout's last deploy, and who",
            Call("get_history", {"application": "checkout"}),
            RawCall("/api/v1/applications/checkout"),
            Call("get_application", {"applicationName": "checkout"}),
            required=("Read DATABASE_URL from the checkout-db secret", "Priya Raman", "9f2c1e4b7a0d"),
        ),
        Task(
            "appsets",
            "which ApplicationSet fails, and why",
            Call("list_applicationsets", {}),
            RawCall("/api/v1/applicationsets"),
            None,
            required=("team-a-previews", "401 Bad credentials", "team-a-services"),
        ),
    ]


def result_text(result: Any) -> str:
    """What a model reads from a tool result: its text content (llama-stack passes the text parts on)."""
    parts = [getattr(item, "text", "") for item in result.content]
    return "\n".join(p for p in parts if p)


async def call_tool(client: Client, call: Call) -> tuple[str, bool]:
    result = await client.call_tool(call.tool, call.arguments)
    return result_text(result), bool(result.is_error)


@dataclass
class RawBody:
    size: int
    text: str
    complete: bool


async def read_raw(
    argocd: httpx2.AsyncClient, raw: RawCall, *, max_bytes: int, max_seconds: float
) -> RawBody:
    """Reads a raw API answer up to a byte and time budget (the endless log has no end)."""
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + max_seconds
    async with argocd.stream("GET", raw.path, params=raw.params) as response:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size <= max_bytes:
                chunks.append(chunk)
            if size >= max_bytes or time.monotonic() > deadline:
                return RawBody(size, b"".join(chunks).decode("utf-8", "replace"), complete=False)
    return RawBody(size, b"".join(chunks).decode("utf-8", "replace"), complete=True)


@dataclass
class Contest:
    """The simulator, our MCP server and argocd-mcp (None when not installed), a session to each, a client
    of the simulator as the admin, and the task set: what the tool benchmarks run side by side."""

    sim: Server
    ours: Server
    peer: Server | None
    argocd: httpx2.AsyncClient
    client: Client
    peer_client: Client | None
    tasks: dict[str, Task]
    auth: dict[str, str]


@contextlib.asynccontextmanager
async def contest() -> AsyncIterator[Contest]:
    """Starts and always stops what `Contest` holds; our server is called with the admin's token."""
    token = token_for(ADMIN)
    auth = {"Authorization": f"Bearer {token}"}
    with contextlib.ExitStack() as stack:
        sim = stack.enter_context(simulator())
        ours = stack.enter_context(mcp_server(sim.url))
        peer = stack.enter_context(argocd_mcp(sim.url, token)) if argocd_mcp_installed() else None
        async with contextlib.AsyncExitStack() as astack:
            argocd = await astack.enter_async_context(
                httpx2.AsyncClient(base_url=sim.url, headers=auth, timeout=30)
            )
            tasks = await build_tasks(argocd)
            client = await astack.enter_async_context(mcp_client(ours.url, auth))
            peer_client = await astack.enter_async_context(mcp_client(peer.url)) if peer else None
            yield Contest(sim, ours, peer, argocd, client, peer_client, tasks, auth)
