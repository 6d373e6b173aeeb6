"""Pods of a scenario as a cluster shows them: status (phase, conditions, container states), the
kubelet's and scheduler's events with counts and times, container logs (current and previous instance),
Argo CD's health and info of the pod node.

The scenario gives each container's state in short form (schema.Container); this module writes it out
with the very strings Kubernetes uses (kubelet image manager, kuberuntime, scheduler, pod status).
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from devstack.argocd import health
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, ago, make, rfc3339
from devstack.argocd.logs_data import LogSource
from devstack.argocd.world_kube import event
from devstack.argocd.world_model import App

EVENT_TTL = 3600.0  # the API server keeps events an hour: older one-off events are gone
HEALTHY_AGE = 2 * 86400.0
FAILING_AGE = 40 * 60.0


class BuildError(ValueError):
    """The scenario cannot be built as written (the message says where and why)."""


_PLACEHOLDER = re.compile(r"\{\{(\w+)(?::([^}]*))?\}\}")


def fill(text: str, values: dict[str, str], moment: datetime | None = None) -> str:
    """Replaces `{{pod}}`, `{{podIP}}`, `{{node}}`, `{{namespace}}`, `{{startEpoch}}` (when the pod was
    created) and, in log lines, `{{time}}` (RFC 3339 with milliseconds), `{{time:<strftime format>}}`,
    `{{epoch}}`, `{{epoch_ms}}` (the line's own time)."""

    def one(match: re.Match[str]) -> str:
        key, fmt = match.group(1), match.group(2)
        if key in values and fmt is None:
            return values[key]
        if moment is not None and key == "time":
            if fmt:
                return moment.astimezone(UTC).strftime(fmt)
            return (
                moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
            )
        if moment is not None and key in ("epoch", "epoch_ms"):
            return str(int(moment.timestamp() * (1000 if key == "epoch_ms" else 1)))
        raise BuildError(f"unknown placeholder {match.group(0)} in {text!r}")

    return _PLACEHOLDER.sub(one, text)


def go_duration(seconds: float) -> str:
    """Go's time.Duration String() for whole seconds: 10s, 1m20s, 5m0s."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    return f"{whole // 60}m{whole % 60}s"


def crash_backoff(restarts: int) -> float:
    """The kubelet's restart back-off after `restarts` restarts: 10s doubling, capped at 5 minutes."""
    return float(min(10 * 2 ** max(restarts - 1, 0), 300))


def _pull_times(age: float) -> list[float]:
    """Seconds after the pod started at which the kubelet tried to pull (10s back-off doubling to 5m)."""
    times, t, step = [3.0], 3.0, 10.0
    while t + step < age - 5:
        t += step
        times.append(t)
        step = min(step * 2, 300.0)
    return times


@dataclass
class _Instance:
    """What one container looks like in the pod's status, and what comes with it."""

    status: JSON
    started: bool  # has run at least once (for the phase)
    done: bool = False  # terminated (a finished Job pod, a completed init container)
    failed: bool = False  # terminated with a non-zero exit code
    events: list[tuple[str, str, str, int, float, float]] = field(default_factory=list)
    current: list[tuple[float, str]] | None = None  # log lines (seconds ago, text); None: not readable
    previous: list[tuple[float, str]] | None = None
    waiting_log: str = ""  # what the kubelet answers for the current instance instead of lines


def _lines(texts: list[str], end_ago: float, span: float) -> list[tuple[float, str]]:
    """Log lines (seconds ago, text) spread over `span` seconds, the last one just before `end_ago`."""
    step = min(max(span / max(len(texts), 1), 0.01), 30.0)
    start = end_ago + step * len(texts)
    return [(start - i * step, text) for i, text in enumerate(texts)]


def _container_id(*parts: str) -> str:
    return "containerd://" + hashlib.sha256("/".join(parts).encode()).hexdigest()


def _image_id(image: str) -> str:
    repository = image.rsplit(":", 1)[0] if ":" in image.split("/")[-1] else image
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def _terminated(
    exit_code: int, reason: str, started_ago: float, finished_ago: float, cid: str, message: str = ""
) -> JSON:
    out: JSON = {
        "exitCode": exit_code,
        "reason": reason,
        "startedAt": rfc3339(ago(started_ago)),
        "finishedAt": rfc3339(ago(finished_ago)),
        "containerID": cid,
    }
    if message:
        out["message"] = message
    return out


def _instance(
    spec: JSON, state: schema.Container, pod_name: str, pod_uid: str, ns: str, age: float, *, job_pod: bool
) -> _Instance:
    """One container's status, its kubelet events and its logs, from its short-form state."""
    name, image = spec["name"], spec["image"]
    base: JSON = {"name": name, "image": image}
    waiting_prefix = f'container "{name}" in pod "{pod_name}" is waiting to start'
    present = f'Container image "{image}" already present on machine'
    ev: list[tuple[str, str, str, int, float, float]] = []  # reason, message, type, count, first, last

    def never_started(reason: str, message: str, log_reason: str) -> _Instance:
        waiting = {"reason": reason, **({"message": message} if message else {})}
        status = {**base, "imageID": "", "ready": False, "restartCount": 0, "started": False}
        status["state"] = {"waiting": waiting}
        status["lastState"] = {}
        return _Instance(status, False, events=ev, current=[], waiting_log=f"{waiting_prefix}: {log_reason}")

    if state.imagePullError is not None:
        error = state.imagePullError
        pulls = _pull_times(age)
        first, last = age - pulls[0], age - pulls[-1]
        ev += [
            ("Pulling", f'Pulling image "{image}"', "Normal", len(pulls), first, last),
            (
                "Failed",
                f'Failed to pull image "{image}": {error}',
                "Warning",
                len(pulls),
                first - 1,
                last - 1,
            ),
            ("Failed", "Error: ErrImagePull", "Warning", len(pulls), first - 1, last - 1),
        ]
        backoffs = max(1, int((age - 15) / 17))
        ev += [
            ("BackOff", f'Back-off pulling image "{image}"', "Normal", backoffs, first - 13, 12.0),
            ("Failed", "Error: ImagePullBackOff", "Warning", backoffs, first - 13, 12.0),
        ]
        message = f'Back-off pulling image "{image}": ErrImagePull: {error}'
        return never_started("ImagePullBackOff", message, "trying and failing to pull image")
    if state.configError is not None:
        attempts = max(2, int((age - 3) / 13))
        ev += [
            ("Pulled", present, "Normal", attempts, age - 3, 8.0),
            ("Failed", f"Error: {state.configError}", "Warning", attempts, age - 3, 8.0),
        ]
        return never_started("CreateContainerConfigError", state.configError, "CreateContainerConfigError")
    if state.waiting is not None:
        return never_started(state.waiting.reason, state.waiting.message, state.waiting.reason)

    status: JSON = {**base, "imageID": _image_id(image)}
    if state.crash is not None:
        crash = state.crash
        restarts = crash.restarts
        backoff = crash_backoff(restarts)
        # the current instance: running for a few seconds, or waiting out the back-off
        now_started = 6.0 if crash.running else None
        last_finished = (
            (now_started + backoff) if now_started is not None else min(backoff * 0.3 + 5, age - 10)
        )
        last_started = last_finished + crash.ranFor
        cid_last = _container_id(pod_name, name, str(restarts - 1))
        reason = crash.reason or ("Completed" if crash.exitCode == 0 else "Error")
        status["lastState"] = {
            "terminated": _terminated(crash.exitCode, reason, last_started, last_finished, cid_last)
        }
        status["restartCount"] = restarts
        if now_started is not None:
            status.update(
                containerID=_container_id(pod_name, name, str(restarts)),
                ready=False,
                started=True,
                state={"running": {"startedAt": rfc3339(ago(now_started))}},
            )
            last_start_ago = now_started
        else:
            status.update(
                containerID=cid_last,
                ready=False,
                started=False,
                state={
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off {go_duration(backoff)} restarting failed container={name} "
                        f"pod={pod_name}_{ns}({pod_uid})",
                    }
                },
            )
            last_start_ago = last_started
        starts = restarts + 1
        first = age - 4
        ev += [
            ("Pulled", present, "Normal", starts, first, last_start_ago + 1),
            ("Created", f"Created container: {name}", "Normal", starts, first, last_start_ago + 0.5),
            ("Started", f"Started container {name}", "Normal", starts, first - 0.5, last_start_ago),
            (
                "BackOff",
                f"Back-off restarting failed container {name} in pod {pod_name}_{ns}({pod_uid})",
                "Warning",
                max(restarts * 3, int((age - 30) / 11)),
                first - crash.ranFor - 2,
                (now_started + 8.0) if now_started is not None else 15.0,
            ),
        ]
        if now_started is not None:  # a new instance runs: `logs` is its output so far
            current = _lines(state.logs, 1.0, now_started - 1)
            previous = _lines(state.previousLogs or [], last_finished, crash.ranFor)
        else:  # waiting out the back-off: the kubelet shows the last terminated instance either way
            current = previous = _lines(state.logs, last_finished, crash.ranFor)
        return _Instance(status, True, events=ev, current=current, previous=previous)

    cid = _container_id(pod_name, name, "0")
    if state.terminated is not None or (job_pod and state.notReady is None):
        term = state.terminated or schema.Terminated()
        reason = term.reason or ("Completed" if term.exitCode == 0 else "Error")
        ran = min(30.0, max(age - 5, 1))
        finished = age - 3 - ran
        status.update(containerID=cid, ready=False, started=False, restartCount=0, lastState={})
        status["state"] = {
            "terminated": _terminated(term.exitCode, reason, age - 3, finished, cid, term.message)
        }
        ev += _lifecycle(present, name, age)
        return _Instance(
            status,
            True,
            done=True,
            failed=term.exitCode != 0,
            events=ev,
            current=_lines(state.logs, finished, ran),
        )
    started = age - 3
    status.update(
        containerID=cid,
        ready=state.notReady is None,
        started=True,
        restartCount=0,
        state={"running": {"startedAt": rfc3339(ago(started))}},
        lastState={},
    )
    ev += _lifecycle(present, name, age)
    if state.notReady is not None:
        probe = spec.get("readinessProbe") or {}
        period = float(probe.get("periodSeconds", 10))
        delay = float(probe.get("initialDelaySeconds", 0))
        count = max(1, int((started - delay) / period))
        ev.append(("Unhealthy", state.notReady, "Warning", count, started - delay - 1, min(period, 9.0)))
    return _Instance(status, True, events=ev, current=_lines(state.logs, 2.0, min(started, 3600.0)))


def _lifecycle(present: str, name: str, age: float) -> list[tuple[str, str, str, int, float, float]]:
    """Pulled/Created/Started of a container that started once: only while the events are kept."""
    if age > EVENT_TTL:
        return []
    return [
        ("Pulled", present, "Normal", 1, age - 2, age - 2),
        ("Created", f"Created container: {name}", "Normal", 1, age - 2.5, age - 2.5),
        ("Started", f"Started container {name}", "Normal", 1, age - 3, age - 3),
    ]


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
        init_states: list[_Instance] = []
        blocked = model.mountError is not None
        for spec_c in inits:
            name = spec_c["name"]
            if blocked:
                instance = _instance_waiting(spec_c, plan.name, "PodInitializing")
            else:
                default = schema.Container(terminated=schema.Terminated())
                instance = _instance(
                    spec_c, model.containers.get(name, default), plan.name, uid, ns, age, job_pod=True
                )
                if instance.done and not instance.failed:
                    instance.status["ready"] = True
                else:
                    blocked = True
            init_states.append(instance)
        main_states: list[_Instance] = []
        for spec_c in containers:
            name = spec_c["name"]
            if model.mountError is not None:
                instance = _instance_waiting(spec_c, plan.name, "ContainerCreating")
            elif blocked:
                instance = _instance_waiting(spec_c, plan.name, "PodInitializing")
            else:
                instance = _instance(
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
        events.append(_authored(pod, ev, node, values))
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


def _instance_waiting(spec: JSON, pod_name: str, reason: str) -> _Instance:
    status = {
        "name": spec["name"],
        "image": spec["image"],
        "imageID": "",
        "ready": False,
        "restartCount": 0,
        "started": False,
        "state": {"waiting": {"reason": reason}},
        "lastState": {},
    }
    message = f'container "{spec["name"]}" in pod "{pod_name}" is waiting to start: {reason}'
    return _Instance(status, False, current=[], waiting_log=message)


def _authored(
    involved: JSON, ev: schema.Event, host: str = "worker-2", values: dict[str, str] | None = None
) -> JSON:
    """An event the scenario wrote out, about `involved` (pod placeholders filled in for a pod's)."""
    first = ev.first if ev.first is not None else ev.last + (ev.count - 1) * 30
    return event(
        involved,
        ev.reason,
        fill(ev.message, values or {}),
        type_=ev.type,
        count=ev.count,
        first_ago=max(first, ev.last),
        last_ago=ev.last,
        component=ev.source,
        host=host,
        seed=ev.message,
    )


def authored_event(involved: JSON, ev: schema.Event) -> JSON:
    return _authored(involved, ev)
