"""The demo world: applications, ApplicationSets, their live Kubernetes objects, tree nodes, events, logs,
Git commits and chart versions.

Names are fixed by docs/dev/CONTRACTS.md. Everything is built once at import and never mutated. The parts:
world_model (the App record), world_kube (object builders), world_git (commits, charts, history),
world_apps and world_failures (the applications), world_appsets, world_views (Argo CD's answers).
"""

from __future__ import annotations

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
    "DEMO_USERS",
    "ENABLED_NAMESPACES",
    "REPO_URL",
    "SERVICE_USERS",
    "App",
    "AppSet",
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
    return next((a for a in APPS if a.name == name and a.namespace == namespace), None)


def find_appset(name: str, namespace: str) -> AppSet | None:
    return next((a for a in APPSETS if a.name == name and a.namespace == namespace), None)
