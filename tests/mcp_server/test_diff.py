"""The field-by-field comparison behind get_diff, and the sync operation as get_application shows it."""

from __future__ import annotations

import copy
from typing import Any

from mcp_server.app_status import format_operation, operation_of
from mcp_server.diff import ABSENT, changes, clean_state, render_value

DEPLOY: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "api",
        "namespace": "shop",
        "resourceVersion": "991",
        "uid": "u-1",
        "generation": 7,
        "managedFields": [{"manager": "kubectl"}],
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"},
    },
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "containers": [
                    {"name": "api", "image": "shop/api:1.4.2", "env": [{"name": "LOG", "value": "info"}]},
                    {"name": "proxy", "image": "envoy:1.30"},
                ]
            }
        },
    },
    "status": {"replicas": 2},
}


def _paths(live: dict[str, Any], desired: dict[str, Any], **kw: bool) -> dict[str, tuple[object, object]]:
    return {
        c.path: (c.live, c.desired)
        for c in changes(clean_state(live) or {}, clean_state(desired) or {}, **kw)
    }


def test_equal_objects_have_no_changes_whatever_their_write_noise_and_status() -> None:
    other = copy.deepcopy(DEPLOY)
    other["metadata"] |= {"resourceVersion": "992", "generation": 8, "managedFields": []}
    other["status"] = {"replicas": 0}
    assert _paths(DEPLOY, other) == {}


def test_a_changed_field_is_named_by_its_path_and_named_list_items_by_their_name() -> None:
    desired = copy.deepcopy(DEPLOY)
    desired["spec"]["replicas"] = 3
    desired["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/api:1.5.0"
    desired["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = "debug"
    assert _paths(DEPLOY, desired) == {
        "spec.replicas": (2, 3),
        "spec.template.spec.containers[api].image": ("shop/api:1.4.2", "shop/api:1.5.0"),
        "spec.template.spec.containers[api].env[LOG].value": ("info", "debug"),
    }


def test_an_inserted_container_is_one_change_not_a_shifted_list() -> None:
    desired = copy.deepcopy(DEPLOY)
    containers = desired["spec"]["template"]["spec"]["containers"]
    containers.insert(0, {"name": "init", "image": "busybox"})
    found = list(changes(clean_state(DEPLOY) or {}, clean_state(desired) or {}))
    assert [(c.path, c.live is ABSENT) for c in found] == [("spec.template.spec.containers[init]", True)]


def test_keys_with_dots_are_quoted_and_a_removed_field_has_no_desired_value() -> None:
    desired = copy.deepcopy(DEPLOY)
    desired["metadata"]["annotations"] = {"example.com/owner": "team-a"}
    paths = _paths(DEPLOY, desired)
    assert paths['metadata.annotations["example.com/owner"]'] == (ABSENT, "team-a")
    assert paths["metadata.annotations.team"] == ("a", ABSENT)


def test_against_a_bare_git_manifest_fields_only_the_live_object_has_are_not_drift() -> None:
    bare = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 3}}
    assert _paths(DEPLOY, bare, subset=True) == {"spec.replicas": (2, 3)}


def test_values_render_as_flow_yaml_quoted_when_yaml_would_misread_them_and_capped() -> None:
    assert render_value("info", 50) == "info"
    assert render_value("3", 50) == '"3"'
    assert render_value("yes", 50) == '"yes"'
    assert render_value(3, 50) == "3"
    assert render_value({"a": [1, "x"]}, 50) == '{"a": [1, "x"]}'
    assert render_value("x" * 5000, 100).endswith("…[4900 more bytes]")
    assert "hunter2" not in render_value("password=hunter2", 100)


def test_a_failed_hook_and_a_rejected_manifest_are_named_with_argo_cds_messages() -> None:
    status = {
        "operationState": {
            "operation": {
                "sync": {"revision": "a" * 40},
                "initiatedBy": {"username": "alice"},
                "retry": {"limit": 2},
            },
            "phase": "Failed",
            "message": "one or more synchronization tasks completed unsuccessfully (retried 2 times).",
            "retryCount": 2,
            "startedAt": "2026-12-01T10:00:00Z",
            "finishedAt": "2026-12-01T10:01:00Z",
            "syncResult": {
                "resources": [
                    {
                        "kind": "Job",
                        "namespace": "pay",
                        "name": "migrate",
                        "hookType": "PreSync",
                        "hookPhase": "Failed",
                        "syncPhase": "PreSync",
                        "message": "Job has reached the specified backoff limit",
                    },
                    {
                        "kind": "Deployment",
                        "namespace": "pay",
                        "name": "api",
                        "status": "SyncFailed",
                        "syncPhase": "Sync",
                        "message": 'Deployment.apps "api" is invalid',
                    },
                    {
                        "kind": "Service",
                        "namespace": "pay",
                        "name": "api",
                        "status": "Synced",
                        "message": "unchanged",
                    },
                    {
                        "kind": "Job",
                        "namespace": "pay",
                        "name": "smoke",
                        "hookType": "PostSync",
                        "hookPhase": "Succeeded",
                    },
                ]
            },
        }
    }
    op = operation_of(status)
    assert op is not None
    assert (op.phase, op.initiated_by, op.retry_count, op.retry_limit, op.results) == (
        "Failed",
        "alice",
        2,
        2,
        4,
    )
    assert [(r.name, r.hook_type, r.hook_phase, r.status) for r in op.failed] == [
        ("migrate", "PreSync", "Failed", ""),
        ("api", "", "", "SyncFailed"),
    ]
    text = "\n".join(format_operation(op))
    assert "Last sync: Failed" in text
    assert "by alice, retried 2 of 2" in text
    assert "PreSync hook Job pay/migrate: Failed: Job has reached the specified backoff limit" in text
    assert 'Deployment pay/api: SyncFailed in Sync: Deployment.apps "api" is invalid' in text


def test_a_long_failed_results_message_is_said_once_and_its_blank_lines_collapsed() -> None:
    denial = (
        'error when creating "/dev/shm/1": admission webhook "validate.kyverno.svc-fail" denied the request: '
        "\n\nresource Deployment/pay/worker was blocked due to the following policies \n\n"
        "require-requests-limits:\n  autogen-validate-resources: '" + "validation error. " * 30 + "'"
    )
    status = {
        "operationState": {
            "operation": {"sync": {"revision": "b" * 40}},
            "phase": "Failed",
            "message": f"one or more objects failed to apply, reason: {denial} (retried 2 times).",
            "startedAt": "2026-12-01T10:00:00Z",
            "syncResult": {
                "resources": [
                    {"kind": "Deployment", "name": "worker", "status": "SyncFailed", "message": denial}
                ]
            },
        }
    }
    op = operation_of(status)
    assert op is not None
    assert op.message == (
        "one or more objects failed to apply, reason: (see Deployment worker below) (retried 2 times)."
    )
    (failed,) = op.failed
    assert len(failed.message) == 500  # capped after the comparison, not before
    assert failed.message.splitlines()[:3] == [
        'error when creating "/dev/shm/1": admission webhook "validate.kyverno.svc-fail" denied the request:',
        "resource Deployment/pay/worker was blocked due to the following policies",
        "require-requests-limits:",
    ]
    text = "\n".join(format_operation(op))
    assert text.count("denied the request") == 1
    assert "\n\n" not in text
