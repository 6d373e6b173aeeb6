"""The Argo CD toolset: each tool declared as data (ToolSpec), its handler, and its compact text rendering.

`base` holds what every tool shares (the call context, the spec, scope checks, row caps), `errors` turns
Argo CD failures into errors a model can act on, `apps`, `resources` and `logs` hold the handlers,
`lookup` finds a resource through the tree, `pods` the pods of a workload or Service in it, `schema` makes
the compact input schemas the tools publish, `catalog` is the list.
"""

from __future__ import annotations

from mcp_server.tools.base import Call, ToolSpec
from mcp_server.tools.catalog import TOOLS
from mcp_server.tools.errors import error_for

__all__ = ["TOOLS", "Call", "ToolSpec", "error_for"]
