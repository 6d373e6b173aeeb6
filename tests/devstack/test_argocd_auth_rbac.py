from __future__ import annotations

from collections.abc import Callable

import httpx2

from devstack.argocd.api import token_cookies
from devstack.argocd.tokens import join_cookies, split_cookie
from devstack.argocd.world import token_for

Get = Callable[..., httpx2.Response]


def names(response: httpx2.Response) -> list[str] | None:
    items = response.json()["items"]
    return None if items is None else [item["metadata"]["name"] for item in items]


def test_a_request_without_a_token_is_unauthenticated(client: httpx2.Client) -> None:
    response = client.get("/api/v1/applications")
    assert response.status_code == 401
    assert response.json() == {
        "error": "no session information",
        "code": 16,
        "message": "no session information",
    }


def test_a_forged_token_is_rejected_without_echoing_it(client: httpx2.Client) -> None:
    forged = token_for("viewer")[:-4] + "AAAA"
    response = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["message"].startswith("invalid session: ")
    assert forged not in response.text


def test_login_returns_the_same_token_as_token_for(client: httpx2.Client) -> None:
    response = client.post("/api/v1/session", json={"username": "alice", "password": "alice-pass"})
    assert response.json() == {"token": token_for("alice")}
    wrong = client.post("/api/v1/session", json={"username": "alice", "password": "nope"})
    assert wrong.status_code == 401


def test_login_sets_the_token_as_an_http_only_lax_cookie_on_the_root_path(argocd_url: str) -> None:
    with httpx2.Client(base_url=argocd_url) as http:
        response = http.post("/api/v1/session", json={"username": "alice", "password": "alice-pass"})
        (set_cookie,) = response.headers.get_list("set-cookie")
        value, *flags = [part.strip() for part in set_cookie.split(";")]
        assert value == f"argocd.token={token_for('alice')}"
        assert {flag.lower() for flag in flags} == {"path=/", "samesite=lax", "httponly"}
        # the browser (here: the client's cookie jar) is now signed in without any script
        assert http.get("/api/v1/session/userinfo").json()["username"] == "alice"
        # any /api/ request but a GET needs `Content-Type: application/json` (Argo CD's enforceContentTypes)
        assert http.delete("/api/v1/session").status_code == 415
        logout = http.delete("/api/v1/session", headers={"Content-Type": "application/json"})
        assert logout.status_code == 200
        expired = logout.headers.get_list("set-cookie")
        assert [c.split(";")[0] for c in expired] == ["argocd.token="]
        assert "max-age=0" in expired[0].lower()
        assert http.get("/api/v1/session/userinfo").json() == {}


def test_a_long_token_is_set_as_split_cookies_that_join_back(client: httpx2.Client) -> None:
    token = token_for("bob") + "x" * 9000  # longer than one 4 KiB cookie
    cookies = [c.split(";")[0] for c in token_cookies(token)]
    assert all(len(c) <= 4096 for c in token_cookies(token))  # what browsers keep
    assert [c.split("=")[0] for c in cookies] == ["argocd.token", "argocd.token-1", "argocd.token-2"]
    assert cookies[0].startswith("argocd.token=3:")
    pairs = dict(c.split("=", 1) for c in cookies)
    assert join_cookies(pairs) == token


def test_the_cookie_authenticates_and_a_split_cookie_is_joined(client: httpx2.Client) -> None:
    token = token_for("bob")
    whole = client.get("/api/v1/session/userinfo", headers={"Cookie": f"argocd.token={token}"})
    assert whole.json()["username"] == "bob"
    cookies = split_cookie(token, 40)
    assert len(cookies) > 2
    assert cookies["argocd.token"].startswith(f"{len(cookies)}:")
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    joined = client.get("/api/v1/applications", headers={"Cookie": header})
    assert names(joined) == ["billing", "orders"]


def test_the_bearer_header_wins_over_the_cookie(client: httpx2.Client) -> None:
    headers = {
        "Authorization": f"Bearer {token_for('alice')}",
        "Cookie": f"argocd.token={token_for('admin')}",
    }
    assert client.get("/api/v1/session/userinfo", headers=headers).json()["username"] == "alice"


def test_userinfo_is_empty_when_anonymous_and_describes_a_user(client: httpx2.Client, as_user: Get) -> None:
    assert client.get("/api/v1/session/userinfo").json() == {}
    assert as_user("alice", "/api/v1/session/userinfo").json() == {
        "loggedIn": True,
        "username": "alice",
        "iss": "argocd",
        "groups": ["team-a"],
    }


def test_the_list_is_filtered_by_rbac_and_sorted_by_name(as_user: Get) -> None:
    everything = [
        "billing",
        "checkout",
        "guestbook",
        "inventory",
        "orders",
        "payments",
        "platform-tools",
        "tenant-portal",
    ]
    assert names(as_user("viewer", "/api/v1/applications")) == everything
    assert names(as_user("admin", "/api/v1/applications")) == everything
    team_a = ["checkout", "inventory", "payments", "tenant-portal"]
    assert names(as_user("alice", "/api/v1/applications")) == team_a
    assert names(as_user("bob", "/api/v1/applications")) == ["billing", "orders"]


def test_the_list_filters_by_name_selector_projects_and_namespace(as_user: Get) -> None:
    assert names(as_user("viewer", "/api/v1/applications", params={"name": "guestbook"})) == ["guestbook"]
    assert names(
        as_user("viewer", "/api/v1/applications", params={"selector": "team=team-a,tier!=frontend"})
    ) == ["checkout", "inventory", "payments"]
    assert names(as_user("viewer", "/api/v1/applications", params={"selector": "tier in (infra)"})) == [
        "platform-tools"
    ]
    projects = as_user(
        "viewer", "/api/v1/applications", params=[("projects", "team-b"), ("projects", "default")]
    )
    assert names(projects) == ["billing", "guestbook", "orders", "platform-tools"]
    assert names(as_user("viewer", "/api/v1/applications", params={"appNamespace": "tenants"})) == [
        "tenant-portal"
    ]
    assert (
        names(as_user("viewer", "/api/v1/applications", params={"name": "nothing", "unknown": "x"})) is None
    )


def test_a_forbidden_and_a_missing_application_both_answer_403_without_project(as_user: Get) -> None:
    forbidden = as_user("alice", "/api/v1/applications/billing")
    missing = as_user("alice", "/api/v1/applications/no-such-app")
    for response in (forbidden, missing):
        assert response.status_code == 403
        assert response.json() == {"error": "permission denied", "code": 7, "message": "permission denied"}


def test_with_a_project_a_forbidden_or_missing_application_answers_404(as_user: Get) -> None:
    for name in ("billing", "no-such-app"):
        response = as_user("alice", f"/api/v1/applications/{name}", params={"project": "team-a"})
        assert response.status_code == 404
        assert response.json()["message"] == f'applications.argoproj.io "{name}" not found'
    assert as_user("alice", "/api/v1/applications/checkout", params={"project": "team-a"}).status_code == 200


def test_an_application_in_another_namespace_needs_app_namespace(as_user: Get) -> None:
    assert as_user("alice", "/api/v1/applications/tenant-portal").status_code == 403
    found = as_user("alice", "/api/v1/applications/tenant-portal", params={"appNamespace": "tenants"})
    assert found.status_code == 200
    assert found.json()["metadata"]["namespace"] == "tenants"
    assert (
        as_user("bob", "/api/v1/applications/tenant-portal", params={"appNamespace": "tenants"}).status_code
        == 403
    )


def test_bob_reads_billing_but_not_its_logs_and_viewer_reads_everything(as_user: Get) -> None:
    assert as_user("bob", "/api/v1/applications/billing").status_code == 200
    logs = as_user("bob", "/api/v1/applications/billing/logs", params={"tailLines": 5})
    assert logs.status_code == 403
    assert logs.json()["error"]["message"] == "permission denied"
    assert as_user("viewer", "/api/v1/applications/billing/logs", params={"tailLines": 5}).status_code == 200
    assert as_user("alice", "/api/v1/applications/billing/resource-tree").status_code == 403


def test_can_i_accepts_a_multi_segment_subresource(as_user: Get) -> None:
    yes = as_user("alice", "/api/v1/account/can-i/applications/get/team-a/checkout")
    no = as_user("alice", "/api/v1/account/can-i/applications/get/team-b/billing")
    namespaced = as_user("alice", "/api/v1/account/can-i/logs/get/team-a/tenants/tenant-portal")
    assert (yes.json(), no.json(), namespaced.json()) == ({"value": "yes"}, {"value": "no"}, {"value": "yes"})
    assert as_user("admin", "/api/v1/account/can-i/applications/sync/default/guestbook").json() == {
        "value": "yes"
    }
    assert as_user("viewer", "/api/v1/account/can-i/applications/sync/default/guestbook").json() == {
        "value": "no"
    }
    assert as_user("bob", "/api/v1/account/can-i/extensions/invoke/assistant").json() == {"value": "yes"}
    assert as_user("bob", "/api/v1/account/can-i/applications/fly/x").status_code == 400


def test_the_request_log_records_user_and_token_hash_but_never_the_token(
    client: httpx2.Client, as_user: Get
) -> None:
    import hashlib

    token = token_for("alice")
    as_user("alice", "/api/v1/applications/checkout", params={"project": "team-a"})
    client.get("/api/v1/applications")
    entries = client.get("/_devstack/requests").json()
    mine = [
        e for e in entries if e["path"] == "/api/v1/applications/checkout" and e["query"] == "project=team-a"
    ]
    assert mine[-1].pop("client")  # the caller's address, for connection-reuse checks
    assert mine[-1] == {
        "method": "GET",
        "path": "/api/v1/applications/checkout",
        "query": "project=team-a",
        "user": "alice",
        "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
        "body": None,  # only requests other than GET carry one
    }
    assert entries[-1]["user"] is None
    assert token not in client.get("/_devstack/requests").text
