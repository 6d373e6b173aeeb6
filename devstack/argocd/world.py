"""The demo world: applications, ApplicationSets, their live Kubernetes objects, tree nodes, events, logs,
Git commits and chart versions.

Names are fixed by docs/dev/CONTRACTS.md. Everything is built once at import and never mutated. The parts:
world_model (the App record), world_kube (object builders), world_git (commits, charts, history),
world_apps and world_failures (the applications), world_appsets, world_views (Argo CD's answers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from devstack.argocd import world_git
from devstack.argocd.tokens import DEMO_USERS, SERVICE_USERS, token_for
from devstack.argocd.world_apps import billing, checkout, guestbook, inventory, platform_tools, tenant_portal
from devstack.argocd.world_appsets import AppSet, team_a_previews, team_a_services
from devstack.argocd.world_failures import orders, payments
from devstack.argocd.world_model import ARGOCD_NAMESPACE, CHART_REPO_URL, CLUSTER_URL, REPO_URL, App
from devstack.argocd.world_views import (
    app_events,
    application,
    managed_resources,
    manifest_json,
    node_of,
    pretty,
    resource_events,
    resource_statuses,
    resource_tree,
)

__all__ = [
    "APPS",
    "APPSETS",
    "ARGOCD_NAMESPACE",
    "CHART_REPO_URL",
    "CLUSTER_URL",
    "DEFAULT_WORLD",
    "DEMO_USERS",
    "ENABLED_NAMESPACES",
    "REPO_URL",
    "SERVICE_USERS",
    "App",
    "AppSet",
    "World",
    "app_events",
    "application",
    "find_app",
    "find_appset",
    "managed_resources",
    "manifest_json",
    "node_of",
    "pretty",
    "resource_events",
    "resource_statuses",
    "resource_tree",
    "token_for",
]

APPS: list[App] = [
    billing(),
    checkout(),
    guestbook(),
    inventory(),
    orders(),
    payments(),
    platform_tools(),
    tenant_portal(),
]
ENABLED_NAMESPACES = (ARGOCD_NAMESPACE, "tenants")
APPSETS: list[AppSet] = [
    team_a_previews(),
    team_a_services([a for a in APPS if a.name in ("checkout", "inventory", "payments")]),
]


def find_app(name: str, namespace: str) -> App | None:
    return DEFAULT_WORLD.find_app(name, namespace)


def find_appset(name: str, namespace: str) -> AppSet | None:
    return DEFAULT_WORLD.find_appset(name, namespace)


@dataclass(frozen=True)
class World:
    """What one simulator instance serves: its applications, ApplicationSets and Git commits.

    The default world is shared by every instance; one started with scenarios serves an extended copy
    (`with_extra`), so the module-level lists are never mutated."""

    apps: tuple[App, ...]
    appsets: tuple[AppSet, ...]
    commits: Mapping[str, world_git.Commit]

    def find_app(self, name: str, namespace: str) -> App | None:
        return next((a for a in self.apps if a.name == name and a.namespace == namespace), None)

    def find_appset(self, name: str, namespace: str) -> AppSet | None:
        return next((a for a in self.appsets if a.name == name and a.namespace == namespace), None)

    def find_commit(self, revision: str) -> world_git.Commit | None:
        return world_git.find_commit(revision, self.commits)

    def with_extra(
        self, apps: Iterable[App], appsets: Iterable[AppSet], commits: Iterable[world_git.Commit]
    ) -> World:
        return World(
            (*self.apps, *apps), (*self.appsets, *appsets), {**self.commits, **{c.sha: c for c in commits}}
        )


DEFAULT_WORLD = World(tuple(APPS), tuple(APPSETS), world_git.COMMITS)
