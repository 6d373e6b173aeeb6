"""The Containerfile lints clean and refers only to what the repository holds."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .conftest import ROOT

CONTAINERFILE = ROOT / "Containerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"
BUILD_TIMEOUT = 240


def _instructions() -> list[tuple[str, str]]:
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _stage(name: str) -> list[tuple[str, str]]:
    """The instructions of build stage `name` (after its FROM, up to the next FROM)."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for op, args in _instructions():
        if op == "FROM":
            current = stages.setdefault(args.split()[-1], [])
        else:
            current.append((op, args))
    return stages[name]


def _dockerignored(relative: str) -> bool:
    """Whether .dockerignore keeps `relative` (a path from the repository root) out of the build context."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        # `**/name` matches at any depth; other patterns match from the root (a directory and its contents).
        glob = pattern.removeprefix("**/")
        candidates = parts if glob != pattern else prefixes
        if any(fnmatch.fnmatchcase(candidate, glob) for candidate in candidates):
            return True
    return False


def _copy_from_context(source: str, destination: Path, into: bool) -> None:
    """COPY <source> <destination> from the build context, honouring .dockerignore; `into`: the destination
    was written with a trailing slash (or is `.`), so a file lands inside it under its own name."""
    path = ROOT / source.rstrip("/")
    if path.is_file():
        target = destination / path.name if into else destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        return

    def ignore(directory: str, names: list[str]) -> list[str]:
        relative = os.path.relpath(directory, ROOT)
        return [n for n in names if _dockerignored(n if relative == "." else f"{relative}/{n}")]

    shutil.copytree(path, destination, ignore=ignore, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def extension_stage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension stage run here: a root holding only what the stage COPYs, then its RUN commands.
    Returns its dist directory. npm uses this machine's cache first (prefer-offline), then the registry."""
    root = tmp_path_factory.mktemp("extension-stage")
    workdir = root
    for op, args in _stage("extension"):
        if op == "WORKDIR":
            workdir = root / args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif op == "COPY":
            *sources, dest = args.split()
            target = root / dest.lstrip("/") if dest.startswith("/") else workdir / dest
            for source in sources:
                _copy_from_context(source, target, into=dest.endswith("/") or dest == ".")
        elif op == "RUN":
            env = {**os.environ, "npm_config_prefer_offline": "true", "npm_config_update_notifier": "false"}
            result = subprocess.run(
                ["sh", "-c", args],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
                check=False,
            )
            assert result.returncode == 0, f"RUN {args}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return workdir / "dist"


def _runtime_copies_from_extension() -> list[str]:
    runtime = _instructions()
    runtime = runtime[max(i for i, (op, _) in enumerate(runtime) if op == "FROM") :]
    sources: list[str] = []
    for op, args in runtime:
        if op == "COPY" and "--from=extension" in args.split():
            *flags_and_sources, _ = args.split()
            sources += [s for s in flags_and_sources if not s.startswith("--")]
    return sources


def test_runtime_stage_takes_only_the_tarball_and_its_checksum_from_the_extension_stage() -> None:
    sources = _runtime_copies_from_extension()
    assert sorted(Path(s).name for s in sources) == [
        "extension-assistant-*.tar",
        "extension-assistant-*.tar.sha256",
    ]


@pytest.mark.timeout(BUILD_TIMEOUT * 2)
def test_extension_stage_builds_the_tarball_from_exactly_what_it_copies(extension_stage: Path) -> None:
    sources = _runtime_copies_from_extension()
    for source in sources:
        matches = list(extension_stage.glob(Path(source).name))
        assert len(matches) == 1, (source, sorted(p.name for p in extension_stage.iterdir()))
    (tar_path,) = extension_stage.glob("extension-assistant-*.tar")
    digest, name = (extension_stage / f"{tar_path.name}.sha256").read_text().split()
    # install.sh greps the checksum file for the tarball's name.
    assert name == tar_path.name
    assert len(digest) == 64


@pytest.mark.timeout(BUILD_TIMEOUT * 2)
def test_extension_tarball_has_the_layout_the_installer_expects(extension_stage: Path) -> None:
    (tar_path,) = extension_stage.glob("extension-assistant-*.tar")
    with tarfile.open(tar_path) as archive:
        members = archive.getmembers()
    names = [m.name.removeprefix("./") for m in members]
    assert all(n == "resources" or n.startswith("resources/") for n in names), names
    # install.sh writes window.ASSISTANT_VARS only into a directory named extension*-assistant*.js
    # (under resources/), and Argo CD loads every extension*.js file below resources/.
    pattern = "extension*-assistant*.js"
    assert any(m.isdir() and fnmatch.fnmatchcase(Path(m.name).name, pattern) for m in members), names
    assert any(m.isfile() and re.fullmatch(r"extension.*\.js", Path(m.name).name) for m in members), names


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
            assert not _dockerignored(source.rstrip("/")), f"{source} is excluded by .dockerignore"


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
