"""Start-up: the MCP server's and the relay's process start to ready, argocd-mcp's beside them, and a warm
`python -m devstack up --json` (what `make demo` runs once installed) to its ready line.

`python -m bench.startup [--quick] [--results FILE]`
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from bench import report
from bench.stack import (
    Server,
    argocd_mcp,
    argocd_mcp_installed,
    fake_responses,
    mcp_server,
    python_module,
    relay,
    relay_config,
    simulator,
)
from devstack.argocd.world import token_for


def _time(start: Callable[[], contextlib.AbstractContextManager[Server]], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        begin = time.perf_counter()
        with start():
            seconds.append(time.perf_counter() - begin)
    return seconds


def demo_to_ready(timeout: float = 180.0) -> float:
    """Seconds from `python -m devstack up --json` to its JSON ready line; the stack is then stopped."""
    begin = time.perf_counter()
    proc = subprocess.Popen(
        python_module("devstack", "up", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        for line in _lines(proc.stdout, deadline):
            if line.lstrip().startswith(b"{"):
                return time.perf_counter() - begin
        raise RuntimeError(f"devstack up printed no ready line (exit {proc.poll()})")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _lines(stream: IO[bytes], deadline: float) -> Iterator[bytes]:
    readline = stream.readline
    while time.monotonic() < deadline:
        line = readline()
        if not line:
            return
        yield line


def measure(quick: bool) -> tuple[report.Table, dict[str, object], list[str], bool]:
    runs = 1 if quick else 5
    table = report.Table(["process", "start → ready median (s)", "min (s)", "runs"])
    summary: dict[str, object] = {}
    notes: list[str] = ["Each process is a fresh interpreter; ready = its health endpoint answers."]
    with simulator() as sim, fake_responses(delay_ms=1, tokens=5) as upstream:
        rows: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Server]]]] = [
            ("MCP server (`python -m mcp_server --transport http`)", lambda: mcp_server(sim.url)),
            (
                "relay (`python -m relay`, to /readyz)",
                lambda: relay(relay_config(sim.url, upstream.url, "http://127.0.0.1:9/mcp"), "/readyz"),
            ),
        ]
        if argocd_mcp_installed():
            rows.append(("argocd-mcp (node, peer)", lambda: argocd_mcp(sim.url, token_for("admin"))))
        for label, start in rows:
            seconds = _time(start, runs)
            table.add(label, f"{report.median(seconds):.2f}", f"{min(seconds):.2f}", runs)
            summary[label.split(" (")[0]] = f"{report.median(seconds):.2f}"
    if quick:
        notes.append("--quick: the warm `make demo` start is not measured.")
    else:
        demo_to_ready()  # the first run warms caches (bytecode, llama-stack's stores)
        seconds = [demo_to_ready() for _ in range(2)]
        table.add(
            "warm `make demo` (`python -m devstack up --json`) to ready",
            f"{report.median(seconds):.2f}",
            f"{min(seconds):.2f}",
            len(seconds),
        )
        summary["demo"] = f"{report.median(seconds):.2f}"
    return table, summary, notes, True


def main(argv: Sequence[str] | None = None) -> int:
    args = report.parser(__doc__ or "").parse_args(argv)
    table, summary, notes, _ = measure(args.quick)
    report.emit("Start-up", table, notes)
    report.record(report.results_path(args), "startup", summary, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
