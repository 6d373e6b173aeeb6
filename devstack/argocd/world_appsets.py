"""The world's ApplicationSets: one healthy (its Applications are checkout, inventory and payments), one whose
pull request generator fails on GitHub. Conditions as the ApplicationSet controller writes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devstack.argocd import kube
from devstack.argocd.kube import JSON, ago, rfc3339
from devstack.argocd.world_model import ARGOCD_NAMESPACE, CLUSTER_URL, REPO_URL, TEAM_A_SYNC_POLICY, App

UP_TO_DATE = "All applications have been generated successfully"
PARAMS_OK = "Successfully generated parameters for all Applications"
GITHUB_401 = (
    "error listing repos: error listing pull requests for example-org/gitops-demo: "
    "GET https://api.github.com/repos/example-org/gitops-demo/pulls?per_page=100: 401 Bad credentials []"
)


@dataclass(frozen=True)
class AppSet:
    name: str
    namespace: str
    body: JSON  # the whole ApplicationSet as the API answers it

    @property
    def project(self) -> str:
        return str(self.body["spec"]["template"]["spec"]["project"])

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.body["metadata"].get("labels") or {})

    def rbac_name(self) -> str:
        """ApplicationSet.RBACName: `<template project>/<name>`, with the namespace when not Argo CD's own."""
        if self.namespace == ARGOCD_NAMESPACE:
            return f"{self.project}/{self.name}"
        return f"{self.project}/{self.namespace}/{self.name}"


def _condition(type_: str, status: str, reason: str, message: str, since: float) -> JSON:
    return {
        "type": type_,
        "message": message,
        "lastTransitionTime": rfc3339(ago(since)),
        "status": status,
        "reason": reason,
    }


def up_to_date_conditions(since: float, generated_since: float) -> list[JSON]:
    """The conditions of an ApplicationSet whose generators and Applications are fine."""
    return [
        _condition("ErrorOccurred", "False", "ApplicationSetUpToDate", UP_TO_DATE, since),
        _condition("ParametersGenerated", "True", "ParametersGenerated", PARAMS_OK, generated_since),
        _condition("ResourcesUpToDate", "True", "ApplicationSetUpToDate", UP_TO_DATE, since),
    ]


def error_conditions(reason: str, message: str, since: float) -> list[JSON]:
    """The conditions of an ApplicationSet whose generator or template fails with `message`."""
    return [
        _condition("ErrorOccurred", "True", reason, message, since),
        _condition("ParametersGenerated", "False", "ErrorOccurred", message, since),
        _condition("ResourcesUpToDate", "False", "ErrorOccurred", message, since),
    ]


def generated_resources(apps: Iterable[App]) -> list[JSON]:
    """status.resources: the sync and health status of each Application the ApplicationSet generated."""
    return [
        {
            "group": "argoproj.io",
            "version": "v1alpha1",
            "kind": "Application",
            "namespace": app.namespace,
            "name": app.name,
            "status": app.sync_status,
            "health": {"status": app.health_status},
        }
        for app in apps
    ]


def appset_metadata(name: str, age: float, generation: int, labels: dict[str, str]) -> JSON:
    return {
        "name": name,
        "namespace": ARGOCD_NAMESPACE,
        "uid": kube.uid_for("ApplicationSet", ARGOCD_NAMESPACE, name),
        "resourceVersion": str(88000 + generation),
        "generation": generation,
        "creationTimestamp": rfc3339(ago(age)),
        "labels": labels,
    }


def _app_template(name: str, path: str, revision: str, namespace: str, sync_policy: JSON) -> JSON:
    return {
        "metadata": {
            "name": name,
            "labels": {"team": "team-a", "tier": "backend"},
            "annotations": {"notifications.argoproj.io/subscribe.on-sync-failed.slack": "team-a"},
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "team-a",
            "source": {"repoURL": REPO_URL, "targetRevision": revision, "path": path},
            "destination": {"server": CLUSTER_URL, "namespace": namespace},
            "syncPolicy": sync_policy,
        },
    }


def team_a_services(apps: list[App]) -> AppSet:
    """A Git directory generator over apps/* (orders excluded: team-b's); `apps` are the generated ones."""
    resources = generated_resources(sorted(apps, key=lambda a: a.name))
    body: JSON = {
        "metadata": appset_metadata("team-a-services", 45 * 86400, 7, {"team": "team-a"}),
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "git": {
                        "repoURL": REPO_URL,
                        "revision": "HEAD",
                        "directories": [{"path": "apps/*"}, {"path": "apps/orders", "exclude": True}],
                    }
                }
            ],
            "template": _app_template(
                "{{.path.basename}}", "{{.path.path}}", "HEAD", "{{.path.basename}}", dict(TEAM_A_SYNC_POLICY)
            ),
        },
        "status": {
            "conditions": up_to_date_conditions(2050, 45 * 86400),
            "resources": resources,
            "resourcesCount": len(resources),
            "health": {"status": "Healthy", "message": UP_TO_DATE},
        },
    }
    return AppSet("team-a-services", ARGOCD_NAMESPACE, body)


def team_a_previews() -> AppSet:
    """A GitHub pull request generator whose token GitHub no longer accepts: nothing is generated."""
    body: JSON = {
        "metadata": appset_metadata(
            "team-a-previews", 20 * 86400, 3, {"team": "team-a", "purpose": "preview"}
        ),
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "pullRequest": {
                        "github": {
                            "owner": "example-org",
                            "repo": "gitops-demo",
                            "tokenRef": {"secretName": "github-token", "key": "token"},
                            "labels": ["preview"],
                        },
                        "requeueAfterSeconds": 300,
                    }
                }
            ],
            "template": _app_template(
                "checkout-pr-{{.number}}",
                "apps/checkout",
                "{{.head_sha}}",
                "checkout-pr-{{.number}}",
                {"automated": {"prune": True}, "syncOptions": ["CreateNamespace=true"]},
            ),
        },
        "status": {
            "conditions": error_conditions("ApplicationGenerationFromParamsError", GITHUB_401, 5400),
            "health": {"status": "Degraded", "message": GITHUB_401},
        },
    }
    return AppSet("team-a-previews", ARGOCD_NAMESPACE, body)
