from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

Get = Callable[..., httpx2.Response]
CHECKOUT_HEAD = "9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f708192a3b4"


def history(as_user: Get, app: str) -> list[dict[str, Any]]:
    return list(as_user("viewer", f"/api/v1/applications/{app}").json()["status"]["history"])


def metadata(as_user: Get, user: str, app: str, revision: str, **params: Any) -> httpx2.Response:
    return as_user(user, f"/api/v1/applications/{app}/revisions/{revision}/metadata", params=params)


def test_every_git_app_has_a_history_ending_at_its_current_revision(as_user: Get) -> None:
    for app in ("guestbook", "checkout", "inventory", "platform-tools"):
        entries = history(as_user, app)
        assert len(entries) >= 3
        ids = [e["id"] for e in entries]
        assert ids == sorted(ids)
        assert len({e["revision"] for e in entries}) == len(entries)
        current = as_user("viewer", f"/api/v1/applications/{app}").json()["status"]["sync"]["revision"]
        assert entries[-1]["revision"] == current
        assert all(e["deployedAt"] and e["deployStartedAt"] and e["initiatedBy"] for e in entries)
        assert [e["deployedAt"] for e in entries] == sorted(e["deployedAt"] for e in entries)


def test_the_newest_checkout_commit_explains_the_missing_database_url(as_user: Get) -> None:
    assert history(as_user, "checkout")[-1]["revision"] == CHECKOUT_HEAD
    answer = metadata(as_user, "alice", "checkout", CHECKOUT_HEAD).json()
    assert answer["author"] == "Priya Raman <priya.raman@example.org>"
    assert answer["message"].splitlines()[0] == "Read DATABASE_URL from the checkout-db secret"
    assert "Drop DATABASE_URL from the checkout-config ConfigMap" in answer["message"]
    assert answer["date"].endswith("Z")
    assert answer["tags"] == ["v2.3.1"]
    assert set(answer) == {"author", "date", "tags", "message"}  # no signature: verification is off


def test_a_truncated_sha_and_another_app_of_the_same_repository_describe_the_commit(as_user: Get) -> None:
    whole = metadata(as_user, "alice", "checkout", CHECKOUT_HEAD).json()
    assert metadata(as_user, "alice", "checkout", CHECKOUT_HEAD[:12]).json() == whole
    assert metadata(as_user, "alice", "inventory", CHECKOUT_HEAD).json() == whole


def test_the_newest_inventory_commit_matches_its_git_target(as_user: Get) -> None:
    revision = history(as_user, "inventory")[-1]["revision"]
    message = metadata(as_user, "alice", "inventory", revision).json()["message"]
    assert message.startswith("Bump inventory-api to 1.5.0 and scale to 3 replicas")


def test_a_commit_without_tags_leaves_the_tags_out(as_user: Get) -> None:
    oldest = history(as_user, "checkout")[0]["revision"]
    assert "tags" not in metadata(as_user, "viewer", "checkout", oldest).json()


def test_a_revision_that_is_no_commit_sha_must_be_resolved(as_user: Get) -> None:
    response = metadata(as_user, "alice", "checkout", "HEAD")
    assert response.status_code == 500
    assert response.json() == {
        "error": "revision HEAD must be resolved",
        "code": 2,
        "message": "revision HEAD must be resolved",
    }


def test_an_unknown_sha_fails_in_git_fetch(as_user: Get) -> None:
    unknown = "0123456789abcdef0123456789abcdef01234567"
    response = metadata(as_user, "alice", "checkout", unknown)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == 13
    assert body["message"].startswith(
        "error acquiring repo lock: rpc error: code = Internal desc = "
        f"Failed to checkout revision {unknown}: `git fetch origin {unknown} --tags --force --prune` "
        "failed exit status 128"
    )


def test_bob_may_not_read_revisions_of_a_team_a_app(as_user: Get) -> None:
    response = metadata(as_user, "bob", "checkout", CHECKOUT_HEAD)
    assert response.status_code == 403
    assert response.json()["message"] == "permission denied"
    assert metadata(as_user, "bob", "checkout", CHECKOUT_HEAD, project="team-a").status_code == 403
    in_project = metadata(as_user, "bob", "checkout", CHECKOUT_HEAD, project="team-b")  # bob's, not its
    assert in_project.status_code == 404
    assert in_project.json()["message"] == 'applications.argoproj.io "checkout" not found'


def test_a_version_id_that_is_not_in_the_history_is_refused(as_user: Get) -> None:
    response = metadata(as_user, "alice", "checkout", CHECKOUT_HEAD, versionId=999)
    assert response.status_code == 500
    assert response.json()["message"].endswith("revision history not found for version ID 999")
    first = history(as_user, "checkout")[0]["id"]
    assert metadata(as_user, "alice", "checkout", CHECKOUT_HEAD, versionId=first).status_code == 200


def test_the_helm_app_records_chart_versions_and_describes_them(as_user: Get) -> None:
    app = as_user("bob", "/api/v1/applications/billing").json()
    assert app["spec"]["source"] == {
        "repoURL": "https://charts.example.org",
        "chart": "billing",
        "targetRevision": "2.4.1",
    }
    assert app["status"]["sourceType"] == "Helm"
    assert [e["revision"] for e in app["status"]["history"]] == ["2.2.0", "2.3.0", "2.4.1"]
    details = as_user("bob", "/api/v1/applications/billing/revisions/2.4.1/chartdetails")
    assert details.json() == {
        "description": "Billing API and invoice workers of example.org",
        "home": "https://github.com/example-org/billing",
        "maintainers": ["Billing Team <billing@example.org>", "Sam Okafor <sam.okafor@example.org>"],
    }


def test_a_chart_version_has_no_git_metadata_and_a_git_app_no_chart(as_user: Get) -> None:
    helm = metadata(as_user, "bob", "billing", "2.4.1")
    assert (helm.status_code, helm.json()["message"]) == (500, "revision 2.4.1 must be resolved")
    git = as_user("alice", f"/api/v1/applications/checkout/revisions/{CHECKOUT_HEAD}/chartdetails")
    assert (git.status_code, git.json()["message"]) == (500, "no chart found for application: checkout")
    missing = as_user("bob", "/api/v1/applications/billing/revisions/9.9.9/chartdetails")
    assert missing.status_code == 500
    assert (
        'Error: chart "billing" version "9.9.9" not found in https://charts.example.org'
        in missing.json()["message"]
    )
