"""list_applicationsets and get_applicationset: what an ApplicationSet generates, and why it does not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.tools.base import MAX_ROWS, Call, cap_rows, cut_note, refused_outside_scope

_MAX_GENERATORS = 10
_MAX_APPS = 100
_MESSAGE_CHARS = 500
# Conditions that say something went wrong when True (the others say so when False).
_BAD_WHEN_TRUE = ("ErrorOccurred",)
_PR_PROVIDERS = ("github", "gitlab", "gitea", "bitbucketServer", "bitbucket", "azuredevops")


def _labels(selector: Any) -> str:
    if not isinstance(selector, Mapping):
        return ""
    pairs = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    pairs += [
        f"{e.get('key')} {e.get('operator')} {','.join(str(v) for v in e.get('values') or [])}".strip()
        for e in selector.get("matchExpressions") or []
        if isinstance(e, Mapping)
    ]
    return ", ".join(pairs)


def _git(g: Mapping[str, Any]) -> str:
    where = f"git {g.get('repoURL', '')}@{g.get('revision') or 'HEAD'}"
    dirs = [
        str(d.get("path")) + (" (excluded)" if d.get("exclude") else "")
        for d in g.get("directories") or []
        if isinstance(d, Mapping)
    ]
    files = [str(f.get("path")) for f in g.get("files") or [] if isinstance(f, Mapping)]
    if dirs:
        where += f": directories {', '.join(dirs)}"
    if files:
        where += f": files {', '.join(files)}"
    return where


def _pull_request(g: Mapping[str, Any]) -> str:
    provider = next((p for p in _PR_PROVIDERS if isinstance(g.get(p), Mapping)), "")
    spec = g.get(provider) or {}
    repo = "/".join(str(spec.get(k)) for k in ("owner", "repo") if spec.get(k)) or str(
        spec.get("project") or spec.get("repo") or ""
    )
    labels = ", ".join(str(label) for label in spec.get("labels") or [])
    return f"pullRequest {provider} {repo}".strip() + (f" labels {labels}" if labels else "")


def generator_line(g: Any) -> str:
    """One generator in one line: its type and what it reads (nested ones named, not expanded)."""
    if not isinstance(g, Mapping) or not g:
        return "unknown generator"
    kind, spec = next(iter(g.items()))
    if not isinstance(spec, Mapping):
        return str(kind)
    if kind == "list":
        elements = spec.get("elements") or []
        return f"list: {len(elements)} elements" + (" (and elementsYaml)" if spec.get("elementsYaml") else "")
    if kind == "clusters":
        labels = _labels(spec.get("selector"))
        return f"clusters: {labels}" if labels else "clusters: every cluster Argo CD knows"
    if kind == "git":
        return _git(spec)
    if kind == "pullRequest":
        return _pull_request(spec)
    if kind == "scmProvider":
        provider = next((k for k, v in spec.items() if isinstance(v, Mapping)), "")
        org = (spec.get(provider) or {}).get("organization") or (spec.get(provider) or {}).get("group") or ""
        return f"scmProvider {provider} {org}".strip()
    if kind in ("matrix", "merge"):
        children = [next(iter(c), "?") for c in spec.get("generators") or [] if isinstance(c, Mapping)]
        return f"{kind} of {', '.join(children)}"
    ref = spec.get("configMapRef")
    return f"{kind}" + (f" configMapRef {ref}" if ref else "")


def _problems(conditions: list[m.AppSetCondition]) -> list[str]:
    """`Type: message` of each problem condition, a message several conditions share said once."""
    seen: set[str] = set()
    out = []
    for c in conditions:
        if _is_problem(c) and c.message not in seen:
            seen.add(c.message)
            out.append(f"{c.type}: {c.message}")
    return out


def _conditions(status: Mapping[str, Any]) -> list[m.AppSetCondition]:
    out = [
        m.AppSetCondition(
            type=str(c.get("type", "")),
            status=str(c.get("status", "")),
            reason=str(c.get("reason") or ""),
            message=shaping.redact(str(c.get("message") or ""))[:_MESSAGE_CHARS],
        )
        for c in status.get("conditions") or []
        if isinstance(c, Mapping)
    ]
    return sorted(out, key=lambda c: not _is_problem(c))


def _is_problem(c: m.AppSetCondition) -> bool:
    return (c.status == "True") == (c.type in _BAD_WHEN_TRUE)


def _template(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    template = spec.get("template") or {}
    return template.get("spec") or {} if isinstance(template, Mapping) else {}


def _project(spec: Mapping[str, Any]) -> str:
    return str(_template(spec).get("project") or "")


def _row(appset: Mapping[str, Any]) -> m.ApplicationSetRow:
    meta, spec, status = appset.get("metadata") or {}, appset.get("spec") or {}, appset.get("status") or {}
    return m.ApplicationSetRow(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        project=_project(spec),
        generators=[generator_line(g) for g in (spec.get("generators") or [])[:_MAX_GENERATORS]],
        applications=len(status.get("resources") or []),
        errors=_problems(_conditions(status)),
    )


def _refuse_scoped(call: Call) -> None:
    if call.caller.scope is not None:  # a session limited to one application reads no ApplicationSets
        raise refused_outside_scope(call)


async def list_applicationsets(call: Call, args: m.ListApplicationSetsArgs) -> tuple[BaseModel, str]:
    _refuse_scoped(call)
    items = await call.client.list_applicationsets(
        call.caller.token,
        projects=[args.project] if args.project else None,
        selector=args.selector,
        appset_namespace=args.appset_namespace,
    )
    rows = [_row(a) for a in items if isinstance(a, Mapping)]
    lines = [
        f"{r.namespace}/{r.name} | {r.project} | {'; '.join(r.generators) or '-'} | {r.applications} apps"
        + (f" | ERROR {'; '.join(r.errors)}" if r.errors else " | ok")
        for r in rows
    ]
    keep = min(cap_rows(lines, call.settings.mcp_max_result_bytes), MAX_ROWS)
    header = (
        f"{len(rows)} ApplicationSets (namespace/name | project | generators | applications | errors):"
        if rows
        else "No ApplicationSets match (or you may not read any: that needs `applicationsets, get`)."
    )
    text = "\n".join([header, *lines[:keep]])
    if keep < len(rows):
        text += "\n" + cut_note(keep, len(rows), "ApplicationSets")
    result = m.ApplicationSetList(applicationsets=rows[:keep], total=len(rows), truncated=keep < len(rows))
    return result, text


def _destination(template: Mapping[str, Any]) -> str:
    dest = template.get("destination") or {}
    return f"{dest.get('name') or dest.get('server') or ''}/{dest.get('namespace') or ''}"


def _source(template: Mapping[str, Any]) -> str:
    source = template.get("source") or (template.get("sources") or [{}])[0]
    if not isinstance(source, Mapping):
        return ""
    what = f"chart {source['chart']}" if source.get("chart") else str(source.get("path") or "")
    return f"{source.get('repoURL', '')} {what}@{source.get('targetRevision') or 'HEAD'}"


def _sync_policy(spec: Mapping[str, Any]) -> str:
    policy = spec.get("syncPolicy") or {}
    parts = []
    if policy.get("applicationsSync"):
        parts.append(f"applicationsSync {policy['applicationsSync']}")
    if policy.get("preserveResourcesOnDeletion"):
        parts.append("preserveResourcesOnDeletion")
    return ", ".join(parts) or "default (create, update and delete applications)"


async def get_applicationset(call: Call, args: m.GetApplicationSetArgs) -> tuple[BaseModel, str]:
    _refuse_scoped(call)
    appset = await call.client.get_applicationset(
        call.caller.token, args.applicationset, appset_namespace=args.appset_namespace
    )
    meta, spec, status = appset.get("metadata") or {}, appset.get("spec") or {}, appset.get("status") or {}
    template = _template(spec)
    template_meta = (spec.get("template") or {}).get("metadata") or {}
    apps = [
        m.AppSetApp(
            name=str(r.get("name", "")),
            namespace=str(r.get("namespace") or ""),
            sync=str(r.get("status") or "Unknown"),
            health=str((r.get("health") or {}).get("status") or "Unknown"),
        )
        for r in status.get("resources") or []
        if isinstance(r, Mapping)
    ]
    conditions = _conditions(status)
    detail = m.ApplicationSetDetail(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        project=_project(spec),
        generators=[generator_line(g) for g in (spec.get("generators") or [])[:_MAX_GENERATORS]],
        template_name=str(template_meta.get("name") or ""),
        destination=_destination(template),
        source=_source(template),
        sync_policy=_sync_policy(spec),
        applications=apps[:_MAX_APPS],
        conditions=conditions,
    )
    said: set[str] = set()

    def condition_line(c: m.AppSetCondition) -> str:
        message = "(same message)" if c.message and c.message in said else c.message
        said.add(c.message)
        return (
            f"  {'PROBLEM ' if _is_problem(c) else ''}{c.type}={c.status}"
            + (f" ({c.reason})" if c.reason else "")
            + (f": {message}" if message else "")
        )

    lines = [
        f"ApplicationSet {detail.namespace}/{detail.name} (project {detail.project or '-'})",
        "Generators:",
        *(f"  {g}" for g in detail.generators),
        f"Template: name {detail.template_name} -> {detail.destination}; source {detail.source}",
        f"Sync policy: {detail.sync_policy}",
        "Conditions (problems first):",
        *(condition_line(c) for c in conditions),
        f"Applications it generated ({len(apps)}):" if apps else "Applications it generated: none",
        *(f"  {a.namespace}/{a.name}: {a.sync}/{a.health}" for a in apps[:_MAX_APPS]),
    ]
    if len(apps) > _MAX_APPS:
        lines.append(cut_note(_MAX_APPS, len(apps), "applications"))
    text, cut = shaping.cap_bytes("\n".join(lines), call.settings.mcp_max_result_bytes)
    detail.truncated = cut or len(apps) > _MAX_APPS
    return detail, text
