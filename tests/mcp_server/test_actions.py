"""The action tools, on when the server is not read-only: they act with the caller's own token, Argo CD's RBAC
decides and its refusal is passed on in words, a sync says how it ended."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from mcp.server.mcpserver.exceptions import ToolError

from devstack.argocd import SimulatorConfig, create_app
from devstack.argocd.world import token_for
from devstack.servers import serve_in_thread
from mcp_server.argocd_client import ArgoCDClient
from mcp_server.config import Settings
from mcp_server.identity import Caller
from mcp_server.scope import Scope
from mcp_server.tools import TOOLS, Call
from mcp_server.tools.run import parse_arguments, run_tool
from tests.mcp_server.support import connect, error, ok, text

pytestmark = pytest.mark.anyio


@pytest.fixture
def writable_argocd() -> Iterator[str]:
    """A simulator of its own (the tests change its state), whose operations end at once."""
    with serve_in_thread(create_app(SimulatorConfig(operation_delay=0))) as url:
        yield url


def posts(argocd: str, fragment: str) -> list[dict[str, object]]:
    log = httpx2.get(f"{argocd}/_devstack/requests").json()
    return [r for r in log if r["method"] == "POST" and fragment in r["path"]]


async def test_alice_syncs_her_application_as_herself_and_is_told_how_it_ended(writable_argocd: str) -> None:
    async with connect(writable_argocd, "alice", mcp_read_only=False) as client:
        result = await client.call_tool("sync_application", {"application": "inventory"})
    data = ok(result)
    assert data["done"] is True
    assert data["operation"]["phase"] == "Succeeded"
    assert data["operation"]["initiated_by"] == "alice"
    assert text(result).startswith(
        "Sync application inventory to its target revision, prune: no, dry run: no: done."
    )
    [sync] = posts(writable_argocd, "/sync")
    assert sync["user"] == "alice"
    assert '"prune":false' in str(sync["body"])
    assert '"dryRun":false' in str(sync["body"])


async def test_bob_who_may_not_sync_is_shown_argo_cds_refusal_and_what_grants_it(
    writable_argocd: str,
) -> None:
    async with connect(writable_argocd, "bob", mcp_read_only=False) as client:
        result = await client.call_tool("sync_application", {"application": "billing"})
    message = error(result)
    assert (
        "Argo CD refused to sync application billing: permission denied: applications, sync, team-b/billing"
        in message
    )
    assert "lacks `applications, sync`" in message


async def test_a_rollback_of_an_auto_synced_application_is_refused_in_argo_cds_words(
    writable_argocd: str,
) -> None:
    async with connect(writable_argocd, "alice", mcp_read_only=False) as client:
        result = await client.call_tool("rollback_application", {"application": "payments", "history_id": 1})
    assert "rollback cannot be initiated when auto-sync is enabled" in error(result)


async def test_a_refresh_asks_argo_cd_to_compare_again_and_changes_nothing_live(writable_argocd: str) -> None:
    async with connect(writable_argocd, "alice", mcp_read_only=False) as client:
        result = await client.call_tool("refresh_application", {"application": "checkout", "hard": True})
    assert text(result).startswith("Refresh application checkout (hard: manifests regenerated): done.")
    log = httpx2.get(f"{writable_argocd}/_devstack/requests").json()
    assert any(r["path"] == "/api/v1/applications/checkout" and "refresh=hard" in r["query"] for r in log)
    assert not posts(writable_argocd, "")


async def test_a_deployments_actions_are_listed_then_restart_runs_on_it(writable_argocd: str) -> None:
    args = {"application": "inventory", "kind": "Deployment", "name": "inventory-api"}
    async with connect(writable_argocd, "alice", mcp_read_only=False) as client:
        listed = await client.call_tool("list_resource_actions", args)
        ran = await client.call_tool("run_resource_action", {**args, "action": "restart"})
        manifest = await client.call_tool("get_manifest", args)
    assert "restart" in [a["name"] for a in ok(listed)["actions"]]
    assert ok(ran)["done"] is True
    assert "kubectl.kubernetes.io/restartedAt" in text(manifest)
    [action] = posts(writable_argocd, "/resource/actions/v2")
    assert action["user"] == "alice"


async def test_an_action_is_refused_in_the_scoped_service_mode_and_nothing_is_sent(
    writable_argocd: str,
) -> None:
    spec = next(t for t in TOOLS if t.name == "sync_application")
    async with ArgoCDClient(writable_argocd) as client:
        call = Call(
            client=client,
            settings=Settings(argocd_server=writable_argocd, mcp_read_only=False),
            caller=Caller(token=token_for("assistant-service"), scope=Scope("argocd", "payments")),
        )
        with pytest.raises(ToolError, match="actions run only with your own Argo CD identity"):
            await run_tool(spec, call, parse_arguments(spec, {"application": "payments"}))
    assert not posts(writable_argocd, "")


async def test_an_action_argo_cd_refuses_without_naming_it_is_still_explained_with_its_permission(
    writable_argocd: str,
) -> None:
    async with connect(writable_argocd, "admin") as admin:
        tree = ok(
            await admin.call_tool("get_resource_tree", {"application": "billing", "kind": "Deployment"})
        )
    deployment = tree["nodes"][0]["name"]
    args = {"application": "billing", "kind": "Deployment", "name": deployment, "action": "restart"}
    async with connect(writable_argocd, "bob", mcp_read_only=False) as client:
        result = await client.call_tool("run_resource_action", args)
    message = error(result)
    assert (
        f"Argo CD refused to run 'restart' on Deployment billing/{deployment}: permission denied." in message
    )
    assert "lacks `applications, action/apps/Deployment/restart`" in message
    [refused] = posts(writable_argocd, "/resource/actions/v2")  # sent as bob, refused by Argo CD's RBAC
    assert refused["user"] == "bob"


async def test_a_dry_run_previews_what_a_sync_would_do_and_changes_nothing(writable_argocd: str) -> None:
    async with connect(writable_argocd, "alice", mcp_read_only=False) as client:
        result = await client.call_tool("sync_application", {"application": "inventory", "dry_run": True})
        after = ok(await client.call_tool("get_application", {"application": "inventory"}))
    body = text(result)
    assert "What a sync would do (dry run, nothing applied):" in body
    assert "Deployment inventory/inventory-api: deployment.apps/inventory-api configured (dry run)" in body
    assert after["sync"] == "OutOfSync"
