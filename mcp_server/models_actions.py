"""Arguments and results of the action tools (sync, refresh, rollback, resource actions)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mcp_server.models import _DNS_NAME, _GROUP, _KIND, AppArgs, Operation, ResourceRefArgs, Result, ToolArgs

_REVISION = r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$"
MAX_SYNC_RESOURCES = 50


class SyncResource(ToolArgs):
    kind: str = Field(min_length=1, max_length=63, pattern=_KIND)
    name: str = Field(min_length=1, max_length=253, pattern=_DNS_NAME)
    namespace: str | None = Field(None, min_length=1, max_length=63, pattern=_DNS_NAME)
    group: str | None = Field(None, max_length=253, pattern=r"^$|" + _GROUP)


class SyncApplicationArgs(AppArgs):
    revision: str | None = Field(
        None, description="Default: its target revision", min_length=1, max_length=200, pattern=_REVISION
    )
    prune: bool = Field(False, description="Delete resources no longer in Git")
    dry_run: bool = Field(False, description="Preview: nothing is applied")
    resources: list[SyncResource] | None = Field(
        None, description="Sync only these", min_length=1, max_length=MAX_SYNC_RESOURCES
    )


class RefreshApplicationArgs(AppArgs):
    hard: bool = Field(False, description="Also regenerate manifests (no cache)")


class RollbackApplicationArgs(AppArgs):
    history_id: int = Field(ge=0, le=2**31, description="A deployment id from get_history")
    prune: bool = False
    dry_run: bool = Field(False, description="Preview: nothing is applied")


class ListResourceActionsArgs(ResourceRefArgs):
    pass


class RunResourceActionArgs(ResourceRefArgs):
    action: str = Field(
        min_length=1,
        max_length=63,
        pattern=r"^[A-Za-z][A-Za-z0-9-]*$",
        description="From list_resource_actions",
    )


class ActionOutcome(Result):
    application: str
    action: str = Field(description="What was asked, in words.")
    done: bool = Field(description="The operation ended while the tool waited (else it still runs).")
    operation: Operation | None = None


class ResourceAction(BaseModel):
    name: str
    disabled: bool = False


class ResourceActions(Result):
    application: str
    target: str = Field(description="Kind namespace/name of the resource.")
    actions: list[ResourceAction]
