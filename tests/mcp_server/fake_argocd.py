"""A tiny Argo CD stand-in for shapes the simulator's world does not have: one resource name in two
namespaces, and log streams that fail inside the stream (with or without lines before the error)."""

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
]
IN_STREAM_ERROR = {
    "error": {"grpc_code": 2, "http_code": 500, "message": "container b not found", "http_status": ""}
}


def _ndjson(*objects: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


async def resource_tree(request: Request) -> Response:
    return JSONResponse({"nodes": NODES})


async def logs(request: Request) -> Response:
    """web-1: one line, then an error in the stream; web-2: the error before any line."""
    error = _ndjson(IN_STREAM_ERROR)
    if request.query_params.get("podName") == "web-1":
        line = {"result": {"content": "started", "podName": "web-1", "timeStampStr": "", "last": False}}
        return Response(_ndjson(line) + error, media_type="application/json")
    return Response(error, media_type="application/json")


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route(f"/api/v1/applications/{APP}/resource-tree", resource_tree),
            Route(f"/api/v1/applications/{APP}/logs", logs),
        ]
    )
