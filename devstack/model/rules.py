"""The scripted model's decisions: which tool to call with which arguments, and what to answer.

Everything here is a pure function of the request, so the same prompt always gives the same reply.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from devstack.model.actions import action_call, injected_action
from devstack.model.answers import answer_from_attached_logs, answer_from_context, answer_from_tool
from devstack.model.context import Context, message_text, parse_context

# (words in the user's question, tool it calls) — first match wins, so specific words come first
TOOL_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("log", "crash", "stack trace", "traceback", "exception"), "get_logs"),
    (("applicationset", "appset", "generator"), "list_applicationsets"),
    (("out of sync", "outofsync", "diff", "drift"), "get_diff"),
    (("history", "changed", "who ", "commit", "deployed"), "get_history"),
    (("sync",), "get_application"),
    (("event", "why", "fail", "degraded", "wrong", "broken"), "get_events"),
    (("manifest", "yaml", "spec"), "get_manifest"),
    (("tree", "resources"), "get_resource_tree"),
    (("apps", "applications"), "list_applications"),
    (("status", "sync", "health"), "get_application"),
)

FAIL_TRIGGER = "[[fail]]"
FAIL_STREAM_TRIGGER = "[[fail-stream]]"
SLOW_TRIGGER = "[[slow]]"


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """What the model says: either one tool call or a Markdown answer."""

    tool_call: ToolCall | None = None
    text: str = ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The question: the newest user message, or its last part when it has several (the relay sends the
    context first and the question last, in one message)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list) and content:
                return message_text(content[-1:])
            return message_text(content)
    return ""


def offered_tools(tools: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Tool name -> JSON schema of its parameters, from OpenAI `tools`."""
    offered: dict[str, dict[str, Any]] = {}
    for tool in tools or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            params = function.get("parameters")
            offered[function["name"]] = params if isinstance(params, dict) else {}
    return offered


def _find_offered(wanted: str, offered: dict[str, dict[str, Any]]) -> str | None:
    if wanted in offered:
        return wanted
    # tolerate prefixed names such as `argocd_get_logs`
    return next((name for name in sorted(offered) if name.endswith(wanted)), None)


def choose_tool(question: str, offered: dict[str, dict[str, Any]]) -> str | None:
    words = question.lower()
    for keywords, tool in TOOL_RULES:
        if any(re.search(rf"\b{re.escape(k)}", words) for k in keywords):
            name = _find_offered(tool, offered)
            if name is not None:
                return name
    return None


APP_LEVEL_TOOLS = ("get_application", "get_resource_tree", "get_history")
UNHEALTHY = re.compile(
    r"^[\s*-]*(?P<kind>[A-Z]\w*) (?P<ns>[\w.-]+)/(?P<name>[\w.-]+)"
    r".*\b(Degraded|Progressing|Missing|Unknown)\b",
    re.MULTILINE,
)


def fill_arguments(tool: str, schema: dict[str, Any], context: Context) -> dict[str, Any]:
    """Fills the tool's parameters that the context (or the schema's defaults) can answer."""
    props: dict[str, Any] = schema.get("properties") or {}
    if tool.endswith(("list_applications", "list_applicationsets")):
        return {}  # a list is most useful unfiltered
    app_props = ("application", "app", "app_name", "application_name")
    # a resource filter naming the Application itself would match none of its resources
    on_application = (context.kind or "").lower() == "application"
    app_level = tool.endswith(APP_LEVEL_TOOLS) or (on_application and tool.endswith("get_diff"))
    resource_level = not app_level and ("kind" in props or any(p in props for p in app_props))
    values: dict[str, str | None] = {
        "application": context.application,
        "app": context.application,
        "app_name": context.application,
        "application_name": context.application,
        "app_namespace": context.app_namespace,
        "appNamespace": context.app_namespace,
        "project": context.project,
    }
    if resource_level:
        is_pod = (context.kind or "").lower() == "pod"
        values |= {
            "kind": context.kind,
            "group": context.group,
            "version": context.version,
            "name": context.name,
            "resource_name": context.name,
            "namespace": context.namespace,
            "resource_namespace": context.namespace,
            "container": context.container,
        }
        if is_pod and "pod" in props:
            # a pod goes by `pod`; kind/name would name a workload
            values |= {"pod": context.name, "kind": None, "name": None}
    elif not any(p in props for p in app_props):
        # an application-level tool that calls the application `name`
        values |= {"name": context.application, "namespace": context.app_namespace}
    args: dict[str, Any] = {}
    required = set(schema.get("required") or [])
    for prop, prop_schema in props.items():
        value = values.get(prop)
        if value is not None:
            args[prop] = value
        elif prop in required and isinstance(prop_schema, dict) and "default" in prop_schema:
            args[prop] = prop_schema["default"]
    return args


def _needs_resource(tool: str) -> bool:
    """Tools that say most about one resource: asked on an application, they target its unhealthy part."""
    return tool.endswith(("get_logs", "get_manifest", "get_events"))


def decide(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> Reply:
    """The whole policy: call a tool for a fresh question, answer from a tool result, else from context.

    A question about logs, events or a manifest with no resource in the context first reads the resource
    tree, then calls the wanted tool on its first unhealthy resource (Pods first).
    """
    context = parse_context(messages)
    offered = offered_tools(tools)
    question = last_user_text(messages)
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        tool, args = _tool_call_for(messages, last.get("tool_call_id"))
        result = message_text(last.get("content"))
        target = _target_of(args, context)
        injected = injected_action(result, offered, context)
        if injected is not None and not tool.endswith(injected[0]):
            return Reply(
                tool_call=ToolCall(*injected)
            )  # a weak model obeys what it read (the gate must hold)
        follow_up = (
            _follow_up(question, tool, result, offered, context)
            or _logs_after_backoff(question, tool, result, offered, target)
            or _logs_of_failed_job(question, tool, result, offered, target)
            or _logs_of_failed_hook(tool, result, offered, context)
        )
        if follow_up is not None and _calls_since_question(messages) < 2:
            return Reply(tool_call=follow_up)
        return Reply(text=answer_from_tool(tool, result, _target_of(args, context)))
    attached_logs = attached_context(messages, "logs")
    if last.get("role") == "user" and attached_logs is not None and _asks_about_logs(question):
        return Reply(text=answer_from_attached_logs(attached_logs, context))
    if last.get("role") == "user" and offered:
        action = action_call(question, offered, context)
        if action is not None:
            return Reply(tool_call=ToolCall(*action))
        from_attached = (
            _logs_from_attached_events(question, messages, offered, context)
            or _from_application_status(question, messages, offered, context)
            or _owning_applicationset(question, messages, offered)
            or _failed_analysis_run(question, messages, offered, context)
        )
        if from_attached is not None:
            return from_attached
        name = choose_tool(question, offered)
        attached_events = attached_context(messages, "events") or ""
        # ...unless they point at another object (the claim a pending pod waits for): its events come next
        elsewhere = "PersistentVolumeClaim" in attached_events
        warned = "Warning" in attached_events and not elsewhere
        if name is not None and name.endswith("get_events") and warned:
            # the open resource's events are in front of the model already: reading them again adds nothing
            return Reply(text=answer_from_tool(name, attached_events, context))
        if name is not None:
            tree = _find_offered("get_resource_tree", offered)
            if _needs_resource(name) and context.name is None and tree is not None:
                return Reply(tool_call=ToolCall(tree, fill_arguments(tree, offered[tree], context)))
            return Reply(tool_call=ToolCall(name, fill_arguments(name, offered[name], context)))
    return Reply(text=answer_from_context(question, context))


_ATTACHED = re.compile(
    r'<untrusted-data boundary="(?P<nonce>\w+)" source="(?P<source>[^"]*)">\n(?P<body>.*?)\n'
    r'</untrusted-data boundary="(?P=nonce)">',
    re.DOTALL,
)


def attached_context(messages: list[dict[str, Any]], source: str) -> str | None:
    """The newest UI context block (the relay's untrusted-data blocks) whose source starts with `source`."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        blocks = list(_ATTACHED.finditer(message_text(message.get("content"))))
        for block in reversed(blocks):
            if block["source"].startswith(source):
                return block["body"]
    return None


def _asks_about_logs(question: str) -> bool:
    return any(re.search(rf"\b{re.escape(word)}", question.lower()) for word in TOOL_RULES[0][0])


_FAILED_CONTAINER = re.compile(r"Back-off restarting failed container (?P<container>[a-z0-9-]+)")


def _logs_after_backoff(
    question: str, tool: str, result: str, offered: dict[str, dict[str, Any]], target: Context
) -> ToolCall | None:
    """Asked why something fails, and the events say a container keeps failing: its logs tell why (what a
    person would read next)."""
    logs = _find_offered("get_logs", offered)
    found = _FAILED_CONTAINER.search(result)
    asks_why = re.search(r"\b(why|fail)", question.lower()) is not None
    if not (asks_why and tool.endswith("get_events")) or logs is None or found is None or not target.name:
        return None
    with_container = replace(target, container=found["container"])
    return ToolCall(logs, _tail(fill_arguments(logs, offered[logs], with_container)))


_ASKS_WHY = re.compile(r"\b(why|fail|restart|crash|wrong|stuck|kill)", re.IGNORECASE)
_RESTARTED = (re.compile(r"restartCount: [1-9]"), re.compile(r"lastState:\s*\{?\s*terminated"))
_OOM = re.compile(r"reason: OOMKilled")
# a Job that gave up, or a CronJob's event saying its last Job did
_GAVE_UP = re.compile(
    r"BackoffLimitExceeded|reached the specified backoff limit|DeadlineExceeded"
    r"|Saw completed job: .*status: Failed"
)


def _logs_from_attached_events(
    question: str, messages: list[dict[str, Any]], offered: dict[str, dict[str, Any]], context: Context
) -> Reply | None:
    """The open resource's attached events already say it keeps failing: they need no second read.
    A Pod's container killed for memory is the answer itself; otherwise its logs come next (those of the
    instance that failed when the manifest says it restarted); a Job or CronJob that gave up: its pods'."""
    logs = _find_offered("get_logs", offered)
    events = attached_context(messages, "events") or ""
    manifest = attached_context(messages, "manifest") or ""
    kind = (context.kind or "").lower()
    if logs is None or not _ASKS_WHY.search(question):
        return None
    if kind in ("job", "cronjob") and _GAVE_UP.search(events + manifest):
        return Reply(tool_call=ToolCall(logs, _tail(fill_arguments(logs, offered[logs], context))))
    found = _FAILED_CONTAINER.search(events)
    if kind != "pod" or found is None:
        return None
    if _OOM.search(manifest):
        return Reply(text=answer_from_tool("get_events", f"{events}\n{manifest}", context))
    args = _tail(fill_arguments(logs, offered[logs], replace(context, container=found["container"])))
    if all(p.search(manifest) for p in _RESTARTED) and "previous" in (offered[logs].get("properties") or {}):
        args["previous"] = True
    return Reply(tool_call=ToolCall(logs, args))


def _from_application_status(
    question: str, messages: list[dict[str, Any]], offered: dict[str, dict[str, Any]], context: Context
) -> Reply | None:
    """On the Application's tab the relay attached its status: a failed sync there is read, not fetched
    again — a failed hook's logs come next, a resource the sync could not apply is the answer."""
    status = attached_context(messages, "application status")
    if status is None or "Last sync: Failed" not in status or "sync" not in question.lower():
        return None
    hook = _logs_of_failed_hook("get_application", status, offered, context)
    if hook is not None:
        return Reply(tool_call=hook)
    return Reply(text=answer_from_tool("get_application", status, context))


_OWNER_APPSET = re.compile(r"kind: ApplicationSet,? *\n? *name: (?P<name>[\w.-]+)")


def _owning_applicationset(
    question: str, messages: list[dict[str, Any]], offered: dict[str, dict[str, Any]]
) -> Reply | None:
    """Asked about the ApplicationSet of an Application whose attached manifest names its owner: that one
    ApplicationSet is read by name."""
    tool = _find_offered("get_applicationset", offered)
    owner = _OWNER_APPSET.search(attached_context(messages, "manifest") or "")
    asks = any(re.search(rf"\b{re.escape(k)}", question.lower()) for k in TOOL_RULES[1][0])
    if tool is None or owner is None or not asks:
        return None
    return Reply(tool_call=ToolCall(tool, {"applicationset": owner["name"]}))


_ANALYSIS_FAILED = re.compile(r"Warning AnalysisRunFailed\b.*?Analysis Run '(?P<name>[\w.-]+)'")


def _failed_analysis_run(
    question: str, messages: list[dict[str, Any]], offered: dict[str, dict[str, Any]], context: Context
) -> Reply | None:
    """A Rollout's events name the AnalysisRun that failed: what it measured, and against which condition,
    is in that AnalysisRun's manifest."""
    tool = _find_offered("get_manifest", offered)
    failed = _ANALYSIS_FAILED.search(attached_context(messages, "events") or "")
    if tool is None or failed is None or not _ASKS_WHY.search(question):
        return None
    run = replace(context, kind="AnalysisRun", group="argoproj.io", name=failed["name"])
    return Reply(tool_call=ToolCall(tool, fill_arguments(tool, offered[tool], run)))


def _tail(args: dict[str, Any]) -> dict[str, Any]:
    """Looking for why something crashed, the end of the log is what counts: a model asks for less."""
    return {**args, "tail_lines": 30}


def _logs_of_failed_job(
    question: str, tool: str, result: str, offered: dict[str, dict[str, Any]], target: Context
) -> ToolCall | None:
    """Asked why a Job or a CronJob fails (or events say a Job gave up): what its pods printed comes next."""
    logs = _find_offered("get_logs", offered)
    job = (target.kind or "") in ("Job", "CronJob")
    if not (tool.endswith("get_events") and logs and target.name and _ASKS_WHY.search(question)):
        return None
    if not (job or _GAVE_UP.search(result)):
        return None
    return ToolCall(logs, _tail(fill_arguments(logs, offered[logs], target)))


_FAILED_HOOK = re.compile(
    r"(?:PreSync|Sync|PostSync|SyncFail) hook Job (?P<ns>[\w.-]+)/(?P<name>[\w.-]+): (?:Failed|Error)"
)


def _logs_of_failed_hook(
    tool: str, result: str, offered: dict[str, dict[str, Any]], context: Context
) -> ToolCall | None:
    """The application's last sync stopped at a hook Job: the hook's logs say why it failed."""
    logs = _find_offered("get_logs", offered)
    found = _FAILED_HOOK.search(result)
    if not tool.endswith("get_application") or logs is None or found is None:
        return None
    hook = replace(context, kind="Job", group="batch", name=found["name"], namespace=found["ns"])
    return ToolCall(logs, _tail(fill_arguments(logs, offered[logs], hook)))


def _follow_up(
    question: str, tool: str, result: str, offered: dict[str, dict[str, Any]], context: Context
) -> ToolCall | None:
    wanted = choose_tool(question, offered)
    if wanted is None or not tool.endswith("get_resource_tree") or not _needs_resource(wanted):
        return None
    found = sorted(UNHEALTHY.finditer(result), key=lambda m: m.group("kind") != "Pod")
    if not found:
        return None
    target = replace(context, kind=found[0].group("kind"), name=found[0].group("name"))
    target = replace(target, namespace=None if found[0].group("ns") == "-" else found[0].group("ns"))
    return ToolCall(wanted, fill_arguments(wanted, offered[wanted], target))


def _calls_since_question(messages: list[dict[str, Any]]) -> int:
    count = 0
    for message in reversed(messages):
        if message.get("role") == "user":
            break
        count += len(message.get("tool_calls") or [])
    return count


def _tool_call_for(messages: list[dict[str, Any]], call_id: Any) -> tuple[str, dict[str, Any]]:
    """Name and arguments of the call a tool result answers."""
    for message in reversed(messages):
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and call.get("id") == call_id:
                function = call.get("function") or {}
                try:
                    args = json.loads(function.get("arguments") or "{}")
                except ValueError:
                    args = {}
                return str(function.get("name", "tool")), args if isinstance(args, dict) else {}
    return "tool", {}


def _target_of(args: dict[str, Any], context: Context) -> Context:
    """The resource a call looked at, so the answer names it (it may differ from the page's context)."""
    if args.get("pod"):
        return replace(context, kind="Pod", name=str(args["pod"]), namespace=args.get("namespace"))
    if args.get("kind") and args.get("name"):
        return replace(
            context, kind=str(args["kind"]), name=str(args["name"]), namespace=args.get("namespace")
        )
    return context
