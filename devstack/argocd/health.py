"""Argo CD's health assessment of live objects, as gitops-engine (pkg/health) and Argo CD's resource
customizations (Lua: batch/CronJob, argoproj.io/Rollout, argoproj.io/AnalysisRun) compute it.

`assess(obj)` answers `(status, message)`, or None for a kind Argo CD has no health check for (ConfigMap,
Secret, ServiceAccount, …: such nodes carry no health). `worst(...)` aggregates as the application
controller does for the Application's own health.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from devstack.argocd.kube import JSON

Health = tuple[str, str]

# gitops-engine healthOrder: most healthy first.
ORDER = ("Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown")


def worst(statuses: Iterable[str], start: str = "Healthy") -> str:
    result = start
    for status in statuses:
        if ORDER.index(status) > ORDER.index(result):
            result = status
    return result


def _get(obj: Any, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


def _condition(obj: JSON, type_: str) -> JSON | None:
    return next(
        (c for c in _get(obj, "status", "conditions", default=[]) or [] if c.get("type") == type_), None
    )


def pod(obj: JSON) -> Health:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    message = status.get("message", "")
    statuses = status.get("containerStatuses") or []
    restart_policy = spec.get("restartPolicy", "Always")
    if restart_policy == "Always":
        messages = []
        for cs in statuses:
            waiting = _get(cs, "state", "waiting")
            reason = (waiting or {}).get("reason", "")
            if waiting is not None and (
                reason.startswith("Err") or reason.endswith("Error") or reason.endswith("BackOff")
            ):
                messages.append(waiting.get("message", ""))
        if messages:
            return "Degraded", ", ".join(messages)
    phase = status.get("phase", "")
    if phase == "Pending":
        return "Progressing", message
    if phase == "Succeeded":
        return "Healthy", message
    if phase == "Failed":
        if message:
            return "Degraded", message
        for cs in [*(status.get("initContainerStatuses") or []), *statuses]:
            terminated = _get(cs, "state", "terminated")
            if terminated is not None:
                if terminated.get("message"):
                    return "Degraded", terminated["message"]
                if terminated.get("reason") == "OOMKilled":
                    return "Degraded", "OOMKilled"
                if terminated.get("exitCode", 0) != 0:
                    return (
                        "Degraded",
                        f'container "{cs["name"]}" failed with exit code {terminated["exitCode"]}',
                    )
        return "Degraded", ""
    if phase == "Running":
        if restart_policy != "Always":
            return "Progressing", message
        ready = _condition(obj, "Ready")
        if ready is not None and ready.get("status") == "True":
            return "Healthy", message
        if any(_get(cs, "lastState", "terminated") is not None for cs in statuses):
            return "Degraded", message
        return "Progressing", message
    return "Unknown", message


def _rolling(detail: str) -> Health:
    """A workload whose rollout is under way."""
    return "Progressing", f"Waiting for rollout to finish: {detail}"


def deployment(obj: JSON) -> Health:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    if spec.get("paused"):
        return "Suspended", "Deployment is paused"
    if obj["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return _rolling("observed deployment generation less than desired generation")
    progressing = _condition(obj, "Progressing")
    replicas = spec.get("replicas", 1)
    updated, total = status.get("updatedReplicas", 0), status.get("replicas", 0)
    available = status.get("availableReplicas", 0)
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        return "Degraded", f'Deployment "{obj["metadata"]["name"]}" exceeded its progress deadline'
    if updated < replicas:
        return _rolling(f"{updated} out of {replicas} new replicas have been updated...")
    if total > updated:
        return _rolling(f"{total - updated} old replicas are pending termination...")
    if available < updated:
        return _rolling(f"{available} of {updated} updated replicas are available...")
    return "Healthy", ""


def replica_set(obj: JSON) -> Health:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    if obj["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return _rolling("observed replica set generation less than desired generation")
    failure = _condition(obj, "ReplicaFailure")
    if failure is not None and failure.get("status") == "True":
        return "Degraded", failure.get("message", "")
    replicas, available = spec.get("replicas", 1), status.get("availableReplicas", 0)
    if available < replicas:
        return _rolling(f"{available} out of {replicas} new replicas are available...")
    return "Healthy", ""


def stateful_set(obj: JSON) -> Health:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    observed = status.get("observedGeneration", 0)
    if observed == 0 or obj["metadata"].get("generation", 0) > observed:
        return "Progressing", "Waiting for statefulset spec update to be observed..."
    replicas, ready = spec.get("replicas", 1), status.get("readyReplicas", 0)
    if ready < replicas:
        return "Progressing", f"Waiting for {replicas - ready} pods to be ready..."
    if status.get("updateRevision") != status.get("currentRevision"):
        updated, revision = status.get("updatedReplicas", 0), status.get("updateRevision", "")
        return (
            "Progressing",
            f"waiting for statefulset rolling update to complete {updated} pods at revision {revision}...",
        )
    current, revision = status.get("currentReplicas", 0), status.get("currentRevision", "")
    return "Healthy", f"statefulset rolling update complete {current} pods at revision {revision}..."


def job(obj: JSON) -> Health:
    failed = complete = suspended = False
    message = fail_message = ""
    for condition in _get(obj, "status", "conditions", default=[]) or []:
        if condition.get("type") == "Failed":
            failed = complete = True
            fail_message = condition.get("message", "")
        elif condition.get("type") == "Complete":
            complete = True
            message = condition.get("message", "")
        elif condition.get("type") == "Suspended":
            complete = True
            message = condition.get("message", "")
            suspended = condition.get("status") == "True"
    if not complete:
        return "Progressing", message
    if failed:
        return "Degraded", fail_message
    if suspended:
        return "Suspended", fail_message
    return "Healthy", message


def cron_job(obj: JSON) -> Health:
    """resource_customizations/batch/CronJob/health.lua (its spelling included)."""
    if _get(obj, "spec", "suspend"):
        return "Suspended", "CronJob is Suspended"
    status = obj.get("status")
    if status is None:
        return "Progressing", "Waiting for CronJob"
    if status.get("lastScheduleTime"):
        if not status.get("lastSuccessfulTime"):
            return "Healthy", "The Cronjob never completed succesfully. It may not be healthy"
        if status.get("active"):
            return "Healthy", "The job is running. Its last execution may not have been successful"
        if status["lastSuccessfulTime"] < status["lastScheduleTime"]:
            return "Degraded", "CronJob has not completed its last execution successfully"
        return "Healthy", "CronJob has completed its last execution successfully"
    return "Healthy", "CronJob has not been scheduled yet"


def pvc(obj: JSON) -> Health:
    phase = _get(obj, "status", "phase", default="")
    return {"Lost": "Degraded", "Pending": "Progressing", "Bound": "Healthy"}.get(phase, "Unknown"), ""


def service(obj: JSON) -> Health:
    if _get(obj, "spec", "type") == "LoadBalancer" and not _get(obj, "status", "loadBalancer", "ingress"):
        return "Progressing", ""
    return "Healthy", ""


def ingress(obj: JSON) -> Health:
    return ("Healthy" if _get(obj, "status", "loadBalancer", "ingress") else "Progressing"), ""


_HPA_DEGRADED = {
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "InvalidSelector"),
}


def hpa(obj: JSON) -> Health:
    for condition in _get(obj, "status", "conditions", default=[]) or []:
        if (condition.get("type"), condition.get("reason")) in _HPA_DEGRADED:
            return "Degraded", condition.get("message", "")
        if condition.get("type") in ("AbleToScale", "ScalingLimited") and condition.get("status") == "True":
            return "Healthy", condition.get("message", "")
    return "Progressing", "Waiting to Autoscale"


def rollout(obj: JSON) -> Health:
    """resource_customizations/argoproj.io/Rollout/health.lua."""
    spec, status = obj.get("spec", {}), obj.get("status")
    if status is None or status.get("observedGeneration") is None:
        return "Progressing", "Waiting for rollout spec update to be observed"
    if str(status["observedGeneration"]) != str(obj["metadata"].get("generation", "")):
        return "Progressing", "Waiting for rollout spec update to be observed"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "InvalidSpec":
            return "Degraded", condition.get("message", "")
        if condition.get("type") == "Progressing" and condition.get("reason") in (
            "RolloutAborted",
            "ProgressDeadlineExceeded",
        ):
            return "Degraded", condition.get("message", "")
    if status.get("pauseConditions") or spec.get("paused"):
        return "Suspended", "Rollout is paused"
    if status.get("currentPodHash") is None:
        return _rolling("status has not been reconciled.")
    desired, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
    if updated < desired:
        return "Progressing", "Waiting for roll out to finish: More replicas need to be updated"
    if status.get("availableReplicas", 0) < updated:
        return "Progressing", "Waiting for roll out to finish: updated replicas are still becoming available"
    stable = status.get("stableRS") or _get(status, "canary", "stableRS", default="")
    if _get(spec, "strategy", "canary") is not None:
        if status.get("replicas", 0) > updated:
            return "Progressing", "Waiting for roll out to finish: old replicas are pending termination"
        if not stable or stable != status["currentPodHash"]:
            return "Progressing", "Waiting for rollout to finish steps"
    return "Healthy", ""


_ANALYSIS = {
    "Pending": ("Progressing", "Analysis run is running"),
    "Running": ("Progressing", "Analysis run is running"),
    "Successful": ("Healthy", "Analysis run completed successfully"),
    "Failed": ("Degraded", "Analysis run failed"),
    "Error": ("Degraded", "Analysis run had an error"),
    "Inconclusive": ("Unknown", "Analysis run was inconclusive"),
}


def analysis_run(obj: JSON) -> Health:
    status = obj.get("status")
    if status is None:
        return "Progressing", "Waiting for analysis run to finish: status has not been reconciled."
    state, default = _ANALYSIS.get(status.get("phase", ""), ("", ""))
    if state in ("Healthy", "Degraded", "Unknown"):
        return state, status.get("message") or default
    return state, default


_CHECKS: dict[tuple[str, str], Callable[[JSON], Health]] = {
    ("", "Pod"): pod,
    ("", "Service"): service,
    ("", "PersistentVolumeClaim"): pvc,
    ("apps", "Deployment"): deployment,
    ("apps", "ReplicaSet"): replica_set,
    ("apps", "StatefulSet"): stateful_set,
    ("batch", "Job"): job,
    ("batch", "CronJob"): cron_job,
    ("networking.k8s.io", "Ingress"): ingress,
    ("autoscaling", "HorizontalPodAutoscaler"): hpa,
    ("argoproj.io", "Rollout"): rollout,
    ("argoproj.io", "AnalysisRun"): analysis_run,
}


def has_check(api_version: str, kind: str) -> bool:
    group = api_version.split("/")[0] if "/" in api_version else ""
    return (group, kind) in _CHECKS


def assess(obj: JSON) -> Health | None:
    api_version = obj["apiVersion"]
    group = api_version.split("/")[0] if "/" in api_version else ""
    check = _CHECKS.get((group, obj["kind"]))
    return check(obj) if check else None
