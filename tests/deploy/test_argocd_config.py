"""The Argo CD side: Kustomize components on an upstream-shaped install, Helm values, the Operator CR."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .conftest import DEPLOY, K8S_VERSION, find, render, validate_all, with_argocd_stub

ARGOCD = DEPLOY / "argocd"
RELAY_SERVICE_URL = "http://argocd-assistant-relay.argocd-assistant.svc.cluster.local:8080"
INSTALLER = "quay.io/argoprojlabs/argocd-extension-installer"
RBAC_LINE = ("extensions", "invoke", "assistant", "allow")
BASE_PATHS = {"proxy-extension": "/extensions/assistant", "direct-route": "/assistant"}


# The first installer that fails on a bad download instead of exiting 0; the argo-cd Helm chart's default.
INSTALLER_VERSION = "v1.0.1"


def _installer(containers: list[dict[str, Any]]) -> dict[str, Any]:
    (installer,) = [c for c in containers if c["image"].startswith(INSTALLER + ":")]
    assert installer["image"] == f"{INSTALLER}:{INSTALLER_VERSION}"
    return installer


def test_every_extension_url_is_marked_as_the_placeholder_it_is() -> None:
    found = []
    for path in sorted(ARGOCD.rglob("*.yaml")):
        text = path.read_text()
        for match in re.finditer(r"\n(?P<comment>(?:\s*#[^\n]*\n)*)\s*- name: EXTENSION_URL\n", text):
            assert "PLACEHOLDER" in match["comment"], path
            found.append(path.name)
    assert sorted(found) == ["argocd-server.yaml", "argocd.yaml", "helm-values.yaml"]


def test_the_helm_header_command_quotes_the_dotted_secret_key() -> None:
    header = (ARGOCD / "helm-values.yaml").read_text()
    # unquoted, the shell drops the backslash and helm fails with "expected string; got map"
    assert "--set-string 'configs.secret.extra.assistant\\.proxySecret'=" in header
    words = shlex.split("--set-string 'configs.secret.extra.assistant\\.proxySecret'=x")
    assert words[1] == "configs.secret.extra.assistant\\.proxySecret=x"


def _installer_env(containers: list[dict[str, Any]]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in _installer(containers)["env"]}


def _vars_script(env: dict[str, str]) -> str:
    """The file install.sh (create_extension_js_file_with_vars) writes from EXTENSION_JS_VARS: the name
    upper-cased with `-` -> `_`, every key upper-cased (jq ascii_upcase), every value quoted as it is."""
    name = env["EXTENSION_NAME"].replace("-", "_").upper()
    pairs = json.loads(env["EXTENSION_JS_VARS"])
    assert isinstance(pairs, dict)
    # jq fails on a non-string value; a quote or backslash would break the generated script.
    assert all(isinstance(v, str) and not set(v) & {'"', "\\", "\n"} for v in pairs.values()), pairs
    body = ", ".join(f'"{key.upper()}": "{value}"' for key, value in pairs.items())
    return f"((window) => {{ const vars = {{ {body} }}; window.{name}_VARS = vars; }})(window);"


def _browser_globals(env: dict[str, str]) -> dict[str, Any]:
    """What the installer's vars file puts on `window`, evaluated by node like the browser would."""
    node = shutil.which("node")
    assert node, "node is needed (the extension's build needs it too)"
    program = f"const window = {{}};\n{_vars_script(env)}\nprocess.stdout.write(JSON.stringify(window));"
    result = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout)
    assert isinstance(loaded, dict)
    return loaded


def _check_installer_env(env: dict[str, str], base_path: str) -> None:
    assert env["EXTENSION_NAME"] == "assistant"
    # a failed download must stop argocd-server (v1.0.x default), never leave the tab silently missing
    assert env.get("IGNORE_FAILURE", "false") == "false"
    assert env["EXTENSION_URL"].endswith(f"extension-assistant-{env['EXTENSION_VERSION']}.tar")
    assert env["EXTENSION_CHECKSUM_URL"] == env["EXTENSION_URL"] + ".sha256"
    # The extension reads window.ASSISTANT_VARS.BASEPATH.
    assert _browser_globals(env) == {"ASSISTANT_VARS": {"BASEPATH": base_path}}


def _check_installer_can_run(pod: dict[str, Any], *, openshift: bool = False) -> None:
    """install.sh needs a writable /tmp (mktemp -d) under a read-only root, and a non-root user: a numeric one
    outside OpenShift, none on OpenShift (its restricted-v2 SCC assigns one from the namespace's range and
    refuses a fixed UID outside it)."""
    installer = _installer(pod["initContainers"])
    security = installer["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsNonRoot"] is True
    if openshift:
        assert "runAsUser" not in security
        assert "runAsUser" not in pod.get("securityContext", {})
    else:
        # The image's USER is the name `ext-installer` (uid 1000); runAsNonRoot needs a number to check.
        assert security["runAsUser"] == 1000
    mounts = {m["mountPath"].rstrip("/"): m["name"] for m in installer["volumeMounts"]}
    assert mounts["/tmp/extensions"] == "extensions"
    tmp_volume = next(v for v in pod["volumes"] if v["name"] == mounts["/tmp"])
    assert "emptyDir" in tmp_volume
    assert mounts["/tmp"] != "extensions"


def _check_streaming_annotations(annotations: dict[str, str]) -> None:
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 600
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"


def _check_extension_config(text: str) -> None:
    config = yaml.safe_load(text)
    # Argo CD ignores the proxy settings at this level (its backend config embeds them without
    # `yaml:",inline"`): writing them would only promise what does not happen
    assert set(config) == {"services"}
    (service,) = config["services"]
    assert service["url"] == RELAY_SERVICE_URL
    # `$key` makes Argo CD read the value from argocd-secret; the relay checks it.
    assert service["headers"] == [{"name": "X-Assistant-Proxy-Secret", "value": "$assistant.proxySecret"}]


def _check_policy(csv: str) -> None:
    rows = [[cell.strip() for cell in line.split(",")] for line in csv.strip().splitlines()]
    assert rows
    assert all(row[0] == "p" and row[1].startswith("role:") and tuple(row[2:]) == RBAC_LINE for row in rows)


def _shared_volume(pod: dict[str, Any]) -> None:
    assert {"name": "extensions", "emptyDir": {}} in pod["volumes"]
    for container in [*pod["initContainers"], *pod["containers"]]:
        if container["name"] in ("argocd-server", "extension-assistant"):
            assert {"name": "extensions", "mountPath": "/tmp/extensions/"} in container["volumeMounts"]


@pytest.mark.parametrize("mode", sorted(BASE_PATHS))
def test_component_patches_an_upstream_install_into_valid_objects(mode: str, tmp_path: Path) -> None:
    objects = render(with_argocd_stub(tmp_path, ARGOCD / mode))
    validate_all(objects)
    server = find(objects, "Deployment", "argocd-server")
    pod = server["spec"]["template"]["spec"]
    _check_installer_env(_installer_env(pod["initContainers"]), BASE_PATHS[mode])
    _check_installer_can_run(pod)
    _shared_volume(pod)
    # The install's own volumes and mounts survive the patch.
    assert {"name": "tmp", "emptyDir": {}} in pod["volumes"]
    rbac = find(objects, "ConfigMap", "argocd-rbac-cm")["data"]
    assert rbac["policy.csv"] == "g, platform-admins, role:admin"
    cm = find(objects, "ConfigMap", "argocd-cm")["data"]
    params = find(objects, "ConfigMap", "argocd-cmd-params-cm")["data"]
    if mode == "proxy-extension":
        _check_extension_config(cm["extension.config.assistant"])
        assert params["server.enable.proxy.extension"] == "true"
        _check_policy(rbac["policy.assistant.csv"])
    else:
        assert "extension.config.assistant" not in cm
        assert "server.enable.proxy.extension" not in params


def test_helm_values_configure_the_same_extension_and_proxy() -> None:
    values = yaml.safe_load((ARGOCD / "helm-values.yaml").read_text())
    extensions = values["server"]["extensions"]
    assert extensions["enabled"] is True
    # the chart's own installer image (v1.0.1 in argo-cd chart 10.x: fails on a bad download) is kept
    assert "image" not in extensions
    (entry,) = extensions["extensionList"]
    _check_installer_env({e["name"]: e["value"] for e in entry["env"]}, "/extensions/assistant")
    # Streams pass the Ingress or Route in front of Argo CD on the proxy route.
    _check_streaming_annotations(values["server"]["ingress"]["annotations"])
    assert values["server"]["route"]["annotations"]["haproxy.router.openshift.io/timeout"] == "600s"
    _check_extension_config(values["configs"]["cm"]["extension.config.assistant"])
    assert values["configs"]["params"]["server.enable.proxy.extension"] is True
    _check_policy(values["configs"]["rbac"]["policy.assistant.csv"])


def test_operator_resource_uses_the_argocd_crd_fields_and_valid_containers() -> None:
    argocd = yaml.safe_load((ARGOCD / "operator" / "argocd.yaml").read_text())
    assert (argocd["apiVersion"], argocd["kind"]) == ("argoproj.io/v1beta1", "ArgoCD")
    spec = argocd["spec"]
    _check_extension_config(spec["extraConfig"]["extension.config.assistant"])
    _check_policy("\n".join(line for line in spec["rbac"]["policy"].splitlines() if "assistant" in line))
    server = spec["server"]
    assert "--enable-proxy-extension" in server["extraCommandArgs"]
    _check_installer_env(_installer_env(server["initContainers"]), "/extensions/assistant")
    # The server's initContainers/volumes/volumeMounts are core types: validate them inside a Pod.
    mounts = server["volumeMounts"]
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "argocd-server"},
        "spec": {
            "initContainers": server["initContainers"],
            "containers": [{"name": "argocd-server", "image": "argocd", "volumeMounts": mounts}],
            "volumes": server["volumes"],
        },
    }
    kubernetes_validate.validate(pod, K8S_VERSION, strict=True)
    _shared_volume(pod["spec"])
    _check_installer_can_run(pod["spec"], openshift=True)
    # The Route in front of Argo CD carries the proxy route's streams (OpenShift GitOps: route enabled).
    route = server["route"]
    assert route["enabled"] is True
    assert route["annotations"]["haproxy.router.openshift.io/timeout"] == "600s"
    # spec.cmdParams would not reach argocd-server's flags under the operator; the flag above does.
    assert "server.enable.proxy.extension" not in spec.get("cmdParams", {})
