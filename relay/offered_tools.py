"""Which of the allowed tools one question is offered.

Every request to the model carries the definitions of the tools it is offered, so each one costs bytes on
every turn: a resource's tab leaves out the tools only the Application's own tab needs
(`mcp.app_tab_only_tools`), and a scoped question never gets a tool its proxy check did not cover.
"""

from __future__ import annotations

from mcp_server.scope import TOOLS_OUTSIDE_SCOPE
from relay.config import McpConfig
from relay.schemas import ChatRequest

__all__ = ["offered_tools"]


def offered_tools(mcp: McpConfig, request: ChatRequest | None, *, scoped: bool) -> list[str]:
    res = request.resource if request is not None else None
    on_resource = res is not None and not res.is_application
    return [
        tool
        for tool in mcp.allowed_tools
        if not (scoped and tool in TOOLS_OUTSIDE_SCOPE)
        and not (on_resource and tool in mcp.app_tab_only_tools)
    ]
