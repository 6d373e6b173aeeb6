"""Argo CD's built-in resource actions (resource_customizations/<group>/<kind>/actions), in Python.

`discover` is each kind's discovery.lua (ResourceAction items, Go omitempty: `disabled` only when true,
no iconClass/displayName when the script sets none; sorted by name, as the UI shows them: Go iterates a
map). `ACTIONS` holds each action.lua: it changes the live object in place and returns the objects it
creates (only CronJob `create-job` creates one). The Application's own action (`toggle-auto-sync`,
Argo CD 3.5+) works on the Application's JSON.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devstack.argocd import kube
from devstack.argocd.kube import JSON

Params = dict[str, str]
Action = Callable[[JSON, Params, datetime], list[JSON]]
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


class ActionError(Exception):
    """The action script raised an error (its message is what Lua's `error` was given)."""


def _item(disabled: Any = False, icon: str = "", display: str = "", params: list[JSON] | None = None) -> JSON:
    out: JSON = {}
    if params:
        out["params"] = params
    if disabled:
        out["disabled"] = True
    if icon:
        out["iconClass"] = icon
    if display:
        out["displayName"] = display
    return out


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _int_or_none(value: Any) -> int | None:
    """Lua's tonumber (integers only here)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")  # os.date("!%Y-%m-%dT%XZ")


# --- discovery ---------------------------------------------------------------------------------------

_REPLICAS = [{"name": "replicas"}]


def _deployment(obj: JSON) -> dict[str, JSON]:
    paused = bool(_get(obj, "spec", "paused"))
    return {
        "restart": _item(icon="fa fa-fw fa-redo"),
        "pause": _item(paused, "fa fa-fw fa-pause-circle"),
        "resume": _item(not paused, "fa fa-fw fa-play-circle"),
        "scale": _item(icon="fa fa-fw fa-plus-circle", params=_REPLICAS),
    }


def _statefulset(obj: JSON) -> dict[str, JSON]:
    return {
        "restart": _item(icon="fa fa-fw fa-redo"),
        "scale": _item(icon="fa fa-fw fa-plus-circle", params=_REPLICAS),
    }


def _daemonset(obj: JSON) -> dict[str, JSON]:
    return {"restart": _item(icon="fa fa-fw fa-redo")}


def _cronjob(obj: JSON) -> dict[str, JSON]:
    actions = {"create-job": _item(icon="fa fa-fw fa-plus", display="Create Job")}
    if _get(obj, "spec", "suspend"):
        actions["resume"] = _item(icon="fa fa-fw fa-play")
    else:
        actions["suspend"] = _item(icon="fa fa-fw fa-pause")
    return actions


def _job_completed(obj: JSON) -> bool:
    done = ("Complete", "Failed", "FailureTarget", "SuccessCriteriaMet")
    return any(
        c.get("type") in done and c.get("status") == "True" for c in _get(obj, "status", "conditions") or []
    )


def _job(obj: JSON) -> dict[str, JSON]:
    if _job_completed(obj):
        return {}
    if _get(obj, "spec", "suspend"):
        actions = {"resume": _item(icon="fa fa-fw fa-play")}
    else:
        actions = {"suspend": _item(icon="fa fa-fw fa-pause")}
    if obj.get("status") is not None:
        actions["terminate"] = _item(icon="fa fa-fw fa-stop")
    return actions


def _rollout(obj: JSON) -> dict[str, JSON]:
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    conditions = status.get("pauseConditions")
    paused = len(conditions) > 0 if conditions is not None else bool(spec.get("paused"))
    fully_promoted = status.get("currentPodHash") == status.get("stableRS")
    aborted = bool(status.get("abort"))
    promote_disabled = True
    if obj.get("status") is not None and not fully_promoted:
        observed = _int_or_none(status.get("observedGeneration"))
        if observed is None or observed > int(_get(obj, "metadata", "generation") or 0):
            promote_disabled = _get(spec, "strategy", "blueGreen") is not None
        else:
            promote_disabled = False
    steps = _get(spec, "strategy", "canary", "steps")
    return {
        "restart": _item(display="Restart Pods"),
        "resume": _item(not paused),
        "abort": _item(fully_promoted or aborted),
        "retry": _item(fully_promoted or not aborted),
        "pause": _item(fully_promoted or aborted or bool(spec.get("paused"))),
        "promote-full": _item(promote_disabled),
        "skip-current-step": _item(steps is None or status.get("currentStepIndex") == len(steps)),
    }


def _application(obj: JSON) -> dict[str, JSON]:
    automated = _get(obj, "spec", "syncPolicy", "automated")
    enabled = isinstance(automated, dict) and automated.get("enabled") in (True, None)
    return {"toggle-auto-sync": _item(display="Disable Auto-Sync" if enabled else "Enable Auto-Sync")}


DISCOVERY: dict[tuple[str, str], Callable[[JSON], dict[str, JSON]]] = {
    ("apps", "Deployment"): _deployment,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("batch", "CronJob"): _cronjob,
    ("batch", "Job"): _job,
    ("argoproj.io", "Rollout"): _rollout,
    ("argoproj.io", "Application"): _application,
}


def discover(obj: JSON) -> list[JSON]:
    """The `actions` of ListResourceActions for a live object ([] for kinds without actions)."""
    script = DISCOVERY.get((kube.group_of(obj.get("apiVersion", "")), obj.get("kind", "")))
    if script is None:
        return []
    return [{"name": name, **item} for name, item in sorted(script(obj).items())]


# --- actions -----------------------------------------------------------------------------------------


def _restart(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    template = obj.setdefault("spec", {}).setdefault("template", {})
    metadata = template.get("metadata") or {}
    template["metadata"] = metadata
    annotations = metadata.get("annotations") or {}
    metadata["annotations"] = annotations
    annotations[RESTARTED_AT] = _stamp(at)
    return []


def _set_spec(key: str, value: Any) -> Action:
    def run(obj: JSON, params: Params, at: datetime) -> list[JSON]:
        spec = obj.setdefault("spec", {})
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
        return []

    return run


def _unsuspend(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    if _get(obj, "spec", "suspend"):
        obj["spec"]["suspend"] = False
    return []


def _scale(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    text = params.get("replicas")
    if text is None:
        raise ActionError("<string>:4: attempt to concatenate a nil value")
    try:
        replicas = int(text.strip())
    except ValueError:
        raise ActionError(f"invalid number: {text}") from None
    obj.setdefault("spec", {})["replicas"] = replicas
    return []


def _create_job(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    """`kubectl create job --from=cronjob/<name>`, declaratively."""
    template = _get(obj, "spec", "jobTemplate") or {}
    meta = obj["metadata"]
    job_meta = copy.deepcopy(template.get("metadata") or {})
    labels = job_meta.get("labels") or {}
    job = kube.make(
        "batch/v1",
        "Job",
        f"{meta['name']}-{at:%y%m%d%H%M}",
        meta["namespace"],
        owner=obj,
        labels=labels,
        manager="argocd-server",
        body={"spec": copy.deepcopy(template.get("spec") or {})},
    )
    job["metadata"]["annotations"] = {
        **(job_meta.get("annotations") or {}),
        "cronjob.kubernetes.io/instantiate": "manual",
    }
    job["metadata"]["creationTimestamp"] = _stamp(at)
    job["status"] = {"active": 1, "startTime": _stamp(at), "ready": 0}
    return [job]


def _terminate(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    status = obj.get("status")
    if status is not None and not _job_completed(obj):
        status.setdefault("conditions", []).append(
            {
                "lastTransitionTime": _stamp(at),
                "message": "Job was terminated explicitly through Argo CD",
                "reason": "ManuallyTerminated",
                "status": "True",
                "type": "FailureTarget",
            }
        )
    return []


def _set_status(key: str, value: Any) -> Action:
    def run(obj: JSON, params: Params, at: datetime) -> list[JSON]:
        status = obj.setdefault("status", {})
        if value is None:
            status.pop(key, None)
        else:
            status[key] = value
        return []

    return run


def _rollout_restart(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    obj.setdefault("spec", {})["restartAt"] = _stamp(at)
    return []


def _rollout_resume(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    status, spec = obj.setdefault("status", {}), obj.setdefault("spec", {})
    if status.get("pauseConditions"):
        status.pop("pauseConditions")
    if spec.get("paused"):
        spec["paused"] = False
    return []


def _promote_full(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    status = obj.get("status")
    if status is not None:
        observed = _int_or_none(status.get("observedGeneration"))
        if observed is None or observed > int(obj["metadata"].get("generation") or 0):
            status.pop("abort", None)
            steps = _get(obj, "spec", "strategy", "canary", "steps")
            if steps is not None:
                status["currentStepIndex"] = len(steps)
        else:
            status["promoteFull"] = True
    return []


def _skip_step(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    status = obj.get("status")
    steps = _get(obj, "spec", "strategy", "canary", "steps")
    if status is not None and steps is not None and int(status.get("currentStepIndex") or 0) < len(steps):
        status.pop("pauseConditions", None)
        status["currentStepIndex"] = int(status.get("currentStepIndex") or 0) + 1
    return []


def _toggle_auto_sync(obj: JSON, params: Params, at: datetime) -> list[JSON]:
    policy = obj.setdefault("spec", {}).get("syncPolicy") or {}
    obj["spec"]["syncPolicy"] = policy
    automated = policy.get("automated")
    if isinstance(automated, dict) and automated.get("enabled") in (True, None):
        automated["enabled"] = False
    elif isinstance(automated, dict):
        automated["enabled"] = True
    else:
        policy["automated"] = {"enabled": True}
    return []


ACTIONS: dict[tuple[str, str], dict[str, Action]] = {
    ("apps", "Deployment"): {
        "pause": _set_spec("paused", True),
        "restart": _restart,
        "resume": _set_spec("paused", None),
        "scale": _scale,
    },
    ("apps", "StatefulSet"): {"restart": _restart, "scale": _scale},
    ("apps", "DaemonSet"): {"restart": _restart},
    ("batch", "CronJob"): {
        "create-job": _create_job,
        "resume": _unsuspend,
        "suspend": _set_spec("suspend", True),
    },
    ("batch", "Job"): {"resume": _unsuspend, "suspend": _set_spec("suspend", True), "terminate": _terminate},
    ("argoproj.io", "Rollout"): {
        "abort": _set_status("abort", True),
        "pause": _set_spec("paused", True),
        "promote-full": _promote_full,
        "restart": _rollout_restart,
        "resume": _rollout_resume,
        "retry": _set_status("abort", None),
        "skip-current-step": _skip_step,
    },
    ("argoproj.io", "Application"): {"toggle-auto-sync": _toggle_auto_sync},
}


def find_action(group: str, kind: str, name: str) -> Action | None:
    """The built-in action.lua of `<group>/<kind>/actions/<name>`, if Argo CD ships one."""
    return ACTIONS.get((group, kind), {}).get(name)
