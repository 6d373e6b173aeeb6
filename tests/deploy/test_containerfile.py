"""The Containerfile lints clean and refers only to what the repository holds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

CONTAINERFILE = ROOT / "Containerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def _instructions() -> list[tuple[str, str]]:
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_hadolint_reports_nothing() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--config", str(ROOT / ".hadolint.yaml"), str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_images_are_pinned_maintained_tags() -> None:
    images = [args.split()[0] for op, args in _instructions() if op == "FROM"]
    assert images == [
        "docker.io/library/node:22-bookworm-slim",
        "docker.io/library/python:3.12-slim-bookworm",
        "docker.io/library/python:3.12-slim-bookworm",
    ]


def test_every_copied_build_context_path_exists() -> None:
    for op, args in _instructions():
        if op != "COPY" or args.startswith("--from"):
            continue
        *sources, _ = args.split()
        for source in sources:
            assert (ROOT / source).exists(), source


def test_runtime_stage_runs_the_cli_as_a_numeric_non_root_user() -> None:
    runtime = _instructions()
    runtime = runtime[max(i for i, (op, _) in enumerate(runtime) if op == "FROM") :]
    ops = dict(runtime)
    assert re.fullmatch(r"[1-9]\d*:0", ops["USER"])
    assert ops["ENTRYPOINT"] == '["argocd-assistant"]'
    assert ops["CMD"].startswith('["relay", "--host", "0.0.0.0", "--port", "8080"')
    assert "/healthz" in ops["HEALTHCHECK"]
    assert '"python", "-c"' in ops["HEALTHCHECK"]
    # Nothing is compiled or fetched at run time: the runtime stage installs only prebuilt wheels, offline.
    (install,) = [args for op, args in runtime if op == "RUN"]
    assert "--no-index" in install
    assert "apt-get" not in install
