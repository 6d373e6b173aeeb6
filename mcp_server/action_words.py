"""The action tools' names and what a call of one will do, in plain words: for the person approving it.

Free of the MCP SDK, so the relay (which shows the words and keeps the names in its configuration) imports
it without loading the toolset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ACTION_GROUP", "ACTION_TOOLS", "describe_action"]

# The tools that change something: each needs a person's approval in the relay.
ACTION_TOOLS = ("sync_application", "refresh_application", "rollback_application", "run_resource_action")
# Offered only with the actions (listing them is a read, of use only to act)
ACTION_GROUP = (*ACTION_TOOLS, "list_resource_actions")


def _yes_no(value: object) -> str:
    return "yes" if value else "no"


def describe_action(tool: str, args: Mapping[str, Any]) -> str:
    """What an action call will do, in plain words, for the person who approves it. `args` are the
    validated arguments (`model_dump()`)."""
    app = str(args.get("application", ""))
    if args.get("app_namespace"):
        app = f"{args['app_namespace']}/{app}"
    if tool == "sync_application":
        what = f"Sync application {app} to {args.get('revision') or 'its target revision'}"
        only = args.get("resources") or []
        if only:
            names = ", ".join(f"{r.get('kind')}/{r.get('name')}" for r in only[:5])
            what += f", only {names}" + (f" and {len(only) - 5} more" if len(only) > 5 else "")
        return f"{what}, prune: {_yes_no(args.get('prune'))}, dry run: {_yes_no(args.get('dry_run'))}"
    if tool == "refresh_application":
        return (
            f"Refresh application {app} ({'hard: manifests regenerated' if args.get('hard') else 'normal'})"
        )
    if tool == "rollback_application":
        return (
            f"Roll application {app} back to deployment {args.get('history_id')}, prune: "
            f"{_yes_no(args.get('prune'))}, dry run: {_yes_no(args.get('dry_run'))}"
        )
    if tool == "run_resource_action":
        where = f"{args.get('namespace')}/" if args.get("namespace") else ""
        return f"Run action '{args.get('action')}' on {args.get('kind')} {where}{args.get('name')} of {app}"
    return f"{tool} on {app}"
