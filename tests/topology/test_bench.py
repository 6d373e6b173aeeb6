"""bench.topology runs end to end in --quick mode and records its row (a smoke run, not a timed test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import topology
from tests.topology.conftest import missing_binaries


def test_the_topology_benchmark_loads_the_replicas_and_records_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = missing_binaries()
    if reason is not None:
        pytest.skip(reason)
    results = tmp_path / "RESULTS.md"
    assert topology.main(["--quick", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "| 2+2 Postgres |" in out
    history = results.read_text()
    assert "## topology" in history
    (row,) = [line for line in history.splitlines() if "| quick |" in line]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    header = next(line for line in history.splitlines() if line.startswith("| date"))
    values = dict(zip([c.strip() for c in header.strip("|").split("|")], cells, strict=True))
    assert values["errors"] == "0"
    assert float(values["chats/s"]) > 0
    assert float(values["floor chats/s"]) > float(values["chats/s"])
