"""Reading the relay's context block out of a chat prompt, liberally.

The relay writes lines such as `application: checkout`, `app_namespace: argocd`, `kind: Pod` into the system
or user message. The first occurrence of each key wins, so a manifest quoted further down cannot override it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

# key spelling in the prompt -> field of Context
_ALIASES = {
    "application": "application",
    "app": "application",
    "app_name": "application",
    "application_name": "application",
    "appname": "application",
    "app_namespace": "app_namespace",
    "appnamespace": "app_namespace",
    "application_namespace": "app_namespace",
    "project": "project",
    "kind": "kind",
    "group": "group",
    "version": "version",
    "name": "name",
    "resource_name": "name",
    "namespace": "namespace",
    "resource_namespace": "namespace",
    "container": "container",
}

_LINE = re.compile(
    r"""^[ \t>*#-]*["'`]?(?P<key>[A-Za-z_][A-Za-z_ ]*?)["'`]?[ \t]*[:=][ \t]*["'`]?(?P<value>[^\s"'`,]+)""",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Context:
    application: str | None = None
    app_namespace: str | None = None
    project: str | None = None
    kind: str | None = None
    group: str | None = None
    version: str | None = None
    name: str | None = None
    namespace: str | None = None
    container: str | None = None

    def describe(self) -> str:
        """A short phrase naming what the user is looking at."""
        parts = []
        if self.kind and self.name:
            where = f" in namespace `{self.namespace}`" if self.namespace else ""
            parts.append(f"{self.kind} `{self.name}`{where}")
        if self.application:
            parts.append(f"application `{self.application}`")
        return " of ".join(parts) if parts else "this application"


def message_text(content: Any) -> str:
    """Text of a chat message's content, which is a string or a list of `{"type":"text","text":…}` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and "text" in part
        )
    return ""


def parse_context(messages: list[dict[str, Any]]) -> Context:
    """Collects the context keys from system messages first, then user messages."""
    found: dict[str, str] = {}
    ordered = [m for m in messages if m.get("role") in ("system", "developer")]
    ordered += [m for m in messages if m.get("role") == "user"]
    for message in ordered:
        for match in _LINE.finditer(message_text(message.get("content"))):
            key = match.group("key").strip().lower().replace(" ", "_")
            field = _ALIASES.get(key)
            value = match.group("value").strip().rstrip(".;)")
            if field is None or not value or field in found:
                continue
            if field == "application" and "/" in value and "app_namespace" not in found:
                # `application: argocd/checkout` carries the app namespace too
                namespace, _, value = value.partition("/")
                found["app_namespace"] = namespace
            found[field] = value
    names = {f.name for f in fields(Context)}
    return Context(**{k: v for k, v in found.items() if k in names})
