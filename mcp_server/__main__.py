"""`python -m mcp_server` / `argocd-assistant mcp`: run the MCP server over stdio or streamable HTTP."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from mcp_server.config import Settings, SettingsError, load_settings

# flag → settings field (values given on the command line override the environment)
_FLAGS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("--transport", "mcp_transport", {"choices": ["stdio", "http"]}),
    ("--host", "mcp_host", {}),
    ("--port", "mcp_port", {"type": int}),
    ("--argocd-server", "argocd_server", {}),
    ("--ca-file", "argocd_ca_file", {}),
    ("--timeout", "argocd_timeout", {"type": float}),
    ("--connect-timeout", "argocd_connect_timeout", {"type": float}),
    ("--logs-timeout", "argocd_logs_timeout", {"type": float}),
    ("--total-timeout", "argocd_total_timeout", {"type": float}),
    ("--max-response-bytes", "argocd_max_response_bytes", {"type": int}),
    ("--max-result-bytes", "mcp_max_result_bytes", {"type": int}),
    ("--default-log-lines", "mcp_default_log_lines", {"type": int}),
    ("--max-log-lines", "mcp_max_log_lines", {"type": int}),
    ("--max-log-read-bytes", "mcp_max_log_read_bytes", {"type": int}),
    ("--max-events", "mcp_max_events", {"type": int}),
    ("--allowed-hosts", "mcp_allowed_hosts", {}),
)


def _parser() -> argparse.ArgumentParser:
    fields = Settings.model_fields
    parser = argparse.ArgumentParser(
        prog="python -m mcp_server",
        description="MCP server with the Argo CD toolset. Every flag can also be "
        "set through the environment variable named in its help;"
        " the Argo CD token only through ARGOCD_TOKEN.",
    )
    for flag, field, extra in _FLAGS:
        parser.add_argument(flag, dest=field, default=None, help=fields[field].description, **extra)
    parser.add_argument(
        "--insecure",
        dest="argocd_insecure",
        action="store_const",
        const=True,
        default=None,
        help=fields["argocd_insecure"].description,
    )
    parser.add_argument(
        "--allow-default-token",
        dest="allow_default_token",
        action="store_const",
        const=True,
        default=None,
        help=fields["allow_default_token"].description,
    )
    parser.add_argument(
        "--read-only",
        dest="mcp_read_only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=fields["mcp_read_only"].description,
    )
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    overrides = {k: v for k, v in vars(args).items() if v is not None and k != "log_level"}
    # Logs go to stderr: on stdio, stdout carries the protocol.
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from mcp_server.server import build_server, serve_http

    if settings.mcp_transport == "stdio":
        from mcp_server.stdio import run_stdio

        run_stdio(build_server(settings))
        return 0

    if settings.argocd_token is not None and not settings.allow_default_token:
        logging.getLogger("mcp_server").warning(
            "ARGOCD_TOKEN is ignored over HTTP (callers send their own token);"
            " set ALLOW_DEFAULT_TOKEN to use it"
        )
    serve_http(settings, args.log_level.lower())
    return 0


if __name__ == "__main__":
    sys.exit(main())
