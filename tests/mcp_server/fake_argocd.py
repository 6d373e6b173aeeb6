"""A tiny Argo CD stand-in for shapes the simulator's world does not have: one resource name in two
namespaces, log streams that fail inside the stream (with or without lines before the error), and pods
whose containers never started (an image that cannot be pulled, a missing Secret) or crash-loop with no line
from their current instance yet."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

APP = "shop"
NODES = [
    {"kind": "ConfigMap", "version": "v1", "namespace": "a", "name": "settings", "uid": "1"},
    {"kind": "ConfigMap", "version": "v1", "namespace": "b", "name": "settings", "uid": "2"},
    {"kind": "Pod", "version": "v1", "namespace": "shop", "name": "web-1", "uid": "3"},
    {"kind": "Pod", "version": "v1", "namespace": "shop", "name": "web-2", "uid": "4"},
    {"kind": "Deployment", "group": "apps", "version": "v1", "namespace": "shop", "name": "web", "uid": "10"},
    {
        "kind": "ReplicaSet",
        "group": "apps",
        "version": "v1",
        "namespace": "shop",
        "name": "web-7d9",
        "uid": "11",
        "parentRefs": [
            {"kind": "Deployment", "group": "apps", "namespace": "shop", "name": "web", "uid": "10"}
        ],
    },
    *(
        {
            "kind": "Pod",
            "version": "v1",
            "namespace": "shop",
            "name": name,
            "uid": uid,
            "health": {"status": "Degraded", "message": reason},
            "parentRefs": [
                {"kind": "ReplicaSet", "group": "apps", "namespace": "shop", "name": "web-7d9", "uid": "11"}
            ],
        }
        for name, uid, reason in (
            ("web-3", "12", "ImagePullBackOff"),
            ("web-4", "13", "CreateContainerConfigError"),
        )
    ),
    {
        "kind": "Pod",
        "version": "v1",
        "namespace": "shop",
        "name": "worker-1",
        "uid": "20",
        "health": {"status": "Degraded", "message": "back-off 40s restarting failed container=worker"},
    },
]
IMAGE = "ghcr.io/example-org/web:9.9.9"
WAITING = {
    "web-3": (
        "ImagePullBackOff",
        f'Back-off pulling image "{IMAGE}": not found',
        'container "web" in pod "web-3" is waiting to start: trying and failing to pull image',
    ),
    "web-4": (
        "CreateContainerConfigError",
        'secret "web-env" not found',
        'container "web" in pod "web-4" is waiting to start: CreateContainerConfigError',
    ),
}
PANIC = "panic: runtime error: invalid memory address or nil pointer dereference"
IN_STREAM_ERROR = {
    "error": {"grpc_code": 2, "http_code": 500, "message": "container b not found", "http_status": ""}
}


def _ndjson(*objects: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


async def resource_tree(request: Request) -> Response:
    return JSONResponse({"nodes": NODES})


def _line(content: str, pod: str) -> dict[str, object]:
    return {"result": {"content": content, "podName": pod, "timeStampStr": "", "last": False}}


END = {"result": {"content": "", "podName": "", "timeStampStr": "", "last": True}}


async def logs(request: Request) -> Response:
    """web-1: one line, then an error in the stream; web-2: the error before any line. Deployment web: its two
    pods' containers never started, which Kubernetes' log call says as a line (web-3), or as an error in the
    stream when web-4 is read alone. worker-1: crash-looping, no line yet; its previous instance panicked."""
    query = request.query_params
    pod = query.get("podName")
    if pod == "web-1":
        return Response(_ndjson(_line("started", "web-1"), IN_STREAM_ERROR), media_type="application/json")
    if query.get("kind") == "Deployment" and query.get("resourceName") == "web":
        return Response(
            _ndjson(*(_line(WAITING[p][2], p) for p in WAITING), END), media_type="application/json"
        )
    if pod == "web-3":
        return Response(_ndjson(_line(WAITING[pod][2], pod), END), media_type="application/json")
    if pod == "web-4":
        error = {"error": {"grpc_code": 3, "http_code": 400, "message": WAITING[pod][2], "http_status": ""}}
        return Response(_ndjson(error), media_type="application/json")
    if pod == "worker-1":
        if query.get("previous") == "true":
            lines = [_line("worker starting", pod), _line(PANIC, pod)]
            return Response(_ndjson(*lines, END), media_type="application/json")
        return Response(_ndjson(END), media_type="application/json")
    return Response(_ndjson(IN_STREAM_ERROR), media_type="application/json")


def _pod(name: str) -> dict[str, object]:
    if name == "worker-1":
        state: dict[str, object] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": "back-off 40s restarting failed container=worker",
            }
        }
        status = {"name": "worker", "restartCount": 3, "state": state}
        status["lastState"] = {"terminated": {"reason": "Error", "exitCode": 2}}
    else:
        reason, message, _ = WAITING[name]
        status = {
            "name": "web",
            "restartCount": 0,
            "state": {"waiting": {"reason": reason, "message": message}},
        }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop"},
        "status": {"phase": "Pending" if name != "worker-1" else "Running", "containerStatuses": [status]},
    }


async def resource(request: Request) -> Response:
    """The live manifest of one of the pods (Argo CD sends it as a JSON string)."""
    return JSONResponse({"manifest": json.dumps(_pod(request.query_params["resourceName"]))})


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route(f"/api/v1/applications/{APP}/resource-tree", resource_tree),
            Route(f"/api/v1/applications/{APP}/logs", logs),
            Route(f"/api/v1/applications/{APP}/resource", resource),
        ]
    )
