"""`python -m relay [--host H] [--port N] [--config FILE]` (also `argocd-assistant relay`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import uvicorn

from relay.config import ConfigError, load_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relay", description="Argo CD Assistant relay (FastAPI, SSE).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port to bind (default 8090)")
    parser.add_argument("--config", help="YAML/JSON configuration file (default: $ASSISTANT_CONFIG)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"relay: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from relay.app import create_app

    # No access log: query strings and headers stay out of the logs; the relay logs each chat itself.
    uvicorn.run(
        create_app(config), host=args.host, port=args.port, log_level=args.log_level, access_log=False
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
