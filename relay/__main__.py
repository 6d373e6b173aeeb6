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

log = logging.getLogger("relay")


class RelayServer(uvicorn.Server):
    """uvicorn with a graceful end for the open answers. On SIGTERM: readiness fails and new answers are
    refused at once (the pod leaves its Service; a question that still arrives gets a clear 503), the open
    answers may finish within `grace_seconds`, then the rest end with an `error` event saying the assistant
    restarted (uvicorn would otherwise wait for them), each closing its llama-stack request."""

    def __init__(self, config: uvicorn.Config, streams: OpenStreams, grace_seconds: float = 0.0) -> None:
        super().__init__(config)
        self._streams = streams
        self._grace = grace_seconds

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._grace > 0 and not self.force_exit:
            log.info(
                "shutting down: waiting up to %.0f s for %d open answers", self._grace, len(self._streams)
            )
            await self._streams.drain(self._grace)
        left = len(self._streams)
        if left:
            log.info("shutting down: ending %d open answers", left)
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
        grace_seconds=config.limits.shutdown_grace_seconds,
    )
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
