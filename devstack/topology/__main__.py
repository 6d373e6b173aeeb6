"""`python -m devstack.topology [--replicas N] [--store postgres|sqlite] [--json]`: starts the production
topology on loopback (PostgreSQL, N llama-stacks, N relays, HAProxy in front) and prints its URLs; Ctrl-C
stops it."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

from devstack.topology.launcher import Topology, TopologyError, TopologyOptions


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # once: a second signal must not interrupt the clean-up it started
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.topology", description=__doc__)
    parser.add_argument("--replicas", type=int, default=2, help="llama-stacks and relays (default 2)")
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--token-delay-ms", type=float, default=0.0, help="scripted model: pause per word")
    parser.add_argument("--json", action="store_true", help="print one JSON line of every URL")
    args = parser.parse_args(argv)
    options = TopologyOptions(replicas=args.replicas, store=args.store, token_delay_ms=args.token_delay_ms)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        with Topology.start(options) as topology:
            summary = topology.summary()
            print(json.dumps(summary) if args.json else json.dumps(summary, indent=2), flush=True)
            while not (dead := topology.exited()):
                time.sleep(0.5)
            print(f"stopping: {', '.join(dead)} exited (see {topology.log_dir})", file=sys.stderr)
            return 1
    except (TopologyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except _Stop:
        return 0


if __name__ == "__main__":
    sys.exit(main())
