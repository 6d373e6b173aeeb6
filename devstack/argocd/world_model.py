"""The shape of the demo world: the App record every builder fills and every view reads.

Names are fixed by docs/dev/CONTRACTS.md. Everything is built once at import and never mutated: a simulator
instance that writes (sync, rollback, resource actions) changes its own copy (devstack.argocd.state).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devstack.argocd import kube
from devstack.argocd.kube import JSON
from devstack.argocd.logs_data import LogSource

ARGOCD_NAMESPACE = "argocd"
CLUSTER_URL = "https://kubernetes.default.svc"
REPO_URL = "https://github.com/example-org/gitops-demo.git"
CHART_REPO_URL = "https://charts.example.org"
HOOK = "argocd.argoproj.io/hook"
HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
# The sync policy of the Applications the team-a-services ApplicationSet generates (its template's).
TEAM_A_SYNC_POLICY: JSON = {
    "automated": {"prune": False, "selfHeal": False},
    "syncOptions": ["CreateNamespace=true"],
}


@dataclass
class App:
    name: str
    namespace: str
    project: str
    dest_namespace: str
    path: str
    labels: dict[str, str]
    sync_status: str = "Synced"
    health_status: str = "Healthy"
    health_message: str = ""
    # status.sync.revision: what the source resolves to now (a commit, or a chart version).
    revision: str = ""
    chart: str = ""  # a Helm chart of CHART_REPO_URL instead of a Git path
    target_revision: str = "HEAD"
    objects: list[JSON] = field(default_factory=list)
    # uid -> node health / info, and per-object sync state; targets that have no live object yet.
    health: dict[str, JSON] = field(default_factory=dict)
    info: dict[str, list[JSON]] = field(default_factory=dict)
    networking: dict[str, JSON] = field(default_factory=dict)  # uid -> networkingInfo of a Service/Ingress
    out_of_sync: dict[str, JSON] = field(default_factory=dict)  # uid -> the desired manifest that differs
    missing: list[JSON] = field(default_factory=list)
    extraneous: set[str] = field(default_factory=set)  # uids live but no longer in Git (requires pruning)
    hooks: set[str] = field(default_factory=set)  # uids of hook resources: in the tree, not managed
    events: list[JSON] = field(default_factory=list)
    logs: dict[str, LogSource] = field(default_factory=dict)  # pod name -> its logs
    conditions: list[JSON] = field(default_factory=list)
    history: list[JSON] = field(default_factory=list)  # status.history, oldest first
    operation: JSON | None = None  # status.operationState when it is not the default successful sync
    sync_policy: JSON | None = None  # spec.syncPolicy when it is not the default
    owner_appset: str = ""  # the ApplicationSet that generated this Application
    synced_ago: float = 7190  # seconds since the last successful sync finished
    # Written by a simulator instance only (devstack.argocd.state), never in the shared world:
    requested_operation: JSON | None = None  # the Application's `operation` (set until the sync finishes)
    reconciled_at: str = ""  # status.reconciledAt after a refresh (RFC 3339); "" = 45 s ago

    @property
    def uid(self) -> str:
        return kube.uid_for("Application", self.namespace, self.name)

    @property
    def source(self) -> JSON:
        if self.chart:
            return {"repoURL": CHART_REPO_URL, "chart": self.chart, "targetRevision": self.target_revision}
        return {"repoURL": REPO_URL, "path": self.path, "targetRevision": self.target_revision}

    def rbac_name(self) -> str:
        if self.namespace == ARGOCD_NAMESPACE:
            return f"{self.project}/{self.name}"
        return f"{self.project}/{self.namespace}/{self.name}"

    def by_uid(self) -> dict[str, JSON]:
        return {o["metadata"]["uid"]: o for o in self.objects}

    def managed(self) -> list[JSON]:
        """Live objects Argo CD tracks for this app (top-level ones, hooks included)."""
        return [o for o in self.objects if "ownerReferences" not in o["metadata"]]

    def add(
        self, obj: JSON, health: str | None = None, message: str = "", info: list[JSON] | None = None
    ) -> JSON:
        self.objects.append(obj)
        uid = obj["metadata"]["uid"]
        if health:
            self.health[uid] = {"status": health, **({"message": message} if message else {})}
        if info:
            self.info[uid] = info
        return obj
