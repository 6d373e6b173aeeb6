"""The console script and the interpreter finder the Makefile relies on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from argocd_assistant.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("mcp", "relay", "demo"):
        assert f"  {command} " in out


def test_unknown_subcommand_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert "unknown command 'nope'" in capsys.readouterr().err


def test_console_script_is_installed_and_runs() -> None:
    script = Path(sys.executable).parent / "argocd-assistant"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True, timeout=60)
    assert "argocd-assistant <command>" in result.stdout


def test_find_python_accepts_a_312_interpreter() -> None:
    result = subprocess.run(
        ["/bin/sh", str(ROOT / "scripts/find-python.sh")],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == sys.executable


def test_find_python_fails_clearly_when_only_an_old_python_exists(tmp_path: Path) -> None:
    old = tmp_path / "bin" / "python3"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\nexit 1\n")  # answers every version check with "too old"
    old.chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", str(ROOT / "scripts/find-python.sh")],
        env={"PATH": str(old.parent), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Python 3.12 or newer is required" in result.stderr
