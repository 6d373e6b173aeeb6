from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

Get = Callable[..., httpx2.Response]
GITHUB_401 = (
    "error listing repos: error listing pull requests for example-org/gitops-demo: "
    "GET https://api.github.com/repos/example-org/gitops-demo/pulls?per_page=100: 401 Bad credentials []"
)


def names(response: httpx2.Response) -> list[str] | None:
    assert response.status_code == 200
    items = response.json()["items"]
    return None if items is None else [item["metadata"]["name"] for item in items]


def conditions(appset: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in appset["status"]["conditions"]}


def test_the_list_is_filtered_by_applicationsets_rbac(as_user: Get) -> None:
    both = ["team-a-previews", "team-a-services"]
    for user in ("alice", "carol", "viewer", "admin", "assistant-service"):
        assert names(as_user(user, "/api/v1/applicationsets")) == both, user
    assert names(as_user("bob", "/api/v1/applicationsets")) is None


def test_the_list_filters_by_projects_selector_and_namespace(as_user: Get) -> None:
    assert names(as_user("viewer", "/api/v1/applicationsets", params={"projects": "team-b"})) is None
    assert names(as_user("viewer", "/api/v1/applicationsets", params={"projects": "team-a"})) == [
        "team-a-previews",
        "team-a-services",
    ]
    selected = as_user("viewer", "/api/v1/applicationsets", params={"selector": "purpose=preview"})
    assert names(selected) == ["team-a-previews"]
    assert names(as_user("viewer", "/api/v1/applicationsets", params={"appsetNamespace": "tenants"})) is None


def test_a_healthy_applicationset_lists_its_applications(as_user: Get) -> None:
    appset = as_user("alice", "/api/v1/applicationsets/team-a-services").json()
    (generator,) = appset["spec"]["generators"]
    assert generator["git"]["directories"][0] == {"path": "apps/*"}
    assert appset["spec"]["template"]["metadata"]["name"] == "{{.path.basename}}"
    assert appset["spec"]["template"]["spec"]["project"] == "team-a"
    assert conditions(appset) == {
        "ErrorOccurred": (
            "False",
            "ApplicationSetUpToDate",
            "All applications have been generated successfully",
        ),
        "ParametersGenerated": (
            "True",
            "ParametersGenerated",
            "Successfully generated parameters for all Applications",
        ),
        "ResourcesUpToDate": (
            "True",
            "ApplicationSetUpToDate",
            "All applications have been generated successfully",
        ),
    }
    resources = {r["name"]: (r["status"], r["health"]["status"]) for r in appset["status"]["resources"]}
    assert resources == {
        "checkout": ("Synced", "Degraded"),
        "inventory": ("OutOfSync", "Healthy"),
        "payments": ("OutOfSync", "Healthy"),
    }
    checkout = as_user("alice", "/api/v1/applications/checkout").json()
    assert checkout["metadata"]["ownerReferences"][0]["name"] == "team-a-services"


def test_a_failing_pull_request_generator_reports_the_github_error(as_user: Get) -> None:
    appset = as_user("viewer", "/api/v1/applicationsets/team-a-previews").json()
    github = appset["spec"]["generators"][0]["pullRequest"]["github"]
    assert github["tokenRef"] == {"secretName": "github-token", "key": "token"}
    assert conditions(appset) == {
        "ErrorOccurred": ("True", "ApplicationGenerationFromParamsError", GITHUB_401),
        "ParametersGenerated": ("False", "ErrorOccurred", GITHUB_401),
        "ResourcesUpToDate": ("False", "ErrorOccurred", GITHUB_401),
    }
    assert appset["status"]["health"] == {"status": "Degraded", "message": GITHUB_401}
    assert "resources" not in appset["status"]


def test_get_answers_403_when_forbidden_and_404_when_missing(as_user: Get) -> None:
    forbidden = as_user("bob", "/api/v1/applicationsets/team-a-services")
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == (
        "permission denied: applicationsets, get, team-a/team-a-services, sub: bob, iat: 2026-01-01T00:00:00Z"
    )
    missing = as_user("bob", "/api/v1/applicationsets/no-such-appset")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": 'error getting ApplicationSet: applicationset.argoproj.io "no-such-appset" not found',
        "code": 5,
        "message": 'error getting ApplicationSet: applicationset.argoproj.io "no-such-appset" not found',
    }
    elsewhere = as_user("viewer", "/api/v1/applicationsets/team-a-services", params={"appsetNamespace": "x"})
    assert (elsewhere.status_code, elsewhere.json()["message"]) == (500, "namespace 'x' is not permitted")


def test_can_i_reflects_the_applicationsets_policy(as_user: Get) -> None:
    path = "/api/v1/account/can-i/applicationsets/get/team-a/team-a-services"
    assert as_user("alice", path).json() == {"value": "yes"}
    assert as_user("bob", path).json() == {"value": "no"}
