"""What every tool shares: the call context, the tool spec, scope checks and row caps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server.argocd_api import ArgoCDReads
from mcp_server.config import Settings
from mcp_server.identity import Caller
from mcp_server.tools.schema import input_schema
from mcp_server.treecache import TreeCache

MAX_ROWS = 300


@dataclass(frozen=True)
class Call:
    """Everything one tool call needs: the shared client, settings, who is calling, and the process's
    short-lived cache of resource trees (None: always fetch the tree)."""

    client: ArgoCDReads
    settings: Settings
    caller: Caller
    trees: TreeCache | None = None


Handler = Callable[[Call, Any], Awaitable[tuple[BaseModel, str]]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    args: type[m.ToolArgs]
    output: type[BaseModel]
    annotations: ToolAnnotations
    handler: Handler

    @property
    def input_schema(self) -> dict[str, Any]:
        """The compact schema published to callers; calls are validated with `args` in full."""
        return input_schema(self.args)


READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
# Log text is whatever the workload printed: untrusted content from outside Argo CD's closed domain.
READ_ONLY_OPEN_WORLD = READ_ONLY.model_copy(update={"open_world_hint": True})
# Tools that change something; destructive when they may delete or replace what runs (a sync with prune, a
# rollback, a restart), idempotent only when repeating is harmless (a refresh)
ACTS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
ACTS_DESTRUCTIVE = ACTS.model_copy(update={"destructive_hint": True})


def refused_outside_scope(call: Call) -> ToolError:
    scope = call.caller.scope
    assert scope is not None
    return ToolError(
        f"Refused: this session is limited to application '{scope.app_namespace}/{scope.app_name}'."
    )


def scoped(call: Call, application: str, app_namespace: str | None) -> str | None:
    """The app namespace to use; refuses anything outside a signed scope."""
    scope = call.caller.scope
    if scope is None:
        return app_namespace
    if application != scope.app_name or (app_namespace not in (None, scope.app_namespace)):
        raise refused_outside_scope(call)
    return scope.app_namespace


def cap_rows(lines: list[str], max_bytes: int) -> int:
    """How many leading lines fit in `max_bytes` (a little room is kept for a note)."""
    budget = max_bytes - 200
    for i, line in enumerate(lines):
        budget -= len(line.encode()) + 1
        if budget < 0:
            return i
    return len(lines)


def cut_note(shown: int, total: int, what: str) -> str:
    return f"[truncated: showing {shown} of {total} {what}; narrow the query to see the rest]"
