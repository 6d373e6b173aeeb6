"""What the image's stages run works here: build the wheel, install it into a clean virtualenv, start both
servers from it against the Argo CD simulator and probe /healthz."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from devstack.servers import HOST, free_port, start_process, stop_process

from .conftest import ROOT

# The paths the Containerfile's wheels stage copies.
SOURCES = ("pyproject.toml", "README.md", "argocd_assistant", "mcp_server", "relay", "devstack")
TIMEOUT = 300


def _run(argv: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=cwd)
    assert result.returncode == 0, f"{argv[:4]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh virtualenv holding only the project's wheel and its dependencies."""
    work = tmp_path_factory.mktemp("package")
    src = work / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    # A copy, so the build's scratch directories never land in the shared working tree.
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "wheels"), "."], src)
    (wheel,) = (work / "wheels").glob("argocd_assistant-*.whl")
    _run([sys.executable, "-m", "venv", str(work / "venv")])
    bin_dir = work / "venv" / "bin"
    # --no-compile: byte-compiling every dependency would double the time of this test.
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)])
    return bin_dir


def _healthz(url: str) -> int:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
        return int(response.status)


@pytest.mark.timeout(TIMEOUT * 2)
def test_installed_mcp_server_serves_healthz_over_http(installed: Path, argocd_url: str) -> None:
    port = free_port()
    url = f"http://{HOST}:{port}"
    process = start_process(
        [
            str(installed / "argocd-assistant"),
            "mcp",
            "--transport",
            "http",
            "--host",
            HOST,
            "--port",
            f"{port}",
        ],
        f"{url}/healthz",
        env={"ARGOCD_SERVER": argocd_url},
        timeout=60,
    )
    try:
        assert _healthz(url) == 200
    finally:
        stop_process(process)


@pytest.mark.timeout(TIMEOUT * 2)
def test_installed_relay_serves_healthz(installed: Path, argocd_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    # JSON is YAML; llama-stack need not run for the relay to be alive.
    config.write_text(
        json.dumps(
            {
                "llama_stack": {"url": f"http://{HOST}:{free_port()}"},
                "mcp": {"server_url": f"http://{HOST}:{free_port()}/mcp"},
                "argocd": {"url": argocd_url},
            }
        )
    )
    port = free_port()
    url = f"http://{HOST}:{port}"
    process = start_process(
        [str(installed / "argocd-assistant"), "relay", "--host", HOST, "--port", str(port)],
        f"{url}/healthz",
        env={"ASSISTANT_CONFIG": str(config)},
        timeout=60,
    )
    try:
        assert _healthz(url) == 200
    finally:
        stop_process(process)


def test_installed_package_brings_no_dev_stand_in_dependencies(installed: Path) -> None:
    # casbin serves only the Argo CD simulator (extra `devstack`); the image installs no extras.
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('casbin') is not None)"
    _run([str(installed / "python"), "-c", probe])
