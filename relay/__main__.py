"""`python -m relay [--host H] [--port N] [--config FILE]` (also `argocd-assistant relay`)."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence

import uvicorn

from relay.config import ConfigError, load_config
from relay.sse import OpenStreams


class RelayServer(uvicorn.Server):
    """uvicorn, ending the open answers as shutdown begins: each would otherwise hold the shutdown until it
    finished (uvicorn waits for open responses), and each closes its llama-stack request as it ends."""

    def __init__(self, config: uvicorn.Config, streams: OpenStreams) -> None:
        super().__init__(config)
        self._streams = streams

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._streams.close_all()
        await super().shutdown(sockets)


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
    app = create_app(config)
    server = RelayServer(
        uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False),
        app.state.open_streams,
    )
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
