"""The scripted model's answers: Markdown built only from what it was given (a tool result, attached logs, the
context), quoting the facts that matter. Pure functions, so the same input always gives the same answer."""

from __future__ import annotations

import json
import re
from typing import Any

from devstack.model.context import Context


def _walk(value: Any) -> list[dict[str, Any]]:
    """Every dict inside a JSON value, depth first."""
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _facts(tool: str, result: str) -> list[str]:
    """Concrete facts quoted from the tool result, most telling first."""
    facts: list[str] = []
    try:
        data: Any = json.loads(result)
    except ValueError:
        data = None
    if data is not None:
        for obj in _walk(data):
            if "reason" in obj and "message" in obj:
                facts.append(f"**{obj['reason']}**: {obj['message']}")
            health = obj.get("health")
            if isinstance(health, dict) and health.get("status"):
                facts.append(f"health is **{health['status']}**")
            sync = obj.get("sync")
            if isinstance(sync, dict) and sync.get("status"):
                facts.append(f"sync status is **{sync['status']}**")
        text_lines = [str(o["text"]) for o in _walk(data) if isinstance(o.get("text"), str)]
        lines = "\n".join(text_lines).splitlines() if text_lines else []
    else:
        lines = result.splitlines()
    lines = [line.strip() for line in lines if line.strip()]
    if not data:
        for line in lines:
            match = re.search(r"\b(BackOff|Unhealthy|Failed\w*|Killing|OOMKilled|CrashLoopBackOff)\b", line)
            if match:
                facts.append(f"`{line[:160]}`")
            for label in ("health", "sync"):
                found = re.search(rf"\b{label}\w*\s*[:=]\s*(\w+)", line, re.IGNORECASE)
                if found:
                    facts.append(f"{label} is **{found.group(1)}**")
    facts = _argocd_facts(tool, lines) + facts
    errors = [line for line in lines if re.search(r"error|exception|traceback|fatal", line, re.IGNORECASE)]
    if tool.endswith("logs") and (errors or lines):
        facts.insert(0, f"the last error line in the log is `{(errors or lines)[-1][:200]}`")
    if not facts and lines:
        facts = [f"`{line[:160]}`" for line in lines[:3]]
    return list(dict.fromkeys(facts))[:6]


# Lines of Argo CD's own tools that carry the cause: a diff's changed fields and the resources it names, a
# sync's outcome and what failed in it, a revision's commit, an ApplicationSet's problems.
_ARGOCD_FACT_LINES = {
    "get_diff": re.compile(r"^([-+][^-+].*|.* (fields? differs?|missing live|requires pruning).*)$"),
    "get_application": re.compile(r"^(Last sync: (?!Succeeded).*|.*(hook|SyncFailed).*|Conditions: .*)$"),
    "get_history": re.compile(r"^Revision .*$"),
    "list_applicationsets": re.compile(r"^.*\bERROR\b.*$"),
    "get_applicationset": re.compile(r"^PROBLEM .*$"),
}


def _argocd_facts(tool: str, lines: list[str]) -> list[str]:
    pattern = next((p for name, p in _ARGOCD_FACT_LINES.items() if tool.endswith(name)), None)
    if pattern is None:
        return []
    return [f"`{line[:240]}`" for line in lines if pattern.match(line)][:6]


_NEXT_STEPS = {
    "get_diff": "Decide which side is right: if the live change was deliberate, commit it to Git; "
    "otherwise a sync puts back what Git declares (self-heal would do it automatically).",
    "get_history": "Compare the newest commit with the failure: the change it describes is the first "
    "suspect; rolling back to the previous deployment is the quickest way out.",
    "list_applicationsets": "Open the ApplicationSet that reports an error; its generator message says what "
    "it could not read.",
    "get_logs": "Fix the error the stack trace points at, then watch the restart count of the container "
    "drop back to zero after the next sync.",
    "get_events": "Look at the newest Warning events first; a BackOff usually follows a container that "
    "exits on start, so its logs tell you the root cause.",
    "get_manifest": "Compare the live manifest with what Git declares; a difference in image, environment "
    "or probes is the usual suspect.",
    "get_resource_tree": "Follow the tree from the application down to the unhealthy leaf; the first "
    "Degraded child is where to look next.",
    "list_applications": "Open any application that is not Synced and Healthy to see its resources.",
    "get_application": "If the application is OutOfSync, a sync brings it back to what Git declares; if it "
    "is Degraded, check the events and logs of the unhealthy resource.",
}


def answer_from_tool(tool: str, result: str, context: Context) -> str:
    """About 200 tokens of Markdown built only from the tool result and the context."""
    if result.startswith("Not done:"):  # an action the person declined, or never answered
        return f"I did not do it. {result.removeprefix('Not done:').strip()}"
    base = next((key for key in _NEXT_STEPS if tool.endswith(key)), "")
    if re.search(r"permission denied|not found|unauthori[sz]ed|forbidden|^error", result, re.IGNORECASE):
        lead = f"I called `{tool}` for {context.describe()}, but it returned an error:"
        facts = [f"`{line.strip()[:200]}`" for line in result.splitlines() if line.strip()][:2]
        meaning = "Argo CD refused or could not find what I asked for, so I have no data to reason about."
        tail = "You may not have access to it, or it may not exist. Ask an administrator or check the name."
    else:
        lead = f"I looked at {context.describe()} with `{tool}`. Here is what stands out:"
        facts = _facts(tool, result) or ["the tool returned no data"]
        meaning = _meaning(facts)
        tail = _NEXT_STEPS.get(base, "Ask me for its events, logs or manifest to dig further.")
    bullets = "\n".join(f"- {fact}" for fact in facts)
    return (
        f"### Findings\n\n{lead}\n\n{bullets}\n\n### What it means\n\n"
        f"These facts come straight from Argo CD for {context.describe()}. "
        f"{meaning}\n\n### Next step\n\n{tail}\n\n"
        f"I asked Argo CD through `{tool}` with your own permissions, so this shows only what your account "
        "may see. Everything quoted above is copied from the tool result without changes; ask me for the "
        "events, logs or manifest of a related resource and I will fetch those as well."
    )


def answer_from_attached_logs(logs: str, context: Context) -> str:
    """A question about logs the user attached: read them rather than fetch them again."""
    facts = _facts("get_logs", logs) or ["the attached logs are empty"]
    bullets = "\n".join(f"- {fact}" for fact in facts)
    return (
        f"### Findings\n\nI read the logs you attached for {context.describe()}. Here is what stands out:"
        f"\n\n{bullets}\n\n### What it means\n\n{_meaning(facts)}\n\n### Next step\n\n"
        f"{_NEXT_STEPS['get_logs']}\n\nThese lines come from the logs attached in the Assistant tab, which "
        "your browser fetched from Argo CD with your own permissions; ask me for the events or the manifest "
        "and I will fetch them as well."
    )


def _meaning(facts: list[str]) -> str:
    joined = " ".join(facts).lower()
    if "hook" in joined or "syncfailed" in joined or "last sync: failed" in joined:
        return (
            "The last sync did not complete: Argo CD stopped at the resource or hook quoted above, so the "
            "new revision was not applied and the application stays OutOfSync."
        )
    if "crashloop" in joined or "backoff" in joined or "traceback" in joined or "error" in joined:
        return (
            "The container starts, fails and is restarted by Kubernetes with a growing delay, so the "
            "workload never becomes ready and the application's health is reported as Degraded."
        )
    if "differ" in joined or "missing live" in joined or "requires pruning" in joined:
        return (
            "The live objects no longer match Git: the fields above were changed in the cluster (or in Git), "
            "which is why Argo CD reports the application as OutOfSync."
        )
    if "outofsync" in joined:
        return "The live state differs from Git, so Argo CD reports the application as OutOfSync."
    if "healthy" in joined:
        return "Nothing here points at a failure: the resource reports itself as healthy."
    return "Nothing in this output points at a failure on its own; compare it with the events and logs."


def answer_from_context(question: str, context: Context) -> str:
    """The answer when no tool fits: restates what the context says and how to dig further."""
    known = [
        f"- {label}: `{value}`"
        for label, value in (
            ("Application", context.application),
            ("Application namespace", context.app_namespace),
            ("Project", context.project),
            ("Kind", context.kind),
            ("Name", context.name),
            ("Namespace", context.namespace),
        )
        if value
    ]
    facts = "\n".join(known) if known else "- No application or resource was given to me."
    asked = f" You asked: “{question.strip()[:120]}”." if question.strip() else ""
    return (
        f"### About {context.describe()}\n\n"
        f"Here is what I know from the page you are on.{asked}\n\n{facts}\n\n"
        "I can look at its **events**, its **logs**, its **manifest**, its **resource tree** or the "
        "application's **sync and health status** — ask about any of these and I will fetch it from Argo CD "
        "with your permissions."
    )
