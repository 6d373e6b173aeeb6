"""The host page (`--static-dir`) and `/extensions.js` (`--extensions-dir`).

`/extensions.js` is built as an Argo CD 3.5 server builds it. A devstack-only convenience (Argo CD has no
such parameter): `/extensions.js?route=NAME` serves another directory, so one simulator can host the
extension as installed for the proxy route and for the direct route (each with its installer vars file)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from devstack.argocd.config import SimulatorConfig

_EXTENSION_FILE = re.compile(r"^extension(.*)\.js$")


def extensions_bundle(directory: str | None) -> str:
    """Every `extension*.js` under `directory` (walked in lexical order), each wrapped in try/catch."""
    if not directory or not os.path.isdir(directory):
        return ""
    parts: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if not _EXTENSION_FILE.match(name):
                continue
            path = os.path.join(root, name)
            source = Path(path).read_text(encoding="utf-8")
            parts.append(
                f"// source: {path}\ntry {{\n{source}\n}} catch (e) {{\n"
                f"  console.error('Failed to load extension {name}:', e);\n}}\n"
            )
    return "".join(parts)


def routes(config: SimulatorConfig) -> list[BaseRoute]:
    async def extensions_js(request: Request) -> Response:
        directory = config.extensions_dir
        route = request.query_params.get("route")
        if route:
            if route not in config.route_extensions_dirs:
                return PlainTextResponse("404 page not found\n", status_code=404)
            directory = config.route_extensions_dirs[route]
        return Response(
            extensions_bundle(directory),
            media_type="application/javascript",
            headers={"Cache-Control": "no-cache"},
        )

    def _file(relative: str) -> Response:
        if not config.static_dir:
            return PlainTextResponse("404 page not found\n", status_code=404)
        root = Path(config.static_dir).resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return PlainTextResponse("404 page not found\n", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def index(request: Request) -> Response:
        return _file("index.html")

    async def ui_file(request: Request) -> Response:
        return _file(request.path_params["path"])

    return [
        Route("/extensions.js", extensions_js, methods=["GET"]),
        Route("/", index, methods=["GET"]),
        Route("/ui/{path:path}", ui_file, methods=["GET"]),
    ]
