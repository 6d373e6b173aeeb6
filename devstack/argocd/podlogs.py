"""`/api/v1/applications/{name}/logs` and `/pods/{podName}/logs`: a chunked NDJSON (or SSE) stream.

Pods are selected through the resource tree as Argo CD's getSelectedPods does; lines of several pods are
merged by timestamp; the stream ends with a `last: true` sentinel. Lines are produced lazily, so the
endless pod's log is never held in memory and a disconnect stops the generation.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import anyio
import anyio.lowlevel
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from devstack.argocd import world
from devstack.argocd.access import get_app
from devstack.argocd.auth import authenticate
from devstack.argocd.errors import INVALID_ARGUMENT, ApiError, permission_denied
from devstack.argocd.kube import JSON
from devstack.argocd.logs_data import KubeLogError, Line
from devstack.argocd.params import bool_param, int_param

MAX_PODS = 10
_BATCH = 200  # lines per chunk written; keeps the endless stream fast while still yielding to the loop


def selected_pods(app: world.App, kind: str, group: str, name: str, namespace: str) -> list[JSON]:
    nodes = world.resource_tree(app)["nodes"]
    decided: dict[str, bool] = {}

    def selected(node: JSON) -> bool:
        if node["uid"] in decided:
            return decided[node["uid"]]
        decided[node["uid"]] = False  # guards against cycles
        if (
            (not name or node["name"] == name)
            and (not kind or node["kind"] == kind)
            and (not group or node.get("group", "") == group)
            and (not namespace or node["namespace"] == namespace)
        ):
            decided[node["uid"]] = True
            return True
        for ref in node.get("parentRefs", []):
            for parent in nodes:
                if (parent["namespace"], parent["name"], parent.get("group", ""), parent["kind"]) == (
                    ref["namespace"],
                    ref["name"],
                    ref.get("group", ""),
                    ref["kind"],
                ) and selected(parent):
                    decided[node["uid"]] = True
                    return True
        return False

    return [n for n in nodes if n["kind"] == "Pod" and "group" not in n and n["uid"] and selected(n)]


def _timestamp(moment: datetime) -> tuple[str, str]:
    moment = moment.astimezone(UTC)
    nano = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}".rstrip("0").rstrip(".")) + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), nano


def _entry(content: str, moment: datetime | None, pod: str, last: bool = False) -> str:
    stamp, stamp_str = _timestamp(moment) if moment else (None, "")
    return json.dumps(
        {
            "result": {
                "content": content,
                "timeStamp": stamp,
                "timeStampStr": stamp_str,
                "podName": pod,
                "last": last,
            }
        }
    )


def _pod_lines(
    app: world.App, pod: str, container: str, previous: bool, since: int | None, tail: int | None
) -> Iterator[tuple[datetime, str, str]]:
    source = app.logs.get(pod)
    try:
        if source is None:
            raise KubeLogError(f'pods "{pod}" not found')
        lines: Iterator[Line] = source.read(pod, container, previous, since, tail)
    except KubeLogError as exc:
        # A failing Kubernetes log call reaches the client as an ordinary content line.
        lines = iter([(datetime.now(UTC), str(exc))])
    return ((moment, text, pod) for moment, text in lines)


def _filtered(
    lines: Iterator[tuple[datetime, str, str]], literal: str, match_case: bool
) -> Iterator[tuple[datetime, str, str]]:
    inverse = literal.startswith("!")
    literal = literal[1:] if inverse else literal
    if not literal:
        return lines
    needle = literal if match_case else literal.lower()
    return (
        line
        for line in lines
        if ((needle in line[1]) if match_case else (needle in line[1].lower())) != inverse
    )


async def pod_logs(request: Request) -> Response:
    sse = "text/event-stream" in request.headers.get("accept", "")
    try:
        claims = authenticate(request)
        enforcer = request.app.state.enforcer
        app = get_app(enforcer, claims, request, request.path_params["name"])
        if not enforcer.enforce(claims.subjects, "logs", "get", app.rbac_name()):
            raise permission_denied()
        q = request.query_params
        tail, since = int_param(request, "tailLines"), int_param(request, "sinceSeconds")
        pod_name = request.path_params.get("podName") or q.get("podName", "")
        kind, group, name = (
            ("Pod", "", pod_name)
            if pod_name
            else (q.get("kind", ""), q.get("group", ""), q.get("resourceName", ""))
        )
        pods = selected_pods(app, kind, group, name, q.get("namespace", ""))
        if len(pods) > MAX_PODS:
            raise ApiError(
                INVALID_ARGUMENT, "max pods to view logs are reached. Please provide more granular query"
            )
    except ApiError as exc:
        # grpc-gateway: an error before the first message sets the status and is written as a stream error.
        return Response(
            _frame(exc.stream_chunk(), sse),
            status_code=exc.status,
            media_type="text/event-stream" if sse else "application/json",
        )
    streams = [
        _pod_lines(app, p["name"], q.get("container", ""), bool_param(request, "previous"), since, tail)
        for p in pods
    ]
    merged = _filtered(
        heapq.merge(*streams, key=lambda line: line[0]),
        q.get("filter", ""),
        bool_param(request, "matchCase"),
    )
    return StreamingResponse(
        _chunks(merged, sse),
        media_type="text/event-stream" if sse else "application/json",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _frame(obj: str, sse: bool) -> str:
    return f"data: {obj}\n\n" if sse else obj + "\n"


async def _chunks(lines: Iterator[tuple[datetime, str, str]], sse: bool) -> AsyncIterator[str]:
    batch: list[str] = []
    for moment, text, pod in lines:
        batch.append(_frame(_entry(text, moment, pod), sse))
        if len(batch) >= _BATCH:
            yield "".join(batch)
            batch = []
            await anyio.lowlevel.checkpoint()
    batch.append(_frame(_entry("", None, "", last=True), sse))
    yield "".join(batch)
