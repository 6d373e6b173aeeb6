"""Each benchmark runs end to end in --quick mode and records one row (a smoke run, not a timed test)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from bench import browser_reads, memory, open_streams, relay_overhead, startup, tokens, tool_latency
from bench import eval as evaluation
from bench.stack import ROOT

Main = Callable[[Sequence[str] | None], int]

# Each smoke run is bounded; together they keep tests/bench near a minute.
pytestmark = pytest.mark.timeout(90)

needs_llamastack = pytest.mark.skipif(
    not (ROOT / ".venv-llamastack" / "bin" / "python").exists(),
    reason="llama-stack's virtualenv (.venv-llamastack) is not installed",
)


def _run(main: Main, section: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    results = tmp_path / "RESULTS.md"
    assert main(["--quick", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "| --- |" in out
    history = results.read_text()
    assert f"## {section}" in history
    assert "| quick |" in history
    return out


def test_tokens_benchmark_checks_facts_and_sizes_for_every_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(tokens.main, "tokens", tmp_path, capsys)
    for label in ("manifest of Deployment", "endless log", "2 MiB ConfigMap", "**total**"):
        assert label in out


def test_tool_latency_benchmark_times_the_four_tools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(tool_latency.main, "tool_latency", tmp_path, capsys)
    for tool in tool_latency.TOOLS:
        assert tool in out or tool.rstrip("s") in out
    assert "Floor: a tool that does nothing" in out


def test_memory_benchmark_measures_the_mcp_server_and_the_relay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(memory.main, "memory", tmp_path, capsys)
    assert "endless log" in out
    assert "1 MiB context" in out


def test_startup_benchmark_times_the_mcp_server_and_the_relay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(startup.main, "startup", tmp_path, capsys)
    assert "MCP server" in out
    assert "relay" in out


def test_open_streams_benchmark_holds_streams_and_sees_them_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(open_streams.main, "open_streams", tmp_path, capsys)
    assert "| errors | 0 |" in out


@needs_llamastack
def test_relay_overhead_benchmark_compares_relay_and_direct_streams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(relay_overhead.main, "relay_overhead", tmp_path, capsys)
    assert "| 1 | no tool |" in out
    assert "lightspeed-stack" in out


def test_browser_reads_benchmark_times_a_browser_run_tool_call_beside_its_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(browser_reads.main, "browser_reads", tmp_path, capsys)
    for label in ("round_trip", "argocd", "added", "floor"):
        assert f"| {label} |" in out


@needs_llamastack
def test_the_evaluation_asks_three_scenarios_through_the_whole_stack_and_scores_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(evaluation.main, "eval", tmp_path, capsys)
    for scenario in evaluation.QUICK:
        assert f"| {scenario} |" in out
    assert "100 %" in out
    assert "| 0 |" in _results_row(tmp_path)  # no scenario ended in an error


def _results_row(tmp_path: Path) -> str:
    return (tmp_path / "RESULTS.md").read_text().splitlines()[-1]
