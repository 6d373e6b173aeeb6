"""Markdown tables for the benchmarks, their command line, and the dated history in bench/RESULTS.md.

Every benchmark prints its full table and appends one dated summary row to its own section of RESULTS.md,
so the history of each figure stays visible in one file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Table:
    """A Markdown table built row by row; cells are rendered with str()."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        if len(cells) != len(self.headers):
            raise ValueError(f"row has {len(cells)} cells, table has {len(self.headers)} columns")
        self.rows.append([_cell(c) for c in cells])

    def markdown(self) -> str:
        lines = [_line(self.headers), _line(["---"] * len(self.headers))]
        lines += [_line(row) for row in self.rows]
        return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs > 0 else float("inf")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def parser(description: str) -> argparse.ArgumentParser:
    """The command line every benchmark shares: --quick for the smoke run, --results for the history file."""
    cli = argparse.ArgumentParser(description=description)
    cli.add_argument(
        "--quick", action="store_true", help="a short smoke run (seconds); records nothing by default"
    )
    cli.add_argument(
        "--results",
        type=Path,
        default=None,
        help=f"file the dated summary row is appended to (default {RESULTS_PATH.name}, none with --quick)",
    )
    return cli


def results_path(args: argparse.Namespace) -> Path | None:
    if args.results is not None:
        return Path(args.results)
    return None if args.quick else RESULTS_PATH


def _revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=RESULTS_PATH.parent,
            check=False,
        )
    except OSError:
        return "-"
    return out.stdout.strip() or "-"


def record(path: Path | None, section: str, summary: dict[str, object], *, quick: bool = False) -> None:
    """Appends one dated row to `section`'s table in `path` (created with its header when missing).

    A section whose columns changed gets a new header line; old rows keep the header they were written with.
    """
    if path is None:
        return
    headers = ["date", "rev", "mode", *summary]
    row = [
        dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        _revision(),
        "quick" if quick else "full",
        *(_cell(v) for v in summary.values()),
    ]
    title = f"## {section}"
    lines = path.read_text().splitlines() if path.exists() else ["# Benchmark history", ""]
    if title not in lines:
        lines += ["", title, "", _line(headers), _line(["---"] * len(headers)), _line(row)]
    else:
        start = lines.index(title) + 1
        end = start
        while end < len(lines) and not lines[end].startswith("## "):
            end += 1
        while end > start and not lines[end - 1].strip():
            end -= 1
        table_lines = [ln for ln in lines[start:end] if ln.startswith("|")]
        # The newest header is the line just above the newest separator row.
        separators = [i for i, ln in enumerate(table_lines) if ln.startswith("| ---")]
        last_header = table_lines[separators[-1] - 1] if separators and separators[-1] > 0 else ""
        insert = [_line(row)]
        if last_header != _line(headers):
            insert = ["", _line(headers), _line(["---"] * len(headers)), _line(row)]
        lines[end:end] = insert
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines).lstrip("\n") + "\n")
    os.replace(tmp, path)


def emit(title: str, table: Table, notes: Sequence[str] = ()) -> None:
    """Prints a benchmark's full result as Markdown."""
    print(f"\n### {title}\n")
    print(table.markdown())
    for note in notes:
        print(f"\n{note}")
    print(flush=True)
