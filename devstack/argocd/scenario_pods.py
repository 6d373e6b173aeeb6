"""Pods of a scenario as a cluster shows them: spec, status (phase, conditions, IPs), the scheduler's and
kubelet's events with counts and times, container logs (current and previous instance), Argo CD's health
and info of the pod node.

Each container's own status, events and log lines come from scenario_containers.py; this module puts them
together into the pod with the very strings Kubernetes uses (scheduler, pod status, kubectl's STATUS).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field

from devstack.argocd import health
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, ago, make, rfc3339
from devstack.argocd.logs_data import LogSource
from devstack.argocd.scenario_base import EVENT_TTL, BuildError, authored_event, fill
from devstack.argocd.scenario_containers import Instance, container_instance, waiting_instance
from devstack.argocd.world_kube import event
from devstack.argocd.world_model import App

HEALTHY_AGE = 2 * 86400.0
FAILING_AGE = 40 * 60.0


@dataclass
class PodPlan:
    """Where a pod comes from: its owner, template, index among its siblings, and defaults."""

    owner: JSON
    name: str
    template: JSON  # {"metadata": {"labels"}, "spec"}
    index: int
    job_pod: bool = False
    extra_labels: dict[str, str] = field(default_factory=dict)
    max_age: float | None = None  # a pod is never older than its owner
    default_age: float | None = None


_STATES = ("imagePullError", "configError", "crash", "notReady", "terminated", "waiting")


def is_failing(model: schema.Pod) -> bool:
    """Whether the pod is in trouble (then, by default, it is young: it came with a recent change)."""
    troubled = any(getattr(c, k) is not None for c in model.containers.values() for k in _STATES)
    return troubled or model.unschedulable is not None or model.mountError is not None


def build_pod(app: App, plan: PodPlan, model: schema.Pod) -> JSON:
    """Adds the pod, its health and info, its events and its logs to `app`; returns the pod."""
    ns = app.dest_namespace
    template_spec = copy.deepcopy(plan.template["spec"])
    containers: list[JSON] = template_spec["containers"]
    inits: list[JSON] = template_spec.get("initContainers") or []
    names = [c["name"] for c in [*inits, *containers]]
    unknown = sorted(set(model.containers) - set(names))
    if unknown:
        raise BuildError(f"pod {plan.name}: no container {unknown[0]!r} (the template has {names})")
    age = model.age or plan.default_age or (FAILING_AGE if is_failing(model) else HEALTHY_AGE)
    if plan.max_age is not None:
        age = min(age, plan.max_age)
    scheduled = model.unschedulable is None
    spread = hashlib.sha256(plan.owner["metadata"]["name"].encode()).digest()[0]  # not all on worker-1
    node = model.node or f"worker-{(plan.index + spread) % 3 + 1}"
    labels = dict(model.labels if model.labels is not None else plan.template["metadata"]["labels"])
    labels.update(plan.extra_labels)
    spec: JSON = {**template_spec, "serviceAccountName": template_spec.get("serviceAccountName", "default")}
    if scheduled:
        spec["nodeName"] = node
    pod = make("v1", "Pod", plan.name, ns, owner=plan.owner, labels=labels, manager="kubelet", age=age)
    pod["spec"] = spec
    uid = pod["metadata"]["uid"]
    digest = hashlib.sha256(plan.name.encode()).digest()
    pod_ip = f"10.244.{digest[0] % 4}.{digest[1] % 250 + 2}"
    values = {
        "pod": plan.name,
        "podIP": pod_ip,
        "node": node,
        "namespace": ns,
        "startEpoch": str(int(ago(age).timestamp())),
    }

    events: list[JSON] = []
    logs = LogSource(init_containers=tuple(c["name"] for c in inits))

    def add_event(
        reason: str, message: str, type_: str, count: int, first: float, last: float, seed: str
    ) -> None:
        first, last = min(first, age), max(min(last, age), 0.0)
        events.append(
            event(
                pod,
                reason,
                fill(message, values),
                type_=type_,
                count=count,
                first_ago=max(first, last),
                last_ago=last,
                component="kubelet",
                host=node,
                seed=seed,
            )
        )

    status: JSON = {"phase": "Pending", "qosClass": _qos(containers)}
    if not scheduled:
        status["conditions"] = [
            _condition("PodScheduled", False, age - 1, "Unschedulable", model.unschedulable or "")
        ]
        events.append(
            event(
                pod,
                "FailedScheduling",
                model.unschedulable or "",
                type_="Warning",
                count=1 + int(age / 300),
                first_ago=age - 1,
                last_ago=min(age - 1, 150.0),
                component="default-scheduler",
            )
        )
        for c in [*inits, *containers]:  # the API server has no node to ask: an empty stream
            logs.current[c["name"]] = []
            logs.previous[c["name"]] = []
    else:
        if age - 1 <= EVENT_TTL:
            events.append(
                event(
                    pod,
                    "Scheduled",
                    f"Successfully assigned {ns}/{plan.name} to {node}",
                    first_ago=age - 1,
                    last_ago=age - 1,
                    component="default-scheduler",
                )
            )
        if model.mountError is not None:
            add_event(
                "FailedMount",
                model.mountError,
                "Warning",
                max(1, int((age - 2) / 122) + 1),
                age - 2,
                50.0,
                "",
            )
        init_states: list[Instance] = []
        blocked = model.mountError is not None
        for spec_c in inits:
            name = spec_c["name"]
            if blocked:
                instance = waiting_instance(spec_c, plan.name, "PodInitializing")
            else:
                default = schema.Container(terminated=schema.Terminated())
                instance = container_instance(
                    spec_c, model.containers.get(name, default), plan.name, uid, ns, age, job_pod=True
                )
                if instance.done and not instance.failed:
                    instance.status["ready"] = True
                else:
                    blocked = True
            init_states.append(instance)
        main_states: list[Instance] = []
        for spec_c in containers:
            name = spec_c["name"]
            if model.mountError is not None:
                instance = waiting_instance(spec_c, plan.name, "ContainerCreating")
            elif blocked:
                instance = waiting_instance(spec_c, plan.name, "PodInitializing")
            else:
                instance = container_instance(
                    spec_c,
                    model.containers.get(name, schema.Container()),
                    plan.name,
                    uid,
                    ns,
                    age,
                    job_pod=plan.job_pod,
                )
            main_states.append(instance)
        for instance in [*init_states, *main_states]:
            cname = instance.status["name"]
            for i, (reason, message, type_, count, first, last) in enumerate(instance.events):
                add_event(reason, message, type_, count, first, last, f"{cname}/{i}")
            logs.current[cname] = [(ago(t), fill(text, values, ago(t))) for t, text in instance.current or []]
            if instance.previous is not None:
                logs.previous[cname] = [(ago(t), fill(text, values, ago(t))) for t, text in instance.previous]
            if instance.waiting_log:
                logs.waiting[cname] = instance.waiting_log
        if init_states:
            status["initContainerStatuses"] = [i.status for i in init_states]
        status["containerStatuses"] = [i.status for i in main_states]
        inits_done = all(i.done and not i.failed for i in init_states)
        all_started = inits_done and all(i.started for i in main_states) and model.mountError is None
        if all_started and all(i.done for i in main_states):
            status["phase"] = "Failed" if any(i.failed for i in main_states) else "Succeeded"
        elif all_started:
            status["phase"] = "Running"
        unready = [i.status["name"] for i in main_states if not i.status.get("ready")]
        incomplete = [i.status["name"] for i in init_states if not (i.done and not i.failed)]
        finished = status["phase"] in ("Failed", "Succeeded")
        ready_reason = {"Failed": "PodFailed", "Succeeded": "PodCompleted"}.get(
            status["phase"], "ContainersNotReady"
        )
        ready_message = "" if finished else f"containers with unready status: [{' '.join(unready)}]"
        since = 20.0 if unready else age - 5
        status["conditions"] = [
            _condition("PodReadyToStartContainers", model.mountError is None and not finished, age - 4),
            _condition(
                "Initialized",
                not incomplete,
                age - 4,
                *(
                    (
                        "ContainersNotInitialized",
                        f"containers with incomplete status: [{' '.join(incomplete)}]",
                    )
                    if incomplete
                    else ()
                ),
            ),
            _condition("Ready", not unready, since, *((ready_reason, ready_message) if unready else ())),
            _condition(
                "ContainersReady", not unready, since, *((ready_reason, ready_message) if unready else ())
            ),
            _condition("PodScheduled", True, age - 1),
        ]
        node_number = node.rsplit("-", 1)[-1]
        status["hostIP"] = f"172.18.0.{int(node_number) + 1 if node_number.isdigit() else 9}"
        status["hostIPs"] = [{"ip": status["hostIP"]}]
        if model.mountError is None:
            status["podIP"] = pod_ip
            status["podIPs"] = [{"ip": pod_ip}]
        status["startTime"] = rfc3339(ago(age - 1))
    pod["status"] = status
    for ev in model.events:
        events.append(authored_event(pod, ev, node, values))
    state, message = health.pod(pod)
    reason, ready, restarts = _status_reason(pod)
    info = [
        {"name": "Status Reason", "value": reason},
        {"name": "Node", "value": spec.get("nodeName", "")},
        {"name": "Containers", "value": f"{ready}/{len(containers)}"},
    ]
    if restarts:
        info.append({"name": "Restart Count", "value": str(restarts)})
    app.add(pod, state, message, info)
    app.events.extend(events)
    app.logs[plan.name] = logs
    return pod


def _qos(containers: list[JSON]) -> str:
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get(k)
        and (r.get("requests") or {}).get(k, (r.get("limits") or {}).get(k)) == (r.get("limits") or {}).get(k)
        for r in resources
        for k in ("cpu", "memory")
    )
    return "Guaranteed" if guaranteed else "Burstable"


def _condition(type_: str, ok: bool, since: float, reason: str = "", message: str = "") -> JSON:
    out: JSON = {"type": type_, "status": "True" if ok else "False", "lastProbeTime": None}
    out["lastTransitionTime"] = rfc3339(ago(since))
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def _status_reason(pod: JSON) -> tuple[str, int, int]:
    """Argo CD's populatePodInfo: the Status Reason, ready containers, restarts (kubectl's logic)."""
    status = pod["status"]
    reason = status.get("reason") or status.get("phase", "")
    restarts = ready = 0
    init_specs = pod["spec"].get("initContainers") or []
    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        terminated, waiting = cs["state"].get("terminated"), cs["state"].get("waiting")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        if terminated:
            reason = (
                "Init:" + terminated["reason"]
                if terminated.get("reason")
                else f"Init:ExitCode:{terminated['exitCode']}"
            )
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(
        c["type"] == "Initialized" and c["status"] == "True" for c in status.get("conditions") or []
    )
    if not initializing or initialized:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            state = cs["state"]
            if state.get("waiting", {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated", {}).get("reason"):
                reason = state["terminated"]["reason"]
            elif "terminated" in state:
                reason = f"ExitCode:{state['terminated']['exitCode']}"
            elif cs.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running"
    return reason, ready, restarts
