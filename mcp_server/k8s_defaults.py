"""What Kubernetes fills in by default and nobody asks about, left out of manifests a model reads.

Only a field whose value equals the API server's default is dropped, so every choice someone made stays
(an `imagePullPolicy: Always`, a probe's `periodSeconds: 30`). Works in place on a cleaned copy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["drop_defaults"]

_CONTAINER = {"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
_PROBE = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_POD_SPEC = {
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "schedulerName": "default-scheduler",
    "serviceAccountName": "default",
    "serviceAccount": "default",
    "enableServiceLinks": True,
    "priority": 0,
    "preemptionPolicy": "PreemptLowerPriority",
}
# Added to every Pod by the DefaultTolerationSeconds admission plugin.
_DEFAULT_TOLERATIONS = [
    {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
]
_WORKLOAD_SPEC: dict[str, dict[str, Any]] = {
    "Deployment": {"revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
    "StatefulSet": {"revisionHistoryLimit": 10, "podManagementPolicy": "OrderedReady"},
    "DaemonSet": {"revisionHistoryLimit": 10},
    "ReplicaSet": {},
    # completions and parallelism are set to 1 when neither is given; backoffLimit (6) is kept: it is what
    # a failed Job's condition refers to
    "Job": {
        "completions": 1,
        "parallelism": 1,
        "completionMode": "NonIndexed",
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
        "manualSelector": False,
    },
    "CronJob": {
        "concurrencyPolicy": "Allow",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
    },
}
# Labels the Job controller adds to its pod template (and selects its pods by) unless manualSelector is set
_JOB_LABELS = (
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
)
_ROLLING: dict[str, tuple[str, dict[str, Any]]] = {
    "Deployment": ("strategy", {"maxSurge": "25%", "maxUnavailable": "25%"}),
    "StatefulSet": ("updateStrategy", {"partition": 0}),
    "DaemonSet": ("updateStrategy", {"maxSurge": 0, "maxUnavailable": 1}),
}
_SERVICE_SPEC = {
    "type": "ClusterIP",
    "sessionAffinity": "None",
    "ipFamilyPolicy": "SingleStack",
    "ipFamilies": ["IPv4"],
    "internalTrafficPolicy": "Cluster",
}


def _drop(mapping: dict[str, Any], defaults: dict[str, Any]) -> None:
    for key, value in defaults.items():
        if key in mapping and mapping[key] == value:
            del mapping[key]


def _image_pull_default(image: object) -> str:
    """Kubernetes' default pull policy: Always for `:latest` or no tag, else IfNotPresent."""
    name = str(image or "").split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _container(container: dict[str, Any]) -> None:
    _drop(container, _CONTAINER)
    if container.get("imagePullPolicy") == _image_pull_default(container.get("image")):
        del container["imagePullPolicy"]
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            _drop(port, {"protocol": "TCP"})
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(name)
        if isinstance(probe, dict):
            _drop(probe, _PROBE)
            if isinstance(probe.get("httpGet"), dict):
                _drop(probe["httpGet"], {"scheme": "HTTP"})


def _pod_spec(spec: dict[str, Any]) -> None:
    _drop(spec, _POD_SPEC)
    tolerations = spec.get("tolerations")
    if isinstance(tolerations, list):
        kept = [t for t in tolerations if t not in _DEFAULT_TOLERATIONS]
        if kept:
            spec["tolerations"] = kept
        else:
            del spec["tolerations"]
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                _container(container)


def _rolling(spec: dict[str, Any], field: str, defaults: dict[str, Any]) -> None:
    strategy = spec.get(field)
    if not isinstance(strategy, dict) or strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return
    if strategy.get("rollingUpdate", defaults) == defaults:
        strategy.pop("rollingUpdate", None)
    if set(strategy) <= {"type"}:
        del spec[field]


def _job_labels(spec: dict[str, Any]) -> None:
    """A Job's generated selector and the labels it matches: ids the controller wrote, not choices."""
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    meta = template.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    selector = spec.get("selector")
    if isinstance(selector, dict) and set(selector) == {"matchLabels"}:
        match = selector["matchLabels"]
        if isinstance(match, dict) and match and set(match) <= set(_JOB_LABELS):
            del spec["selector"]
    if isinstance(meta, dict) and isinstance(labels, dict):
        for key in _JOB_LABELS:
            labels.pop(key, None)
        if not labels:
            del meta["labels"]
        if not meta:
            del template["metadata"]


def drop_defaults(obj: dict[str, Any]) -> None:
    """Drops the default-valued fields of a Pod, a workload (and its pod template) or a Service."""
    kind, spec = obj.get("kind"), obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind == "Pod":
        _pod_spec(spec)
    elif kind in _WORKLOAD_SPEC:
        if kind == "Job" and not spec.get("manualSelector"):
            _job_labels(spec)
        _drop(spec, _WORKLOAD_SPEC[str(kind)])
        if kind in _ROLLING:
            _rolling(spec, *_ROLLING[str(kind)])
        holder: Any = spec
        if kind == "CronJob":
            job = spec.get("jobTemplate")
            holder = job.get("spec") if isinstance(job, dict) else None
        template = holder.get("template") if isinstance(holder, dict) else None
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            _pod_spec(template["spec"])
    elif kind == "Service":
        _drop(spec, _SERVICE_SPEC)
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                _drop(port, {"protocol": "TCP"})
