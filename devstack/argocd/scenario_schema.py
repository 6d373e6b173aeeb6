"""The schema of an evaluation scenario file (eval/scenarios/<id>.yaml); see eval/scenarios/README.md.

Top-level keys are fixed (a harness reads them); `world:` describes the scenario's own small world: the
Application's sync and health story, its Git commits, and its live objects in a compact form the loader
(devstack/argocd/scenarios.py) expands into realistic Kubernetes objects, events and logs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# What a scenario may say it covers (tests check that every tag has at least one scenario).
COVERAGE = (
    "image-pull-wrong-tag",
    "image-pull-private-registry",
    "crashloop-missing-env",
    "crashloop-config-error",
    "oom-killed",
    "readiness-probe",
    "pending-insufficient-cpu",
    "pending-node-selector-taint",
    "pending-unbound-pvc",
    "missing-configmap-volume",
    "missing-secret",
    "service-no-endpoints",
    "ingress-missing-service",
    "hpa-at-max",
    "cronjob-failing",
    "job-backoff-limit",
    "out-of-sync-manual-change",
    "sync-failed-hook",
    "sync-failed-invalid-manifest",
    "sync-failed-admission-webhook",
    "rollout-degraded",
    "appset-generator-error",
)


def seconds(value: Any) -> Any:
    """`90`, `"90s"`, `"5m"`, `"2h"`, `"3d"` → seconds."""
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 45s, 5m, 2h, 3d or a number of seconds)")
        return float(match.group(1)) * _UNITS[match.group(2)]
    return value


Duration = Annotated[float, BeforeValidator(seconds), Field(ge=0)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Open(Model):
    kind: str
    name: str
    group: str = ""  # the API group when the kind alone is ambiguous


class Event(Model):
    """A core/v1 Event about the object it is listed under."""

    reason: str
    message: str
    type: Literal["Normal", "Warning"] = "Normal"
    count: int = Field(1, ge=1)
    last: Duration = 60  # lastTimestamp, seconds (or 5m, 2h) ago
    first: Duration | None = None  # firstTimestamp; default: `last`, or spread back over `count` occurrences
    source: str = "kubelet"  # the reporting component (kubelet, default-scheduler, job-controller, …)


class Terminated(Model):
    exitCode: int = 0
    reason: str = ""  # default: Completed for exit code 0, Error otherwise
    message: str = ""
    signal: int | None = None


class Crash(Model):
    """A restarting container: its last instance ended with `exitCode`/`reason`; the kubelet backs off."""

    exitCode: int = 1
    reason: str = "Error"  # Error, OOMKilled, …
    restarts: int = Field(5, ge=1)
    running: bool = False  # restarted and running again right now (not yet failed), else CrashLoopBackOff
    ranFor: Duration = 4  # how long each instance ran before it ended


class Waiting(Model):
    reason: str
    message: str = ""


class Container(Model):
    """The status of one container (or init container) of a pod; at most one of the states."""

    imagePullError: str | None = None  # the runtime's pull error: ErrImagePull / ImagePullBackOff cycle
    configError: str | None = None  # CreateContainerConfigError with this message (a missing Secret key…)
    crash: Crash | None = None
    notReady: str | None = None  # running, its readiness probe failing with this Unhealthy event message
    terminated: Terminated | None = None  # finished (pods of Jobs; a completed init container)
    waiting: Waiting | None = None  # any other waiting state, as is
    # What `kubectl logs` shows now. A crash-looping container waiting out its back-off shows its last
    # (crashed) instance, with or without --previous; one that `crash.running` again shows the new one.
    logs: list[str] = Field(default_factory=list)
    previousLogs: list[str] | None = None  # `--previous` of a container that crashed and runs again

    @model_validator(mode="after")
    def _previous_needs_a_new_instance(self) -> Container:
        if self.previousLogs is not None and not (self.crash and self.crash.running):
            raise ValueError("previousLogs is for a container that crashed and runs again (crash.running)")
        return self

    @model_validator(mode="after")
    def _one_state(self) -> Container:
        states = [
            k
            for k in ("imagePullError", "configError", "crash", "notReady", "terminated", "waiting")
            if getattr(self, k) is not None
        ]
        if len(states) > 1:
            raise ValueError(f"a container has one state, got {', '.join(states)}")
        return self


class Pod(Model):
    name: str | None = None  # default: generated from the owner (<replicaset>-<5 chars>)
    node: str | None = None  # default: worker-1..3
    age: Duration | None = None  # default: 2 days for a healthy pod, 40 minutes otherwise
    unschedulable: str | None = None  # Pending: PodScheduled False + FailedScheduling with this message
    mountError: str | None = None  # ContainerCreating: FailedMount with this message
    containers: dict[str, Container] = Field(default_factory=dict)  # by container name; others run fine
    events: list[Event] = Field(default_factory=list)
    labels: dict[str, str] | None = None  # replaces the template's labels


class Health(Model):
    status: Literal["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"]
    message: str = ""


class JobRun(Model):
    """One run of a CronJob: a Job and its pods (one per attempt)."""

    pods: list[Pod] = Field(default_factory=list)
    backoffLimit: int | None = None


class Previous(Model):
    """The old ReplicaSet of a Deployment whose rollout is under way (or stuck): its pods still serve.
    Its pod template is the Deployment's with these changes."""

    image: str | None = None  # the first container's image
    containers: list[dict[str, Any]] | None = None  # instead: the old containers (same short form)
    podSpec: dict[str, Any] | None = None  # merged over the template's pod spec (null removes a field)
    pods: int | list[Pod] | None = None  # how many (healthy) pods, or their states; default: replicas


class ManualEdit(Model):
    """Who changed the live object by hand, and when (a managedFields entry)."""

    manager: str = "kubectl-edit"
    ago: Duration = 3600


class Object(Model):
    """A live object of the app's destination namespace. Workload kinds (Deployment, ReplicaSet, Job,
    CronJob) take a pod template in short form and the state of their pods."""

    kind: str
    name: str
    apiVersion: str | None = None  # default by kind (apps/v1, batch/v1, …); required for other kinds
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    age: Duration = 6 * 86400
    owner: str | None = None  # "Kind/name" of another object: then not managed by Argo CD itself
    hook: Literal["PreSync", "Sync", "PostSync", "SyncFail"] | None = None
    hookDeletePolicy: str = "BeforeHookCreation"
    # Git differs from the live object: a JSON merge patch over the live object's desired manifest
    # (lists of named items — containers, env, volumes — merge by name)
    git: dict[str, Any] | None = None
    gitApplied: bool = True  # the last sync applied `git` (the live object was changed since by hand)
    editedBy: ManualEdit | None = None
    extraneous: bool = False  # live but no longer in Git (requires pruning)
    health: Health | None = None  # Argo CD's health of the node; default: computed as Argo CD does
    events: list[Event] = Field(default_factory=list)
    # merged (JSON merge patch) over what the loader builds
    spec: dict[str, Any] | None = None
    status: dict[str, Any] | None = None
    data: dict[str, str] | None = None  # ConfigMap, Secret (plain values; a Secret's are base64-encoded)
    type: str | None = None  # Secret type
    # workloads: the pod template
    image: str | None = None  # one container named after the object
    containers: list[dict[str, Any]] | None = None  # Kubernetes containers; `port: N` is short for ports
    initContainers: list[dict[str, Any]] | None = None
    podSpec: dict[str, Any] | None = None  # merged over the template's pod spec (volumes, nodeSelector…)
    replicas: int | None = None
    pods: list[Pod] | None = None  # the pods (of the newest ReplicaSet); default: `replicas` healthy pods
    previous: Previous | None = None  # Deployment mid-rollout: the old ReplicaSet's image and pods
    progressing: bool = False  # Deployment: its rollout is still within progressDeadlineSeconds
    backoffLimit: int | None = None  # Job (CronJob: its jobTemplate)
    schedule: str | None = None  # CronJob
    jobs: list[JobRun] | None = None  # CronJob: its runs, oldest first, at the schedule's last times
    # Service
    selector: dict[str, str] | None = None
    ports: list[dict[str, Any]] | None = None

    @field_validator("name")
    @classmethod
    def _dns_name(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", value) or len(value) > 253:
            raise ValueError(f"{value!r} is not a valid Kubernetes object name")
        return value

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Object:
        pod_bearing = ("Deployment", "ReplicaSet", "Job", "CronJob", "StatefulSet")
        for key in ("image", "containers", "initContainers", "podSpec", "pods"):
            if getattr(self, key) is not None and self.kind not in pod_bearing:
                raise ValueError(f"`{key}` is for {', '.join(pod_bearing)}, not {self.kind}")
        if self.kind in pod_bearing and (self.image is None) == (self.containers is None):
            raise ValueError(f"a {self.kind} needs exactly one of `image` or `containers`")
        only = {
            "previous": ("Deployment",),
            "progressing": ("Deployment",),
            "backoffLimit": ("Job", "CronJob"),
            "schedule": ("CronJob",),
            "jobs": ("CronJob",),
            "selector": ("Service",),
            "ports": ("Service",),
            "data": ("ConfigMap", "Secret"),
            "type": ("Secret",),
        }
        for key, kinds in only.items():
            value = getattr(self, key)
            if value not in (None, False) and self.kind not in kinds:
                raise ValueError(f"`{key}` is for {', '.join(kinds)}, not {self.kind}")
        if self.kind == "CronJob" and not self.schedule:
            raise ValueError("a CronJob needs `schedule`")
        if self.kind == "CronJob" and self.pods is not None:
            raise ValueError("a CronJob's pods are under `jobs`")
        if self.owner is not None and (self.hook or self.git or self.extraneous):
            raise ValueError("an owned object is not managed: no `hook`, `git` or `extraneous`")
        if self.owner is not None and "/" not in self.owner:
            raise ValueError(f"owner {self.owner!r} must be Kind/name")
        return self


class Result(Model):
    """One syncResult.resources item of the last operation."""

    kind: str
    name: str
    status: Literal["Synced", "SyncFailed", "Pruned", "PruneSkipped"]
    message: str = ""
    hookPhase: str | None = None  # default: Failed for SyncFailed, Running otherwise
    syncPhase: Literal["PreSync", "Sync", "PostSync", "SyncFail"] = "Sync"
    hookType: str | None = None


class Operation(Model):
    """The last sync operation (status.operationState) when it did not succeed."""

    phase: Literal["Failed", "Error", "Running"]
    message: str
    initiatedBy: str = "automated"  # or the username who synced by hand
    started: Duration = 1800
    finished: Duration = 1760
    retryCount: int | None = None
    results: list[Result] = Field(default_factory=list)
    # the operation was to the newest commit, which is therefore not in the history (never deployed)
    newRevision: bool = True


class Commit(Model):
    message: str
    author: str = "Marta Kowalski <marta.kowalski@example.org>"
    age: Duration = 86400
    tags: list[str] = Field(default_factory=list)


class Condition(Model):
    type: str
    message: str
    ago: Duration = 600


class AppSetError(Model):
    reason: str
    message: str
    since: Duration = 3600


class ApplicationSet(Model):
    """The ApplicationSet that generated the scenario's Application (namespace argocd, project eval)."""

    name: str
    generators: list[dict[str, Any]]
    template: dict[str, Any]
    goTemplate: bool = True
    error: AppSetError | None = None  # ErrorOccurred: the controller cannot generate (or update) apps
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _eval_project(cls, value: dict[str, Any]) -> dict[str, Any]:
        if (value.get("spec") or {}).get("project") != "eval":
            raise ValueError("the template's spec.project must be eval")
        return value


class Sync(Model):
    status: Literal["Synced", "OutOfSync", "Unknown"] | None = None  # default: from the objects' drift
    policy: dict[str, Any] | None = None  # spec.syncPolicy; default automated (prune, no selfHeal)
    syncedAgo: Duration = 7200  # when the last successful sync finished
    operation: Operation | None = None


class World(Model):
    namespace: str | None = None  # destination namespace; default: the scenario id
    path: str | None = None  # the source path in the repository; default: scenarios/<id>
    commits: list[Commit] = Field(default_factory=list)  # oldest first; the newest is what HEAD resolves to
    sync: Sync = Field(default_factory=Sync)
    health: Health | None = None  # the Application's health; default: the worst of its resources'
    conditions: list[Condition] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)  # the Application's own, beside the sync's
    objects: list[Object] = Field(default_factory=list)
    missing: list[dict[str, Any]] = Field(default_factory=list)  # Git manifests with no live object
    applicationSet: ApplicationSet | None = None

    @model_validator(mode="after")
    def _unique_objects(self) -> World:
        seen: set[tuple[str, str]] = set()
        for obj in self.objects:
            key = (obj.kind, obj.name)
            if key in seen:
                raise ValueError(f"two objects {obj.kind}/{obj.name}")
            seen.add(key)
        return self


class Scenario(Model):
    id: str
    title: str
    open: Open
    question: str
    decisive: list[str] = Field(min_length=1)
    cause: list[str] = Field(min_length=1)
    notes: str | None = None
    covers: list[str] = Field(default_factory=list)
    world: World

    @field_validator("id")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        if len(value) > 40 or not DNS_LABEL.match(value):
            raise ValueError(f"{value!r} is not a DNS label of at most 40 characters")
        return value

    @field_validator("cause")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"cause {pattern!r} is not a regular expression: {exc}") from None
        return value

    @field_validator("covers")
    @classmethod
    def _known_tags(cls, value: list[str]) -> list[str]:
        unknown = [tag for tag in value if tag not in COVERAGE]
        if unknown:
            raise ValueError(f"unknown coverage tags {unknown}; known: {', '.join(COVERAGE)}")
        return value
