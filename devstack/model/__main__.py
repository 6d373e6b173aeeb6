"""`python -m devstack.model [--host H] [--port N] [--model-id ID] [--token-delay-ms MS]`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from devstack.model.app import ModelConfig, create_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.model", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--model-id", default=os.environ.get("MODEL_ID", "dev-model"))
    parser.add_argument(
        "--token-delay-ms",
        type=float,
        default=float(os.environ.get("MODEL_TOKEN_DELAY_MS", "0")),
        help="pause before each streamed word (env MODEL_TOKEN_DELAY_MS)",
    )
    parser.add_argument(
        "--slow-token-delay-ms",
        type=float,
        default=float(os.environ.get("MODEL_SLOW_TOKEN_DELAY_MS", "150")),
        help="pause per word when the user message contains [[slow]]",
    )
    args = parser.parse_args(argv)
    config = ModelConfig(args.model_id, args.token_delay_ms, args.slow_token_delay_ms)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
