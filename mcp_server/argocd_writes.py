"""The Argo CD API calls that change something (sync, refresh, rollback, resource actions), over one abstract
write beside the reads.

`ArgoCDWrites` adds `_send_json` (a POST with a JSON body) to `ArgoCDReads`. It is carried out by the aiohttp
client with the caller's token, or, in the relay's browser mode, by the user's browser with its own session,
and only for an action the user approved. Requests are shaped as Argo CD 3.x's own UI sends them
(`ui/src/app/shared/services/applications-service.ts`): Argo CD's RBAC then decides exactly as for a click.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from mcp_server.argocd_api import ArgoCDReads, app_path

__all__ = ["ArgoCDWrites", "ResourceId"]


ResourceId = Mapping[str, str | None]  # group, version, kind, namespace, name of one resource


class ArgoCDWrites(ArgoCDReads):
    """`ArgoCDReads` plus the calls that act. Subclasses carry out a POST (`_send_json`)."""

    @abstractmethod
    async def _send_json(self, path: str, token: str | None, body: Mapping[str, Any]) -> Any:
        """The JSON answer to a POST of `body` (as `application/json`) to `path` (quoted); an error status
        raises."""

    async def sync(
        self,
        token: str | None,
        name: str,
        *,
        app_namespace: str | None = None,
        project: str | None = None,
        revision: str | None = None,
        prune: bool = False,
        dry_run: bool = False,
        resources: Sequence[Mapping[str, str]] | None = None,
    ) -> dict[str, Any]:
        """Starts a sync operation; the answer is the Application with its `operation` set."""
        body: dict[str, Any] = {
            "appNamespace": app_namespace,
            "project": project,
            "revision": revision,
            "prune": prune,
            "dryRun": dry_run,
            "resources": [dict(r) for r in resources] if resources else None,
        }
        return dict(await self._send_json(app_path(name, "/sync"), token, _without_none(body)))

    async def rollback(
        self,
        token: str | None,
        name: str,
        *,
        history_id: int,
        app_namespace: str | None = None,
        project: str | None = None,
        prune: bool = False,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        body = {
            "id": history_id,
            "appNamespace": app_namespace,
            "project": project,
            "prune": prune,
            "dryRun": dry_run,
        }
        return dict(await self._send_json(app_path(name, "/rollback"), token, _without_none(body)))

    async def refresh(
        self,
        token: str | None,
        name: str,
        *,
        hard: bool = False,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> dict[str, Any]:
        """Asks Argo CD to compare with Git again (hard: without its manifest cache); Argo CD answers once
        the refresh was requested, with the Application."""
        params = {"appNamespace": app_namespace, "project": project, "refresh": "hard" if hard else "normal"}
        return dict(await self._get_json(app_path(name), token, params))

    async def resource_actions(
        self, token: str | None, name: str, resource: ResourceId, *, app_namespace: str | None = None,
        project: str | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        params = {**_resource_query(resource), "appNamespace": app_namespace, "project": project}
        data = await self._get_json(app_path(name, "/resource/actions"), token, params)
        return [a for a in (data or {}).get("actions") or [] if isinstance(a, dict)]

    async def run_resource_action(
        self,
        token: str | None,
        name: str,
        resource: ResourceId,
        action: str,
        *,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> Any:
        body = {
            "name": name,
            "appNamespace": app_namespace,
            "project": project,
            "action": action,
            **_resource_query(resource),
        }
        return await self._send_json(app_path(name, "/resource/actions/v2"), token, _without_none(body))


def _resource_query(resource: ResourceId) -> dict[str, str | None]:
    return {
        "namespace": resource.get("namespace") or None,
        "resourceName": resource.get("name"),
        "version": resource.get("version") or None,
        "group": resource.get("group") or None,
        "kind": resource.get("kind"),
    }


def _without_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
