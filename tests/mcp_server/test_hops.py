"""The tools close the hops they can: a workload's events bring its pods' warnings, logs of a container that
never started say why, and get_application names a failed hook among what needs attention."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from devstack.servers import serve_in_thread
from tests.mcp_server import fake_argocd
from tests.mcp_server.support import connect, ok, text

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake_argocd_url() -> Iterator[str]:
    with serve_in_thread(fake_argocd.create_app()) as url:
        yield url


async def _crash_looping_pod(argocd_url: str) -> str:
    async with connect(argocd_url) as client:
        tree = ok(await client.call_tool("get_resource_tree", {"application": "checkout", "kind": "Pod"}))
    return str(tree["nodes"][0]["name"])


# -- get_events -----------------------------------------------------------------------------------------


async def test_events_of_a_deployment_include_the_backoff_warning_of_its_crash_looping_pod(
    argocd_url: str,
) -> None:
    args = {"application": "checkout", "kind": "Deployment", "name": "checkout-api"}
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_events", args)
    data = ok(result)
    pod = data["pods"][0]
    assert data["pods"] == [pod]
    assert pod.startswith("checkout-api-")
    assert data["pods_left_out"] == 0
    by_object = {(e["object"], e["reason"]) for e in data["events"]}
    assert ("Deployment/checkout-api", "ScalingReplicaSet") in by_object
    assert (f"Pod/{pod}", "BackOff") in by_object
    # only the pod's warnings: its Normal events (Pulled, Started, ...) stay with the pod's own events
    assert all(e["type"] == "Warning" for e in data["events"] if e["object"].startswith("Pod/"))
    stamps = [e["last_seen"] for e in data["events"]]
    assert stamps == sorted(stamps, reverse=True)
    body = text(result)
    assert f"with the Warning events of its pod {pod}" in body
    assert f"Warning BackOff Pod/{pod} (x388): Back-off restarting failed container api" in body


async def test_events_of_a_service_include_the_warnings_of_the_pods_it_selects(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        data = ok(
            await client.call_tool(
                "get_events", {"application": "checkout", "kind": "Service", "name": "checkout-api"}
            )
        )
    assert len(data["pods"]) == 1
    assert {"BackOff", "Unhealthy"} <= {e["reason"] for e in data["events"]}


async def test_events_of_a_workload_read_at_most_five_pods_at_once_and_say_how_many_were_left_out(
    argocd_url: str,
) -> None:
    args = {"application": "platform-tools", "kind": "DaemonSet", "name": "node-exporter"}
    async with httpx2.AsyncClient(base_url=argocd_url) as argocd, connect(argocd_url) as client:
        (await argocd.delete("/_devstack/requests")).raise_for_status()
        result = await client.call_tool("get_events", args)
        paths = [r["path"] for r in (await argocd.get("/_devstack/requests")).json()]
    data = ok(result)
    assert (len(data["pods"]), data["pods_left_out"]) == (5, 7)
    assert data["truncated"] is True
    assert paths.count("/api/v1/applications/platform-tools/events") == 1 + 5
    assert "[7 more pods not included" in text(result)
    assert ", ".join(data["pods"]) in text(result)


async def test_events_of_a_pod_or_of_the_application_make_one_events_call(argocd_url: str) -> None:
    pod = await _crash_looping_pod(argocd_url)
    async with httpx2.AsyncClient(base_url=argocd_url) as argocd, connect(argocd_url) as client:
        (await argocd.delete("/_devstack/requests")).raise_for_status()
        of_pod = ok(
            await client.call_tool("get_events", {"application": "checkout", "kind": "Pod", "name": pod})
        )
        of_app = ok(await client.call_tool("get_events", {"application": "checkout"}))
        paths = [r["path"] for r in (await argocd.get("/_devstack/requests")).json()]
    assert paths.count("/api/v1/applications/checkout/events") == 2
    assert of_pod["pods"] == of_app["pods"] == []
    assert {e["reason"] for e in of_pod["events"]} >= {"Pulled", "BackOff"}


# -- get_application ------------------------------------------------------------------------------------


async def test_get_application_names_the_failed_hook_job_first_among_what_needs_attention(
    argocd_url: str,
) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_application", {"application": "payments"})
    attention = ok(result)["resources"]["attention"]
    assert attention[0] == (
        "Job payments/payments-db-migrate: PreSync hook Failed in the last sync "
        "(Job has reached the specified backoff limit)"
    )
    needs = text(result).split("Needs attention:\n", 1)[1]
    assert needs.startswith("  Job payments/payments-db-migrate: PreSync hook Failed")


async def test_get_application_marks_a_resource_the_last_sync_failed_to_apply(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        data = ok(await client.call_tool("get_application", {"application": "orders"}))
    assert data["resources"]["attention"][0] == (
        "Deployment orders/orders-api: health Healthy, sync OutOfSync; the last sync: SyncFailed"
    )


# -- get_logs -------------------------------------------------------------------------------------------


async def test_logs_of_a_pod_whose_image_cannot_be_pulled_say_why_it_waits(fake_argocd_url: str) -> None:
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool("get_logs", {"application": "shop", "pod": "web-3"})
    data = ok(result)
    expected = f'web-3/web: ImagePullBackOff: Back-off pulling image "{fake_argocd.IMAGE}": not found'
    assert data["waiting"] == [expected]
    assert data["line_count"] == 0
    assert expected in text(result)
    assert "(no log lines)" in text(result)
    assert "is waiting to start" not in text(result)  # Kubernetes' answer is not shown as a log line


async def test_logs_of_a_pod_refused_in_the_stream_as_waiting_say_why_instead_of_failing(
    fake_argocd_url: str,
) -> None:
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool("get_logs", {"application": "shop", "pod": "web-4"})
    assert ok(result)["waiting"] == ['web-4/web: CreateContainerConfigError: secret "web-env" not found']


async def test_logs_of_a_deployment_whose_pods_never_started_say_why_for_each(fake_argocd_url: str) -> None:
    args = {"application": "shop", "kind": "Deployment", "name": "web"}
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool("get_logs", args)
    data = ok(result)
    assert [w.split(":")[0:2] for w in data["waiting"]] == [
        ["web-3/web", " ImagePullBackOff"],
        ["web-4/web", " CreateContainerConfigError"],
    ]
    assert "Not running (from the pod's status):" in text(result)


async def test_logs_of_a_crash_looping_container_without_lines_yet_are_its_previous_instances(
    fake_argocd_url: str,
) -> None:
    async with connect(fake_argocd_url) as client:
        result = await client.call_tool("get_logs", {"application": "shop", "pod": "worker-1"})
    data = ok(result)
    assert data["previous_instance"] is True
    assert data["line_count"] == 2
    assert data["waiting"] == [
        "worker-1/worker: CrashLoopBackOff (restarted 3 times; last exit: Error, exit code 2): back-off 40s "
        "restarting failed container=worker"
    ]
    body = text(result)
    assert (
        "its current instance has no lines yet: the lines below are its previous (crashed) instance's" in body
    )
    assert body.endswith(fake_argocd.PANIC)


async def test_logs_of_a_pod_with_lines_read_nothing_more(argocd_url: str) -> None:
    pod = await _crash_looping_pod(argocd_url)
    async with httpx2.AsyncClient(base_url=argocd_url) as argocd, connect(argocd_url) as client:
        (await argocd.delete("/_devstack/requests")).raise_for_status()
        data = ok(
            await client.call_tool("get_logs", {"application": "checkout", "pod": pod, "container": "api"})
        )
        paths = [r["path"] for r in (await argocd.get("/_devstack/requests")).json()]
    assert data["line_count"] > 0
    assert data["waiting"] == []
    assert data["previous_instance"] is False
    assert "/api/v1/applications/checkout/resource" not in paths
