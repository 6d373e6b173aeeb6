"""One tool call from raw arguments to its result: validation, the handler, Argo CD failures as tool errors.

Shared by the MCP server (which turns the result into a CallToolResult) and the relay's browser-run tools
(which hand the text to the model as a function call's output), so both validate and word errors alike.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ValidationError

from mcp_server.argocd_errors import ArgoCDError
from mcp_server.tools.base import Call, ToolSpec
from mcp_server.tools.errors import error_for

__all__ = ["invalid_arguments", "parse_arguments", "run_tool"]

_MAX_PROBLEMS = 8
_MAX_PROBLEM_CHARS = 300


def invalid_arguments(tool: str, exc: ValidationError) -> ToolError:
    """A validation failure as one short line per problem (`field: message`): no input echoed back (it may
    be huge), no pydantic links."""
    problems = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False)[:_MAX_PROBLEMS]:
        where = ".".join(str(p) for p in err["loc"])[:80] or "arguments"
        message = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}"[:_MAX_PROBLEM_CHARS])
    more = exc.error_count() - len(problems)
    if more > 0:
        problems.append(f"{more} more")
    return ToolError(f"Invalid arguments for {tool}: " + "; ".join(problems))


def parse_arguments(spec: ToolSpec, arguments: Any) -> BaseModel:
    """The validated arguments, or a ToolError the model can act on."""
    if not isinstance(arguments, dict):
        raise ToolError(f"Invalid arguments for {spec.name}: expected a JSON object of named arguments.")
    try:
        return spec.args.model_validate(arguments)
    except ValidationError as exc:
        raise invalid_arguments(spec.name, exc) from None


async def run_tool(spec: ToolSpec, call: Call, args: BaseModel) -> tuple[BaseModel, str]:
    """The handler's (structured result, text); an Argo CD failure raises the ToolError that words it."""
    try:
        return await spec.handler(call, args)
    except ArgoCDError as exc:
        raise error_for(exc, args) from None
