"""The shared table and history helpers of the benchmarks."""

from __future__ import annotations

from pathlib import Path

from bench import report


def test_a_table_renders_as_markdown_with_escaped_cells() -> None:
    table = report.Table(["name", "value"])
    table.add("a|b", 0.123456)
    assert table.markdown().splitlines() == ["| name | value |", "| --- | --- |", "| a\\|b | 0.123 |"]


def test_record_appends_dated_rows_under_one_section_per_benchmark(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    report.record(path, "tokens", {"ratio": "0.30"})
    report.record(path, "memory", {"MiB": 3})
    report.record(path, "tokens", {"ratio": "0.25"})
    lines = path.read_text().splitlines()
    tokens = lines[lines.index("## tokens") : lines.index("## memory")]
    rows = [ln for ln in tokens if ln.startswith("| 20")]
    assert [r.split(" | ")[-1] for r in rows] == ["0.30 |", "0.25 |"]
    assert sum(ln.startswith("| date") for ln in tokens) == 1


def test_record_starts_a_new_header_when_the_columns_change(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    report.record(path, "tokens", {"ratio": "0.30"})
    report.record(path, "tokens", {"ratio": "0.30", "facts": "pass"})
    headers = [ln for ln in path.read_text().splitlines() if ln.startswith("| date")]
    assert headers == ["| date | rev | mode | ratio |", "| date | rev | mode | ratio | facts |"]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert report.percentile(values, 50) == 50.0
    assert report.percentile(values, 95) == 95.0
    assert report.percentile([3.0], 95) == 3.0
