"""What a manifest a model reads leaves out: what Kubernetes fills in by default, what a status repeats or
says all is well, what a controller generated; every choice someone made stays."""

from __future__ import annotations

from typing import Any

from mcp_server.shaping import clean_manifest, manifest_to_yaml


def test_fields_kubernetes_fills_in_by_default_are_left_out_and_every_choice_is_kept() -> None:
    container = {
        "name": "api",
        "image": "example/api:1.2",
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "ports": [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}],
        "readinessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10,
        },
        "livenessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 30, "failureThreshold": 3},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api"},
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "spec": {
                    "containers": [
                        container,
                        {"name": "side", "image": "example/side", "imagePullPolicy": "Always"},
                    ],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 60,
                    "dnsPolicy": "ClusterFirst",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                }
            },
        },
    }
    text, _ = manifest_to_yaml(deployment, 10_000)
    for default in (
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
        "strategy",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "IfNotPresent",
        "TCP",
        "scheme",
        "dnsPolicy",
        "schedulerName",
        "securityContext",
        "restartPolicy",
        "periodSeconds: 10",
    ):
        assert default not in text, default
    # what someone chose stays: a non-default grace period, UDP, a 30 s period, Always for an untagged image
    # is the default (left out), and `failureThreshold: 3` is the default too
    assert "terminationGracePeriodSeconds: 60" in text
    assert "UDP" in text
    assert "periodSeconds: 30" in text
    assert "failureThreshold" not in text
    assert "Always" not in text  # untagged image: Always is its default
    tagged = {**container, "imagePullPolicy": "Always"}
    assert (
        "imagePullPolicy: Always"
        in manifest_to_yaml({"kind": "Pod", "spec": {"containers": [tagged]}}, 10_000)[0]
    )


def test_a_jobs_restart_policy_and_a_services_non_default_type_are_kept() -> None:
    job = {"kind": "Job", "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": []}}}}
    assert "restartPolicy: Never" in manifest_to_yaml(job, 10_000)[0]
    service = {
        "kind": "Service",
        "spec": {"type": "NodePort", "sessionAffinity": "None", "ports": [{"port": 80, "protocol": "TCP"}]},
    }
    text, _ = manifest_to_yaml(service, 10_000)
    assert "type: NodePort" in text
    assert "sessionAffinity" not in text
    assert "TCP" not in text


def test_small_collections_of_scalars_are_written_on_one_line() -> None:
    obj = {"kind": "ConfigMap", "metadata": {"labels": {"a": "1", "b": "2"}}, "data": {"long": "x" * 200}}
    text, _ = manifest_to_yaml(obj, 10_000)
    assert "labels: {a: '1', b: '2'}" in text
    assert "long: xxxx" in text  # a long value stays a block entry


def _pod(conditions: list[dict[str, str]], **status: object) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web",
                    "uid": "u-1",
                    "controller": True,
                    "blockOwnerDeletion": True,
                },
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "controller": False},
            ],
        },
        "status": {"phase": "Running", "conditions": conditions, **status},
    }


def _condition(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, str]:
    out = {"type": type_, "status": status, "lastTransitionTime": "2026-12-02T03:00:00Z"}
    return out | ({"reason": reason, "message": message} if reason else {})


def test_a_pods_true_conditions_and_repeated_addresses_and_owner_flags_are_left_out() -> None:
    unready = ("ContainersNotReady", "containers with unready status: [web]")
    pod = _pod(
        [
            _condition("PodScheduled", "True"),
            _condition("Initialized", "True"),
            _condition("Ready", "False", *unready),
            _condition("ContainersReady", "False", *unready),
        ],
        hostIP="10.0.0.1",
        hostIPs=[{"ip": "10.0.0.1"}],
        podIP="10.1.0.7",
        podIPs=[{"ip": "10.1.0.7"}, {"ip": "fd00::7"}],  # dual stack: says more than podIP
    )
    out = clean_manifest(pod)
    status = out["status"]
    assert [c["type"] for c in status["conditions"]] == ["Ready"]
    assert status["conditions"][0]["message"] == unready[1]
    assert "hostIPs" not in status
    assert status["podIPs"] == [{"ip": "10.1.0.7"}, {"ip": "fd00::7"}]
    assert out["metadata"]["ownerReferences"] == [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web"},
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "controller": False},
    ]
    assert pod["status"]["conditions"][0]["type"] == "PodScheduled"  # the input is left as it was


def test_a_containers_ready_that_says_more_than_ready_stays_and_other_kinds_keep_true_conditions() -> None:
    pod = _pod(
        [
            _condition("Ready", "False", "ContainersNotReady", "containers with unready status: [web]"),
            _condition(
                "ContainersReady", "False", "ContainersNotReady", "containers with unready status: [a]"
            ),
        ]
    )
    assert [c["type"] for c in clean_manifest(pod)["status"]["conditions"]] == ["Ready", "ContainersReady"]
    all_true = clean_manifest(_pod([_condition("Ready", "True")]))
    assert all_true["status"] == {"phase": "Running"}
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "status": {"conditions": [_condition("Available", "True", "MinimumReplicasAvailable", "ok")]},
    }
    assert clean_manifest(deploy)["status"]["conditions"][0]["type"] == "Available"


def test_a_jobs_generated_selector_and_labels_and_defaults_go_and_its_backoff_limit_stays() -> None:
    uid = "ea5dcc3d-e9f6-5326-9459-722b90d4ad1b"
    generated = {"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid, "job-name": "reindex"}
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "reindex"},
        "spec": {
            "backoffLimit": 6,
            "completions": 1,
            "parallelism": 1,
            "completionMode": "NonIndexed",
            "suspend": False,
            "podReplacementPolicy": "TerminatingOrFailed",
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}},
            "template": {
                "metadata": {"labels": {**generated, "app": "reindex"}},
                "spec": {"containers": [{"name": "reindex", "image": "search-tools:2.7.0"}]},
            },
        },
        "status": {
            "failed": 4,
            "conditions": [
                _condition("FailureTarget", "True", "BackoffLimitExceeded", "reached the backoff limit")
                | {"lastProbeTime": "2026-12-02T03:00:00Z"},
                _condition("Failed", "True", "BackoffLimitExceeded", "reached the backoff limit")
                | {"lastProbeTime": "2026-12-02T03:00:00Z"},
            ],
        },
    }
    out = clean_manifest(job)
    assert set(out["spec"]) == {"backoffLimit", "template"}
    assert out["spec"]["template"]["metadata"] == {"labels": {"app": "reindex"}}
    assert out["status"]["conditions"] == [
        _condition("Failed", "True", "BackoffLimitExceeded", "reached the backoff limit")
    ]


def test_a_jobs_chosen_selector_and_a_cronjobs_non_default_policies_are_kept() -> None:
    manual = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "x"},
        "spec": {
            "manualSelector": True,
            "selector": {"matchLabels": {"job-name": "x"}},
            "parallelism": 3,
            "template": {"metadata": {"labels": {"job-name": "x"}}, "spec": {"containers": []}},
        },
    }
    assert clean_manifest(manual)["spec"]["selector"] == {"matchLabels": {"job-name": "x"}}
    assert clean_manifest(manual)["spec"]["parallelism"] == 3
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "x"},
        "spec": {
            "concurrencyPolicy": "Forbid",
            "suspend": False,
            "failedJobsHistoryLimit": 1,
            "schedule": "* * * * *",
        },
    }
    assert clean_manifest(cron)["spec"] == {"concurrencyPolicy": "Forbid", "schedule": "* * * * *"}


def test_a_condition_keeps_a_probe_or_update_time_only_when_it_differs_from_the_transition() -> None:
    later = _condition("Progressing", "False", "ProgressDeadlineExceeded", "timed out") | {
        "lastUpdateTime": "2026-12-02T03:05:00Z"
    }
    same = _condition("Available", "True", "MinimumReplicasAvailable", "ok") | {
        "lastUpdateTime": "2026-12-02T03:00:00Z"
    }
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    out = clean_manifest(deploy | {"status": {"conditions": [same, later]}})
    assert "lastUpdateTime" not in out["status"]["conditions"][0]
    assert out["status"]["conditions"][1]["lastUpdateTime"] == "2026-12-02T03:05:00Z"


def test_a_container_status_names_its_image_only_when_the_spec_names_another() -> None:
    pod = _pod(
        [],
        containerStatuses=[
            {"name": "web", "image": "web:1.2.0", "ready": False},
            {"name": "sidecar", "image": "docker.io/library/envoy:1.31", "ready": True},
        ],
    )
    pod["spec"] = {
        "containers": [{"name": "web", "image": "web:1.2.0"}, {"name": "sidecar", "image": "envoy:1.31"}]
    }
    statuses = clean_manifest(pod)["status"]["containerStatuses"]
    assert "image" not in statuses[0]
    assert statuses[1]["image"] == "docker.io/library/envoy:1.31"
