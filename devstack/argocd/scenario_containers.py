"""One container of a scenario pod as the kubelet shows it: its status (state, last state, restarts,
image and container IDs), the kubelet's events about it (pulls, back-offs, probes) and its log lines.

The scenario gives each container's state in short form (schema.Container: an image pull error, a config
error, a crash loop, a failed readiness probe, a finished run); this module writes it out with the very
strings Kubernetes uses (kubelet image manager, kuberuntime). The pod around it: scenario_pods.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, ago, rfc3339
from devstack.argocd.scenario_base import EVENT_TTL

# A kubelet event before it is written out: reason, message, type, count, first and last (seconds ago).
KubeletEvent = tuple[str, str, str, int, float, float]


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
class Instance:
    """What one container looks like in the pod's status, and what comes with it."""

    status: JSON
    started: bool  # has run at least once (for the phase)
    done: bool = False  # terminated (a finished Job pod, a completed init container)
    failed: bool = False  # terminated with a non-zero exit code
    events: list[KubeletEvent] = field(default_factory=list)
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


def container_instance(
    spec: JSON, state: schema.Container, pod_name: str, pod_uid: str, ns: str, age: float, *, job_pod: bool
) -> Instance:
    """One container's status, its kubelet events and its logs, from its short-form state."""
    name, image = spec["name"], spec["image"]
    base: JSON = {"name": name, "image": image}
    waiting_prefix = f'container "{name}" in pod "{pod_name}" is waiting to start'
    present = f'Container image "{image}" already present on machine'
    ev: list[KubeletEvent] = []

    def never_started(reason: str, message: str, log_reason: str) -> Instance:
        waiting = {"reason": reason, **({"message": message} if message else {})}
        status = {**base, "imageID": "", "ready": False, "restartCount": 0, "started": False}
        status["state"] = {"waiting": waiting}
        status["lastState"] = {}
        return Instance(status, False, events=ev, current=[], waiting_log=f"{waiting_prefix}: {log_reason}")

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
        return Instance(status, True, events=ev, current=current, previous=previous)

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
        return Instance(
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
    return Instance(status, True, events=ev, current=_lines(state.logs, 2.0, min(started, 3600.0)))


def _lifecycle(present: str, name: str, age: float) -> list[KubeletEvent]:
    """Pulled/Created/Started of a container that started once: only while the events are kept."""
    if age > EVENT_TTL:
        return []
    return [
        ("Pulled", present, "Normal", 1, age - 2, age - 2),
        ("Created", f"Created container: {name}", "Normal", 1, age - 2.5, age - 2.5),
        ("Started", f"Started container {name}", "Normal", 1, age - 3, age - 3),
    ]


def waiting_instance(spec: JSON, pod_name: str, reason: str) -> Instance:
    """A container that has not been created yet: its pod waits for a volume or an init container."""
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
    return Instance(status, False, current=[], waiting_log=message)
