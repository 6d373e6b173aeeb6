"""Why an application is OutOfSync, why its sync failed, what changed and who, and ApplicationSets: the tools
that answer these, in memory, against the Argo CD simulator."""

from __future__ import annotations

import json

import pytest
from starlette.responses import Response

from tests.mcp_server.support import argocd_stub, connect, error, ok, text

pytestmark = pytest.mark.anyio


async def test_get_diff_names_each_drifted_field_with_its_live_and_git_values(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        result = await client.call_tool("get_diff", {"application": "inventory"})
    data, body = ok(result), text(result)
    by_name = {r["name"]: r for r in data["resources"]}
    deploy = by_name["inventory-api"]
    assert deploy["change"] == "modified"
    fields = {f["path"]: (f["live"], f["desired"]) for f in deploy["fields"]}
    assert fields["spec.replicas"] == ("2", "3")
    image = fields["spec.template.spec.containers[inventory-api].image"]
    assert image == ("ghcr.io/example-org/inventory-api:1.4.2", "ghcr.io/example-org/inventory-api:1.5.0")
    assert "@@ spec.template.spec.containers[inventory-api] @@" in body
    assert "-replicas: 2\n+replicas: 3" in body
    # a resource missing live and one no longer in Git are named, not dumped
    assert by_name["inventory-feature-flags"]["change"] == "create"
    assert by_name["inventory-legacy-sync"]["change"] == "prune"
    assert "inventory-feature-flags: in Git but missing live" in body
    assert "inventory-legacy-sync: live but no longer in Git" in body
    assert data["in_sync"] >= 1


async def test_a_one_field_drift_is_a_few_hundred_bytes(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool(
            "get_diff", {"application": "inventory", "kind": "ConfigMap", "name": "inventory-settings"}
        )
    body = text(result)
    assert "-LOG_LEVEL: debug\n+LOG_LEVEL: info" in body
    assert len(body.encode()) < 400, body


async def test_secret_values_never_show_in_a_diff_only_that_they_differ(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_diff", {"application": "inventory", "kind": "Secret"})
    data, body = ok(result), text(result)
    (secret,) = data["resources"]
    assert {(f["live"], f["desired"]) for f in secret["fields"]} == {("<masked>", "<masked>")}
    assert "Secret values masked" in body
    assert "+++" not in body.replace("+++ ", "")  # no run of Argo CD's mask characters either


async def test_a_synced_application_has_no_diff(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_diff", {"application": "guestbook"})
    data = ok(result)
    assert data["resources"] == []
    assert "all equal to Git (Synced)" in text(result)


async def test_get_application_says_which_hook_failed_the_sync_and_why(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        result = await client.call_tool("get_application", {"application": "payments"})
    data, body = ok(result), text(result)
    op = data["operation"]
    assert op["phase"] == "Failed"
    assert op["initiated_by"] == "alice"
    (hook,) = [r for r in op["failed"] if r["hook_type"]]
    assert (hook["kind"], hook["name"], hook["hook_type"], hook["hook_phase"]) == (
        "Job",
        "payments-db-migrate",
        "PreSync",
        "Failed",
    )
    assert "Job has reached the specified backoff limit" in hook["message"]
    assert "PreSync hook Job payments/payments-db-migrate: Failed" in body
    assert "one or more synchronization tasks completed unsuccessfully" in body


async def test_get_application_quotes_the_api_servers_rejection_and_the_retries(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_application", {"application": "orders"})
    data, body = ok(result), text(result)
    op = data["operation"]
    assert (op["phase"], op["retry_count"], op["retry_limit"]) == ("Failed", 2, 2)
    (rejected,) = op["failed"]
    assert (rejected["kind"], rejected["name"], rejected["status"]) == (
        "Deployment",
        "orders-api",
        "SyncFailed",
    )
    assert "must be less than or equal to cpu limit of 1" in rejected["message"]
    assert "retried 2 of 2" in body


async def test_get_history_lists_deployments_and_the_newest_commit_with_its_author(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        result = await client.call_tool("get_history", {"application": "checkout"})
    data, body = ok(result), text(result)
    ids = [d["id"] for d in data["deployments"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) >= 3
    (newest,) = data["revisions"]
    assert newest["revision"] == data["deployments"][0]["revision"]
    assert newest["role"] == f"deployed #{ids[0]}"
    assert "Read DATABASE_URL from the checkout-db secret" in newest["message"]
    assert newest["author"]
    assert "Read DATABASE_URL from the checkout-db secret" in body


async def test_get_history_also_describes_a_failed_syncs_revision_that_never_deployed(
    argocd_url: str,
) -> None:
    async with connect(argocd_url, "alice") as client:
        result = await client.call_tool("get_history", {"application": "payments"})
    data = ok(result)
    roles = [r["role"] for r in data["revisions"]]
    assert roles[0].startswith("deployed #")
    assert roles[1] == "last sync (Failed), not deployed"
    assert "currency" in data["revisions"][1]["message"].lower()


async def test_get_history_of_a_helm_application_shows_chart_versions_and_the_chart(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_history", {"application": "billing"})
    data = ok(result)
    assert data["deployments"][0]["revision"] == "2.4.1"
    assert "chart billing" in data["deployments"][0]["source"]
    assert data["revisions"][0]["message"]  # the chart's description


async def test_an_unknown_revision_is_reported_not_invented(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        result = await client.call_tool("get_history", {"application": "checkout", "revision": "0" * 40})
    data = ok(result)
    (info,) = data["revisions"]
    assert info["role"] == "asked for"
    assert info["error"]
    assert not info["message"]


async def test_bob_learns_nothing_about_a_team_a_application(argocd_url: str) -> None:
    async with connect(argocd_url, "bob") as client:
        for tool, args in (
            ("get_diff", {"application": "inventory"}),
            ("get_history", {"application": "checkout"}),
            ("get_application", {"application": "payments"}),
        ):
            message = error(await client.call_tool(tool, args))
            assert "Permission denied or application" in message
            assert "DATABASE_URL" not in message


async def test_list_applicationsets_shows_the_failing_generator(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        result = await client.call_tool("list_applicationsets", {})
    data, body = ok(result), text(result)
    by_name = {a["name"]: a for a in data["applicationsets"]}
    assert set(by_name) == {"team-a-services", "team-a-previews"}
    assert by_name["team-a-services"]["errors"] == []
    assert by_name["team-a-services"]["applications"] >= 3
    assert any("Bad credentials" in e for e in by_name["team-a-previews"]["errors"])
    assert "pullRequest github example-org/gitops-demo" in body


async def test_get_applicationset_puts_the_generator_error_first(argocd_url: str) -> None:
    async with connect(argocd_url, "alice") as client:
        failing = await client.call_tool("get_applicationset", {"applicationset": "team-a-previews"})
        healthy = await client.call_tool("get_applicationset", {"applicationset": "team-a-services"})
    data = ok(failing)
    first = data["conditions"][0]
    assert (first["type"], first["status"]) == ("ErrorOccurred", "True")
    assert "Bad credentials" in first["message"]
    assert data["applications"] == []
    assert "PROBLEM ErrorOccurred=True" in text(failing)
    services = ok(healthy)
    generated = {a["name"]: (a["sync"], a["health"]) for a in services["applications"]}
    assert generated["inventory"][0] == "OutOfSync"
    assert "{{" in services["template_name"] or "{{" in services["destination"]
    assert not any(c["type"] == "ErrorOccurred" and c["status"] == "True" for c in services["conditions"])


async def test_applicationsets_follow_argo_cds_rbac(argocd_url: str) -> None:
    async with connect(argocd_url, "bob") as client:
        listed = await client.call_tool("list_applicationsets", {})
        refused = await client.call_tool("get_applicationset", {"applicationset": "team-a-previews"})
    assert ok(listed)["applicationsets"] == []
    assert "applicationsets, get" in text(listed)
    message = error(refused)
    assert "Permission denied: you may not read ApplicationSet 'team-a-previews'" in message
    assert "Bad credentials" not in message


async def test_a_missing_applicationset_is_reported_not_found(argocd_url: str) -> None:
    async with connect(argocd_url) as client:
        message = error(await client.call_tool("get_applicationset", {"applicationset": "nope"}))
    assert "Not found: there is no ApplicationSet 'nope'" in message


def _big_drift(keys: int, value_bytes: int) -> dict[str, object]:
    """Argo CD's managed-resources answer: a ConfigMap of `keys` keys of `value_bytes` each, all changed."""
    live = {f"k{i:05d}": "a" * value_bytes for i in range(keys)}
    desired = {f"k{i:05d}": "b" * value_bytes for i in range(keys)}

    def state(data: dict[str, str]) -> str:
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big", "namespace": "x"}}
        return json.dumps({**obj, "data": data})

    item = {
        "kind": "ConfigMap",
        "namespace": "x",
        "name": "big",
        "targetState": state(desired),
        "liveState": state(live),
        "normalizedLiveState": state(live),
        "predictedLiveState": state(desired),
        "modified": True,
    }
    return {"items": [item]}


@pytest.mark.parametrize(("keys", "value_bytes"), [(2048, 1024), (1, 2 << 20)])
async def test_a_two_mebibyte_drift_is_capped_and_says_what_it_left_out(keys: int, value_bytes: int) -> None:
    answer = json.dumps(_big_drift(keys, value_bytes))
    with argocd_stub(lambda _: Response(answer, media_type="application/json")) as url:
        async with connect(url) as client:
            result = await client.call_tool("get_diff", {"application": "big"})
    data, body = ok(result), text(result)
    assert data["truncated"] is True
    assert len(body.encode()) <= 16384
    (diff,) = data["resources"]
    assert diff["total_fields"] == keys
    if keys > 1:
        left_out = keys - len(diff["fields"])
        assert f"[{left_out} more changed fields not shown; filter by kind and name]" in body
    else:
        assert "more bytes]" in body  # the one value, cut with its size stated
