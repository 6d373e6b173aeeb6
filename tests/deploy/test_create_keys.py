"""deploy/scripts/create-keys.sh, driven with a stand-in kubectl that keeps its Secrets in a directory."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "scripts" / "create-keys.sh"

# Enough of kubectl for the script: get/create namespace, get/create the keys Secret, patch argocd-secret.
FAKE_KUBECTL = r"""#!/usr/bin/env python3
import base64, json, pathlib, sys
state = pathlib.Path(sys.argv[0]).parent / "state"
state.mkdir(exist_ok=True)
args = sys.argv[1:]
with open(state / "calls.log", "a") as log:
    log.write(json.dumps(args) + "\n")
ns = args[args.index("-n") + 1] if "-n" in args else ""
rest = [a for i, a in enumerate(args) if a != "-n" and (i == 0 or args[i - 1] != "-n")]
if rest[:2] == ["get", "namespace"]:
    sys.exit(0 if (state / f"ns-{rest[2]}").exists() else 1)
if rest[:2] == ["create", "namespace"]:
    (state / f"ns-{rest[2]}").touch()
    sys.exit(0)
if rest[:3] == ["get", "secret", "argocd-assistant-keys"]:
    path = state / f"{ns}-keys.json"
    if not path.exists():
        sys.exit(1)
    key = next(a for a in rest if a.startswith("jsonpath=")).removeprefix("jsonpath={.data.").rstrip("}")
    value = json.loads(path.read_text()).get(key, "")
    print(base64.b64encode(value.encode()).decode() if value else "", end="")
    sys.exit(0)
if rest[:3] == ["get", "secret", "argocd-secret"]:
    path = state / f"{ns}-argocd-secret.json"
    value = json.loads(path.read_text()).get("assistant.proxySecret", "") if path.exists() else ""
    print(base64.b64encode(value.encode()).decode() if value else "", end="")
    sys.exit(0)
if rest[:3] == ["patch", "secret", "argocd-assistant-keys"]:
    path = state / f"{ns}-keys.json"
    data = json.loads(path.read_text())
    data.update(json.loads(rest[rest.index("-p") + 1])["stringData"])
    path.write_text(json.dumps(data))
    sys.exit(0)
if rest[:4] == ["create", "secret", "generic", "argocd-assistant-keys"]:
    data = dict(a.removeprefix("--from-literal=").split("=", 1) for a in rest[4:])
    (state / f"{ns}-keys.json").write_text(json.dumps(data))
    sys.exit(0)
if rest[:3] == ["patch", "secret", "argocd-secret"]:
    patch = json.loads(rest[rest.index("-p") + 1])
    (state / f"{ns}-argocd-secret.json").write_text(json.dumps(patch["stringData"]))
    sys.exit(0)
sys.exit(2)
"""


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    kubectl = tmp_path / "kubectl"
    if not kubectl.exists():
        kubectl.write_text(FAKE_KUBECTL)
        kubectl.chmod(0o755)
    env = {**os.environ, "KUBECTL": str(kubectl)}
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def test_one_command_creates_the_keys_and_gives_argo_cd_the_same_proxy_secret(tmp_path: Path) -> None:
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    keys = json.loads((tmp_path / "state" / "argocd-assistant-keys.json").read_text())
    assert set(keys) == {
        "conversation-signing-key",
        "scope-signing-key",
        "llama-stack-auth-key",
        "proxy-secret",
    }
    assert all(len(value) == 64 for value in keys.values())  # 32 random bytes, hex
    assert len(set(keys.values())) == 4
    argocd = json.loads((tmp_path / "state" / "argocd-argocd-secret.json").read_text())
    assert argocd == {"assistant.proxySecret": keys["proxy-secret"]}
    assert (tmp_path / "state" / "ns-argocd-assistant").exists()


def test_run_again_it_keeps_the_keys_and_writes_the_same_proxy_secret(tmp_path: Path) -> None:
    assert run(tmp_path, "assistant", "openshift-gitops").returncode == 0
    first = json.loads((tmp_path / "state" / "assistant-keys.json").read_text())
    again = run(tmp_path, "assistant", "openshift-gitops")
    assert again.returncode == 0, again.stderr
    assert "keeping its keys" in again.stdout
    assert json.loads((tmp_path / "state" / "assistant-keys.json").read_text()) == first
    argocd = json.loads((tmp_path / "state" / "openshift-gitops-argocd-secret.json").read_text())
    assert argocd["assistant.proxySecret"] == first["proxy-secret"]


def test_a_new_proxy_secret_says_to_restart_argo_cd_and_an_unchanged_one_does_not(tmp_path: Path) -> None:
    first = run(tmp_path)
    assert "rollout restart deployment argocd-server" in first.stdout
    again = run(tmp_path)
    assert "rollout restart" not in again.stdout


def test_rotation_replaces_only_the_proxy_secret_in_both_secrets(tmp_path: Path) -> None:
    assert run(tmp_path).returncode == 0
    before = json.loads((tmp_path / "state" / "argocd-assistant-keys.json").read_text())
    rotated = subprocess.run(
        ["bash", str(SCRIPT)],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECTL": str(tmp_path / "kubectl"), "ROTATE_PROXY_SECRET": "1"},
        timeout=30,
        check=False,
    )
    assert rotated.returncode == 0, rotated.stderr
    after = json.loads((tmp_path / "state" / "argocd-assistant-keys.json").read_text())
    assert after["proxy-secret"] != before["proxy-secret"]
    assert {k: v for k, v in after.items() if k != "proxy-secret"} == {
        k: v for k, v in before.items() if k != "proxy-secret"
    }
    argocd = json.loads((tmp_path / "state" / "argocd-argocd-secret.json").read_text())
    assert argocd["assistant.proxySecret"] == after["proxy-secret"]
    assert "rollout restart deployment argocd-server" in rotated.stdout


def test_a_secret_from_an_earlier_version_gets_the_key_it_lacks_and_keeps_the_others(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    old = {"conversation-signing-key": "c" * 64, "scope-signing-key": "s" * 64, "proxy-secret": "p" * 64}
    (state / "argocd-assistant-keys.json").write_text(json.dumps(old))
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    keys = json.loads((state / "argocd-assistant-keys.json").read_text())
    assert {k: keys[k] for k in old} == old
    assert len(keys["llama-stack-auth-key"]) == 64
