"""get_logs: a bounded, redacted tail of one pod's or one workload's logs.

A pod without lines is often one whose container never started: then the pod's status says why (each
waiting container's reason and message, read from its live manifest, at most `MAX_PODS` pods at once). A
crash-looping container whose current instance has logged nothing yet: when it is the only thing to show,
its previous instance's lines are read instead (one more log read), and the text says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from mcp_server import models as m
from mcp_server import shaping
from mcp_server.argocd_client import (
    ArgoCDError,
    BadRequest,
    LogLine,
    LogStreamError,
    LogTail,
    PermissionDeniedOrNotFound,
)
from mcp_server.tools.base import Call, scoped
from mcp_server.tools.errors import permission_denied
from mcp_server.tools.lookup import Lookup, node_manifest, with_node
from mcp_server.tools.pods import MAX_PODS, health_of, pods_under, unhealthy_first

# Kubernetes' answer for a container that has not started (Argo CD passes it on as a log line, or as an
# error in the stream): `container "api" in pod "web-1" is waiting to start: trying and failing to pull image`
_WAITING = re.compile(r'container "?(?P<container>[^"\s]+)"? in pod "?(?P<pod>[^"\s]+)"? is waiting to start')
_NO_PREVIOUS = re.compile(r"previous terminated container .* not found")
_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class Waiting:
    """Why one container of one pod is not running."""

    pod: str
    container: str
    init: bool
    reason: str
    message: str
    restarts: int = 0
    last_exit: str = ""

    @property
    def crash_looping(self) -> bool:
        return self.reason == "CrashLoopBackOff"

    def line(self) -> str:
        what = (
            self.pod
            + (f"/{self.container}" if self.container else "")
            + (" (init container)" if self.init else "")
        )
        extra = []
        if self.restarts:
            extra.append(f"restarted {self.restarts} times")
        if self.last_exit:
            extra.append(f"last exit: {self.last_exit}")
        details = f" ({'; '.join(extra)})" if extra else ""
        return f"{what}: {self.reason}{details}" + (f": {self.message}" if self.message else "")


def _last_exit(status: Mapping[str, Any]) -> str:
    terminated = (status.get("lastState") or {}).get("terminated")
    if not isinstance(terminated, Mapping):
        return ""
    reason = str(terminated.get("reason") or "")
    code = terminated.get("exitCode")
    return ", ".join(p for p in (reason, f"exit code {code}" if code is not None else "") if p)


def waiting_containers(pod: Mapping[str, Any], container: str | None) -> list[Waiting]:
    """Why the containers of a live Pod object are not running: each waiting container (only `container`
    when given, and the init containers it waits for), or the scheduler's message for a pod not scheduled."""
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    name = str(meta.get("name") or "")
    out: list[Waiting] = []
    for key, init in (("initContainerStatuses", True), ("containerStatuses", False)):
        for cs in status.get(key) or []:
            if not isinstance(cs, Mapping):
                continue
            waiting = (cs.get("state") or {}).get("waiting")
            if not isinstance(waiting, Mapping) or (container and not init and cs.get("name") != container):
                continue
            out.append(
                Waiting(
                    pod=name,
                    container=str(cs.get("name") or ""),
                    init=init,
                    reason=str(waiting.get("reason") or "Waiting"),
                    message=shaping.redact(str(waiting.get("message") or ""))[:_MESSAGE_CHARS],
                    restarts=int(cs.get("restartCount") or 0),
                    last_exit=_last_exit(cs),
                )
            )
    if not out and not status.get("containerStatuses"):
        for cond in status.get("conditions") or []:
            if (
                isinstance(cond, Mapping)
                and cond.get("type") == "PodScheduled"
                and cond.get("status") == "False"
            ):
                message = shaping.redact(str(cond.get("message") or ""))[:_MESSAGE_CHARS]
                reason = str(cond.get("reason") or "Unschedulable")
                out.append(Waiting(pod=name, container="", init=False, reason=reason, message=message))
    return out


def _split_waiting(lines: list[LogLine]) -> tuple[list[LogLine], dict[str, str]]:
    """(log lines, Kubernetes' "is waiting to start" answers by pod) — the latter are not log lines."""
    kept: list[LogLine] = []
    said: dict[str, str] = {}
    for line in lines:
        match = _WAITING.search(line.content)
        if match is None:
            kept.append(line)
        else:
            said[line.pod or match["pod"]] = shaping.redact(line.content)[:_MESSAGE_CHARS]
    return kept, said


async def get_logs(call: Call, args: m.GetLogsArgs) -> tuple[BaseModel, str]:
    ns = scoped(call, args.application, args.app_namespace)
    if call.caller.scope is not None:
        raise ToolError(
            "Refused: logs are not read in the scoped service mode, because Argo CD checked only that "
            "the user may view this application, not its logs. Attach logs in the Assistant tab (they "
            "are fetched with the user's own permissions) or use get_events and get_manifest."
        )
    settings = call.settings
    tail = args.tail_lines or settings.mcp_default_log_lines
    if tail > settings.mcp_max_log_lines:
        raise ToolError(f"tail_lines may be at most {settings.mcp_max_log_lines} on this server.")
    query: dict[str, Any] = {
        "container": args.container,
        "tail_lines": tail,
        "since_seconds": args.since_seconds,
        "previous": args.previous,
        "filter": args.filter,
        "app_namespace": ns,
        "project": args.project,
    }
    if args.pod:
        lookup = Lookup(args.application, ns, args.project, "Pod", args.pod, args.namespace)
        target = f"Pod/{args.pod}"
    else:
        assert args.kind is not None
        assert args.name is not None
        lookup = Lookup(args.application, ns, args.project, args.kind, args.name, args.namespace)
        target = f"{args.kind}/{args.name}"

    async def read(where: dict[str, Any], max_lines: int, **overrides: Any) -> LogTail:
        try:
            return await call.client.logs(
                call.caller.token,
                args.application,
                max_lines=max_lines,
                max_bytes=settings.mcp_max_log_read_bytes,
                deadline_seconds=settings.argocd_logs_timeout,
                **{**query, **overrides},
                **where,
            )
        except (BadRequest, LogStreamError) as exc:
            if _WAITING.search(exc.message) is None:
                raise
            # the same answer as when it comes as a line: a container that has not started
            return LogTail(lines=[LogLine(pod=str(where.get("pod_name") or ""), content=exc.message)])

    async def fetch(node: Mapping[str, Any]) -> LogTail:
        nonlocal target
        if args.pod:
            where = {"pod_name": args.pod, "namespace": node.get("namespace") or None}
        else:
            where = {
                "kind": node.get("kind"),
                "group": node.get("group") or "",
                "resource_name": args.name,
                "namespace": node.get("namespace") or None,
            }
            target = f"{node.get('kind')}/{args.name}"
        return await read(where, tail * 10 if not args.pod else tail)

    try:
        found, log = await with_node(call, lookup, fetch)
    except BadRequest as exc:
        if "max pods" in exc.message:
            raise ToolError(
                f"Too many pods match {target} (Argo CD shows logs of at most 10 at once): pass "
                "pod=<one pod name> (see get_resource_tree kind=Pod) or a narrower workload."
            ) from None
        raise
    except PermissionDeniedOrNotFound:
        # The application is readable when get works: then it is the logs permission that is missing.
        try:
            await call.client.get_application(
                call.caller.token, args.application, app_namespace=ns, project=args.project
            )
        except ArgoCDError:
            raise permission_denied(args.application, args.project) from None
        raise ToolError(
            f"Permission denied: you may read application '{args.application}' but not its logs "
            "(Argo CD RBAC 'logs, get'). Use get_events and get_manifest instead."
        ) from None

    log_lines, said = _split_waiting(log.lines)
    pods_of_target: list[Mapping[str, Any]] = (
        [found.node] if args.pod else [*pods_under(found.nodes, found.node)]
    )
    waits, unread = await _why_silent(call, args, ns, pods_of_target, log_lines, said)

    previous_of = ""
    notes: list[str] = []
    crash_looping = [w for w in waits if w.crash_looping]
    if not log_lines and crash_looping and not args.previous:
        # its current instance has not logged yet: the previous (crashed) one's lines say why it crashes
        w = crash_looping[0]
        pod_node = next((p for p in pods_of_target if p.get("name") == w.pod), {})
        where = {"pod_name": w.pod, "namespace": pod_node.get("namespace") or None}
        try:
            previous = await read(where, tail, previous=True, container=w.container)
        except ArgoCDError as exc:
            notes.append(
                f"[the previous instance's lines could not be read: {shaping.redact(exc.message)[:200]}]"
            )
        else:
            kept = [ln for ln in previous.lines if not _NO_PREVIOUS.search(ln.content)]
            if kept:
                log, log_lines, previous_of = previous, kept, f"{w.pod}/{w.container}"
    log_lines, left_out = _failing_pods_first(log_lines, pods_of_target)
    if left_out:
        notes.append(
            f"[lines of {len(left_out)} other pods left out ({', '.join(left_out[:5])}"
            f"{', …' if len(left_out) > 5 else ''}): the newest failing pod's are below; pod= reads another]"
        )
    lines_per_pod = Counter(line.pod for line in log_lines)
    pods = sorted(pod for pod in lines_per_pod if pod)
    header = (
        f"Logs of {target} ({args.application}){f', container {args.container}' if args.container else ''}, "
        f"last {tail} lines{' of the previous instance' if args.previous else ''}. {m.UNTRUSTED_LOGS}"
    )
    # Argo CD sends at most `tail` lines per pod: a pod with that many may have earlier ones
    tail_reached = max(lines_per_pod.values(), default=0) >= tail
    if log.stopped:
        notes.append(f"[truncated: stopped reading, {log.stopped}]")
    elif tail_reached:
        notes.append(
            f"[truncated: the last {tail} lines per pod were read; tail_lines (up to "
            f"{settings.mcp_max_log_lines}) or since_seconds reads earlier ones]"
        )
    waiting = [w.line() for w in waits] + [f"{pod}: {message}" for pod, message in unread.items()]
    if waiting:
        notes.append("Not running (from the pod's status):")
        notes += [f"  {w}" for w in waiting]
    if previous_of:
        notes.append(
            f"{previous_of} is crash-looping and its current instance has no lines yet: the lines below are "
            "its previous (crashed) instance's."
        )
    elif not log_lines:
        notes.append("(no log lines)")
    if crash_looping and not args.previous and not previous_of:
        notes.append("previous=true with pod=<pod> reads a crash-looping container's previous instance.")
    room = settings.mcp_max_result_bytes - 200 - len("\n".join([header, *notes]).encode())
    text, cut = shaping.shape_log_lines(
        ((ln.pod, ln.content) for ln in log_lines), max(room, 1000), show_pod=len(pods) > 1
    )
    lines = text.split("\n") if text else []
    result = m.Logs(
        application=args.application,
        target=target,
        container=args.container or "",
        pods=pods,
        line_count=len(lines),
        waiting=waiting,
        previous_instance=bool(previous_of),
        truncated=cut or log.truncated or tail_reached,
    )
    body, _ = shaping.cap_bytes(
        "\n".join([header, *notes, text] if text else [header, *notes]), settings.mcp_max_result_bytes
    )
    return result, body


# Attempts of one workload fail alike (a Job's retries, a CronJob's runs): the newest one's lines say why
_KEEP_FAILING_PODS = 1
_FAILING = ("Degraded", "Missing", "Unknown")


def _failing_pods_first(
    lines: list[LogLine], pods: list[Mapping[str, Any]]
) -> tuple[list[LogLine], list[str]]:
    """A workload with several pods that log, some failing (a Job's failed attempts, beside a CronJob's
    successful runs): the lines of its newest failing pod only, and the names of the pods left out."""
    logging = {line.pod for line in lines}
    failing = [
        p for p in pods if (p.get("health") or {}).get("status") in _FAILING and p.get("name") in logging
    ]
    if len(logging) <= _KEEP_FAILING_PODS or not failing:
        return lines, []
    failing.sort(key=lambda p: str(p.get("createdAt") or ""), reverse=True)
    keep = {str(p.get("name")) for p in failing[:_KEEP_FAILING_PODS]}
    return [ln for ln in lines if ln.pod in keep], sorted(pod for pod in logging if pod not in keep)


async def _why_silent(
    call: Call,
    args: m.GetLogsArgs,
    ns: str | None,
    pods: list[Mapping[str, Any]],
    lines: list[LogLine],
    said: dict[str, str],
) -> tuple[list[Waiting], dict[str, str]]:
    """Why the target's pods without lines have none: their waiting containers, from each pod's live
    manifest (read at once, for at most `MAX_PODS` pods: the one pod asked for, or those that are not Healthy
    or that Kubernetes said are waiting); and Kubernetes' own words for a pod whose manifest was not read."""
    with_lines = {ln.pod for ln in lines}
    if "" in with_lines and len(pods) == 1:
        with_lines.add(str(pods[0].get("name")))
    silent = [p for p in unhealthy_first(pods) if str(p.get("name")) not in with_lines]
    worth = [
        p for p in silent if args.pod or str(p.get("name")) in said or health_of(p) not in ("Healthy", "")
    ][:MAX_PODS]
    found: list[list[Waiting] | None] = [None] * len(worth)

    async def one(i: int, pod: Mapping[str, Any]) -> None:
        try:
            v1_pod = {**pod, "version": pod.get("version") or "v1"}  # core v1 when its node does not say
            obj = await node_manifest(call, args.application, ns, args.project, v1_pod)
        except ArgoCDError:
            return
        found[i] = waiting_containers(obj, args.container)

    async with anyio.create_task_group() as group:
        for i, pod in enumerate(worth):
            group.start_soon(one, i, pod)
    waits = [w for ws in found if ws for w in ws]
    explained = {w.pod for w in waits}
    unread = {pod: message for pod, message in said.items() if pod not in explained}
    return waits, unread
