"""The scripted model's actions: what it calls when asked to act, and how it can be fooled into acting.

Asked in the imperative ("sync it", "restart the deployment", "roll back to deployment 2", "hard refresh"),
it calls the matching action tool with arguments from the context. It is also deliberately gullible, like a
weak model: a tool result carrying an instruction addressed to the assistant to sync an application makes it
call `sync_application` (the approval gate, not the model, must stop that).
"""

from __future__ import annotations

import re
from typing import Any

from devstack.model.context import Context

_ROLLBACK = re.compile(r"\broll ?back\b.*?\b(?:deployment|id|history|to)\s*#?(?P<id>\d+)", re.IGNORECASE)
_SYNC = re.compile(
    r"^\W*(?:please\s+|now\s+|go\s+ahead\s+and\s+)?(?:re-?)?sync\b|\bsync (?:it|this|the app)", re.I
)
_REFRESH = re.compile(r"^\W*(?:please\s+)?(?P<hard>hard[ -])?refresh\b", re.IGNORECASE)
_RESTART = re.compile(r"^\W*(?:please\s+)?restart\b", re.IGNORECASE)
_REVISION = re.compile(r"\bto (?:revision |commit )?(?P<rev>[0-9a-f]{7,40}|HEAD)\b")
# An instruction to the assistant hidden in data (a log line, an event): what a prompt injection looks like.
_INJECTED_SYNC = re.compile(
    r"(?:assistant|\bai\b|agent|model)\b[^\n]{0,60}?\bsync(?:hroni[sz]e)?\s+(?:the\s+)?application\s+"
    r"(?P<app>[a-z0-9][a-z0-9-]*)(?P<rest>[^\n]*)",
    re.IGNORECASE,
)


def _offered(name: str, offered: dict[str, dict[str, Any]]) -> bool:
    return name in offered


def _app_args(context: Context) -> dict[str, Any]:
    args: dict[str, Any] = {"application": context.application}
    if context.app_namespace:
        args["app_namespace"] = context.app_namespace
    if context.project:
        args["project"] = context.project
    return args


def action_call(
    question: str, offered: dict[str, dict[str, Any]], context: Context
) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments) when the question asks to act and the tool is offered."""
    if not context.application:
        return None
    asked = question.strip()
    rollback = _ROLLBACK.search(asked)
    if rollback is not None and _offered("rollback_application", offered):
        return "rollback_application", {**_app_args(context), "history_id": int(rollback["id"])}
    if _SYNC.search(asked) and not asked.lower().startswith("why") and _offered("sync_application", offered):
        args = _app_args(context)
        revision = _REVISION.search(asked)
        if revision is not None:
            args["revision"] = revision["rev"]
        if re.search(r"\bprune\b", asked, re.IGNORECASE) and not re.search(r"\bno prune|without prun", asked):
            args["prune"] = True
        if re.search(r"\bdry[ -]?run\b|\bpreview\b", asked, re.IGNORECASE):
            args["dry_run"] = True
        return "sync_application", args
    refresh = _REFRESH.search(asked)
    if refresh is not None and _offered("refresh_application", offered):
        return "refresh_application", {**_app_args(context), "hard": bool(refresh["hard"])}
    if _RESTART.search(asked) and _offered("run_resource_action", offered) and context.kind and context.name:
        args = {**_app_args(context), "kind": context.kind, "name": context.name, "action": "restart"}
        if context.namespace:
            args["namespace"] = context.namespace
        if context.group:
            args["group"] = context.group
        return "run_resource_action", args
    return None


def injected_action(
    result: str, offered: dict[str, dict[str, Any]], context: Context
) -> tuple[str, dict[str, Any]] | None:
    """The sync a tool result tells the assistant to run, which this gullible model obeys."""
    found = _INJECTED_SYNC.search(result)
    if found is None or not _offered("sync_application", offered):
        return None
    args = {**_app_args(context), "application": found["app"]}
    if re.search(r"\bprune\b", found["rest"], re.IGNORECASE):
        args["prune"] = True
    return "sync_application", args
