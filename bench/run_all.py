"""`make bench`: every benchmark in turn, each printing its table and appending its row to RESULTS.md.

`python -m bench.run_all [--quick] [--only NAME ...]`; exits non-zero when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

BENCHMARKS = (
    "tokens",
    "tool_latency",
    "memory",
    "startup",
    "open_streams",
    "relay_overhead",
    "browser_reads",
    "topology",
)


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    cli.add_argument("--quick", action="store_true", help="smoke run of each benchmark; records nothing")
    cli.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    args = cli.parse_args(argv)
    failed = []
    for name in args.only or BENCHMARKS:
        # One process per benchmark: each starts and stops its own servers, and none inherits another's heap.
        cmd = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if args.quick else [])]
        if subprocess.run(cmd, check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that could not run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
