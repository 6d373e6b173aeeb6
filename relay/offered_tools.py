"""Which of the allowed tools one question is offered.

Every request to the model carries the definitions of the tools it is offered, so each one costs bytes on
every turn: a resource's tab leaves out the tools only the Application's own tab needs
(`mcp.app_tab_only_tools`); the Application's tab, once its manifest shows whether an ApplicationSet owns
it, is offered `get_applicationset` only then (the owner's name is in the manifest, so the list is not
needed); and a scoped question never gets a tool its proxy check did not cover.
"""

from __future__ import annotations

from mcp_server.scope import TOOLS_OUTSIDE_SCOPE
from relay.config import ActionsConfig, McpConfig
from relay.schemas import ChatRequest

__all__ = ["action_tools", "offered_tools"]

_APPSET_TOOLS = {"list_applicationsets": False, "get_applicationset": True}  # tool: offered when owned


def offered_tools(
    mcp: McpConfig,
    request: ChatRequest | None,
    *,
    scoped: bool,
    owning_applicationset: str | None = None,
) -> list[str]:
    """`owning_applicationset`: on the Application's tab, the ApplicationSet its attached manifest names as
    owner ("" for none); None when no manifest said."""
    res = request.resource if request is not None else None
    on_resource = res is not None and not res.is_application
    on_application = res is not None and res.is_application and owning_applicationset is not None

    def wanted(tool: str) -> bool:
        if on_application and tool in _APPSET_TOOLS:
            return _APPSET_TOOLS[tool] and bool(owning_applicationset)
        return not (on_resource and tool in mcp.app_tab_only_tools)

    return [
        tool for tool in mcp.allowed_tools if not (scoped and tool in TOOLS_OUTSIDE_SCOPE) and wanted(tool)
    ]


def action_tools(actions: ActionsConfig, *, scoped: bool) -> list[str]:
    """The action tools offered (each run only once the user approves it): none in the scoped mode, where
    the relay holds only its service credential and actions must run with the user's own identity."""
    if scoped or not actions.enabled:
        return []
    listing = ["list_resource_actions"] if "run_resource_action" in actions.enabled else []
    return [*actions.enabled, *listing]
