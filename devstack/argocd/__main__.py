"""`python -m devstack.argocd --port N …`: serves the simulator with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from devstack.argocd import SimulatorConfig, create_app


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.argocd", description="Argo CD API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--extension-url", help="backend of the `assistant` proxy extension")
    parser.add_argument(
        "--extension-header",
        type=_header,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="header the proxy extension sets on every request (repeatable)",
    )
    parser.add_argument("--direct-route-url", help="backend of the /assistant/ direct route")
    parser.add_argument("--static-dir", help="host page served at / and /ui/")
    parser.add_argument("--extensions-dir", help="directory of extension*.js files served as /extensions.js")
    parser.add_argument(
        "--route-extensions-dir",
        type=_header,
        action="append",
        default=[],
        metavar="ROUTE=DIR",
        help="devstack only: /extensions.js?route=ROUTE serves DIR instead of --extensions-dir (repeatable)",
    )
    parser.add_argument(
        "--scenarios",
        metavar="DIR",
        help="devstack only: add the evaluation scenarios of DIR (eval/scenarios) to the demo world",
    )
    parser.add_argument(
        "--operation-delay",
        type=float,
        default=SimulatorConfig.operation_delay,
        metavar="SECONDS",
        help="devstack only: how long a sync or rollback stays Running (default %(default)s)",
    )
    args = parser.parse_args(argv)
    config = SimulatorConfig(
        extension_url=args.extension_url,
        extension_headers=dict(args.extension_header),
        direct_route_url=args.direct_route_url,
        static_dir=args.static_dir,
        extensions_dir=args.extensions_dir,
        route_extensions_dirs=dict(args.route_extensions_dir),
        scenarios_dir=args.scenarios,
        operation_delay=args.operation_delay,
    )
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
