"""What the tools bring out of the evaluation scenarios' worlds (eval/scenarios), read as the user `viewer`:
who changed a drifted field, a pending pod's claim, a webhook's denial said once, a pod's manifest without
what says nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devstack.servers import serve_in_thread
from tests.mcp_server.support import argocd_stub, connect, ok, text

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scenarios_url() -> Iterator[str]:
    from devstack.argocd import SimulatorConfig, create_app

    config = SimulatorConfig(scenarios_dir=str(ROOT / "eval" / "scenarios"))
    with serve_in_thread(create_app(config)) as url:
        yield url


async def _call(url: str, tool: str, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    async with connect(url, "viewer") as client:
        result = await client.call_tool(tool, args)
    return ok(result), text(result)


# -- get_diff: who changed each drifted field ---------------------------------------------------------


async def test_get_diff_names_who_changed_the_drifted_fields_live(scenarios_url: str) -> None:
    data, body = await _call(scenarios_url, "get_diff", {"application": "out-of-sync-manual-change"})
    by_name = {r["name"]: r for r in data["resources"]}
    (rule,) = by_name["pricing-rules"]["fields"]
    (replicas,) = by_name["pricing-api"]["fields"]
    # the Deployment's managedFields hold spec whole (`f:spec: {}`): kubectl owns it, newer than Argo CD
    assert replicas["changed_by"].startswith("kubectl (Update) 20")
    # the ConfigMap's name nothing under data: the newest writer of the object is only likely the one
    assert rule["changed_by"].startswith("likely kubectl-edit (Update) 20")
    lines = body.splitlines()
    (config_line,) = [line for line in lines if line.startswith("ConfigMap pricing/pricing-rules:")]
    assert "1 field differs; likely changed live by kubectl-edit (Update) at 20" in config_line
    (deploy_line,) = [line for line in lines if line.startswith("apps/Deployment pricing/pricing-api:")]
    assert "1 field differs; changed live by kubectl (Update) at 20" in deploy_line
    assert body.count("changed live by") == 2  # once per resource, not per field or hunk


async def test_get_diff_never_names_argo_cd_as_the_writer(scenarios_url: str) -> None:
    data, body = await _call(scenarios_url, "get_diff", {"application": "inventory"})
    rows = [f for r in data["resources"] for f in r["fields"]]
    assert rows
    assert all(f["changed_by"] is None for f in rows)
    assert "changed live by" not in body
    assert "argocd-controller" not in body


def _managed_item(live: dict[str, Any], predicted: dict[str, Any]) -> dict[str, Any]:
    return {
        "group": "apps",
        "kind": "Deployment",
        "namespace": "shop",
        "name": "api",
        "modified": True,
        "liveState": json.dumps(live),
        # normalized: the managedFields are lost
        "normalizedLiveState": json.dumps({**live, "metadata": {"name": "api", "namespace": "shop"}}),
        "predictedLiveState": json.dumps(predicted),
        "targetState": json.dumps(predicted),
    }


def _deployment(replicas: int, image: str, log: str, managers: list[dict[str, Any]]) -> dict[str, Any]:
    container = {"name": "api", "image": image, "env": [{"name": "LOG", "value": log}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop", "managedFields": managers},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [container]}}},
    }


async def test_each_hunk_names_its_writer_when_the_fields_were_changed_by_different_managers() -> None:
    api = 'k:{"name":"api"}'
    managers = [
        {
            "manager": "argocd-controller",
            "operation": "Update",
            "time": "2026-12-01T09:00:00Z",
            "fieldsV1": {
                "f:spec": {
                    "f:replicas": {},
                    "f:template": {"f:spec": {"f:containers": {api: {"f:env": {'k:{"name":"LOG"}': {}}}}}},
                }
            },
        },
        {
            "manager": "kubectl-set",
            "operation": "Update",
            "time": "2026-12-02T02:10:00Z",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {api: {"f:image": {}}}}}}},
        },
        {  # newer, but it names neither field: the deepest match wins, not the newest
            "manager": "hpa-controller",
            "operation": "Update",
            "time": "2026-12-02T03:00:00Z",
            "fieldsV1": {"f:metadata": {"f:annotations": {}}},
        },
        {  # status is never in a diff
            "manager": "kube-controller-manager",
            "operation": "Update",
            "subresource": "status",
            "time": "2026-12-02T04:00:00Z",
            "fieldsV1": {"f:spec": {}},
        },
    ]
    live = _deployment(5, "shop/api:1.5.0-debug", "debug", managers)
    predicted = _deployment(3, "shop/api:1.5.0", "info", [])

    def handler(request: Request) -> Response:
        assert request.url.path.endswith("/managed-resources")
        return JSONResponse({"items": [_managed_item(live, predicted)]})

    with argocd_stub(handler) as url:
        async with connect(url) as client:
            result = await client.call_tool("get_diff", {"application": "shop"})
    data, body = ok(result), text(result)
    rows = {f["path"]: f["changed_by"] for f in data["resources"][0]["fields"]}
    assert rows == {
        "spec.replicas": None,
        "spec.template.spec.containers[api].image": "kubectl-set (Update) 2026-12-02T02:10:00Z",
        "spec.template.spec.containers[api].env[LOG].value": None,
    }
    assert "apps/Deployment shop/api: 3 fields differ\n@@ spec @@\n-replicas: 5" in body
    assert (
        "@@ spec.template.spec.containers[api] @@ "
        "changed live by kubectl-set (Update) at 2026-12-02T02:10:00Z\n"
        "-image: shop/api:1.5.0-debug\n+image: shop/api:1.5.0\n"
        "@@ spec.template.spec.containers[api].env[LOG] @@\n"
    ) in body
    assert "hpa-controller" not in body
    assert "kube-controller-manager" not in body


# -- get_events: a pending pod's claims ---------------------------------------------------------------


def _open_name(scenario: str) -> str:
    data = yaml.safe_load((ROOT / "eval" / "scenarios" / f"{scenario}.yaml").read_text())
    return str(data["open"]["name"])


async def test_a_pods_events_include_the_warnings_of_the_claims_they_mention(scenarios_url: str) -> None:
    pod = _open_name("pending-unbound-pvc")
    args = {"application": "pending-unbound-pvc", "kind": "Pod", "name": pod}
    data, body = await _call(scenarios_url, "get_events", args)
    assert data["claims"] == ["thumbnail-cache"]
    assert data["pods"] == []
    assert "pod has unbound immediate PersistentVolumeClaims" in body
    assert (
        "Warning ProvisioningFailed PersistentVolumeClaim/thumbnail-cache (x184): "
        'storageclass.storage.k8s.io "fast-ssd" not found' in body
    )
    assert body.startswith(
        f"Events of Pod/{pod} with the Warning events of PersistentVolumeClaim thumbnail-cache"
    )
    assert body.count("ProvisioningFailed") == 1


async def test_a_pod_whose_events_mention_no_claim_reads_no_claims(scenarios_url: str) -> None:
    pod = _open_name("image-pull-wrong-tag")
    data, body = await _call(
        scenarios_url, "get_events", {"application": "image-pull-wrong-tag", "kind": "Pod", "name": pod}
    )
    assert data["claims"] == []
    assert "PersistentVolumeClaim" not in body


# -- get_application: a long failed result's message said once ---------------------------------------


async def test_a_long_admission_denial_is_said_once_and_without_blank_lines(scenarios_url: str) -> None:
    data, body = await _call(scenarios_url, "get_application", {"application": "sync-admission-webhook"})
    op = data["operation"]
    assert op["message"] == (
        "one or more objects failed to apply, reason: (see Deployment settlement-worker below) "
        "(retried 2 times)."
    )
    (failed,) = op["failed"]
    assert 'admission webhook "validate.kyverno.svc-fail" denied the request' in failed["message"]
    assert "require-requests-limits" in failed["message"]
    assert len(failed["message"].splitlines()) <= 4
    assert body.count('admission webhook "validate.kyverno.svc-fail" denied the request') == 1
    assert "\n\n" not in body
    assert "(see Deployment settlement-worker below)" in body


# -- get_manifest: a Pod without what says nothing ----------------------------------------------------


async def test_a_pods_manifest_keeps_its_false_conditions_and_drops_what_repeats(scenarios_url: str) -> None:
    pod = _open_name("image-pull-wrong-tag")
    data, body = await _call(
        scenarios_url, "get_manifest", {"application": "image-pull-wrong-tag", "kind": "Pod", "name": pod}
    )
    manifest = yaml.safe_load(data["yaml"])
    status = manifest["status"]
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("Ready", "False", "ContainersNotReady")
    ]
    assert "hostIPs" not in status
    assert "podIPs" not in status
    assert status["hostIP"]
    assert status["podIP"]
    (owner,) = manifest["metadata"]["ownerReferences"]
    assert set(owner) == {"apiVersion", "kind", "name"}
    assert "ImagePullBackOff" in body


async def test_logs_of_a_cronjob_show_its_newest_failed_run_not_every_run(scenarios_url: str) -> None:
    data, body = await _call(
        scenarios_url,
        "get_logs",
        {"application": "cronjob-failing", "kind": "CronJob", "name": "ledger-export"},
    )
    assert len(data["pods"]) == 1
    assert "AccessDenied" in body
    assert "other pods left out" in body
