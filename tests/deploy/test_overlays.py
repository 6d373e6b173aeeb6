"""The Kustomize overlays render offline, every object is valid, and the workloads are locked down."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from mcp_server.config import load_settings
from mcp_server.server import host_allowed
from relay.config import RelayConfig, build_config

from .conftest import DEPLOY, Overlays, find, render, validate_all

RELAY_SERVICE = "http://argocd-assistant-relay.argocd-assistant.svc.cluster.local:8080"
EXPECTED_OVERLAYS = {"proxy-extension", "direct-route", "direct-route-openshift", "direct-route-gateway"}
WORKLOADS = ("argocd-assistant-relay", "argocd-assistant-mcp")
CA_DIR = "/etc/argocd-assistant-ca"
CA_ENV = {"argocd-assistant-relay": "ASSISTANT_ARGOCD__CA_FILE", "argocd-assistant-mcp": "ARGOCD_CA_FILE"}
MCP_URL = "http://argocd-assistant-mcp.argocd-assistant.svc.cluster.local:8080/mcp"


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    spec = deployment["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def _relay_config(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The relay's configuration file, plus what the Deployment's environment sets from Secrets (a stand-in
    value for each identity key, as `argocd-assistant-keys` would give it)."""
    secret = find(objects, "Secret", "argocd-assistant-relay-config")
    loaded = yaml.safe_load(secret["stringData"]["config.yaml"])
    assert isinstance(loaded, dict)
    relay = find(objects, "Deployment", "argocd-assistant-relay")
    for env in relay["spec"]["template"]["spec"]["containers"][0]["env"]:
        name, ref = env["name"], env.get("valueFrom", {}).get("secretKeyRef")
        if name.startswith("ASSISTANT_IDENTITY__") and ref is not None and not ref.get("optional"):
            field = name.removeprefix("ASSISTANT_IDENTITY__").lower()
            loaded.setdefault("identity", {}).setdefault(field, "from-a-secret")
    return loaded


def test_every_overlay_renders_and_every_object_validates(overlays: Overlays) -> None:
    assert set(overlays) == EXPECTED_OVERLAYS
    for objects in overlays.values():
        validate_all(objects)


def test_the_base_alone_renders_and_validates() -> None:
    validate_all(render(DEPLOY / "base"))


def test_workloads_run_non_root_read_only_without_capabilities(overlays: Overlays) -> None:
    for objects in overlays.values():
        for name in WORKLOADS:
            deployment = find(objects, "Deployment", name)
            pod = deployment["spec"]["template"]["spec"]
            assert pod["automountServiceAccountToken"] is False
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
            # no fixed UID anywhere: OpenShift's SCC assigns one (the image's numeric USER serves elsewhere)
            assert "runAsUser" not in pod["securityContext"]
            for container in _containers(deployment):
                security = container["securityContext"]
                assert security["runAsNonRoot"] is True
                assert "runAsUser" not in security
                assert security["readOnlyRootFilesystem"] is True
                assert security["allowPrivilegeEscalation"] is False
                assert security["capabilities"]["drop"] == ["ALL"]
                assert security["seccompProfile"]["type"] == "RuntimeDefault"
                assert set(container["resources"]) == {"requests", "limits"}
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert container["readinessProbe"]["httpGet"]["path"] in ("/readyz", "/healthz")


def test_relay_reads_its_config_file_from_the_mounted_secret(overlays: Overlays) -> None:
    for objects in overlays.values():
        relay = find(objects, "Deployment", "argocd-assistant-relay")
        container = relay["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        mount = next(m for m in container["volumeMounts"] if m["name"] == "config")
        assert env["ASSISTANT_CONFIG"]["value"] == f"{mount['mountPath']}/config.yaml"
        volume = next(v for v in relay["spec"]["template"]["spec"]["volumes"] if v["name"] == "config")
        assert volume["secret"]["secretName"] == "argocd-assistant-relay-config"


def _relay_env(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The relay Deployment's literal `ASSISTANT_*` settings (they override the file's fields)."""
    relay = find(objects, "Deployment", "argocd-assistant-relay")
    env = relay["spec"]["template"]["spec"]["containers"][0]["env"]
    return {
        e["name"]: e["value"].replace("$(POD_IP)", "10.0.0.7")
        for e in env
        if e["name"].startswith("ASSISTANT_") and "value" in e and e["name"] != "ASSISTANT_CONFIG"
    }


def _effective_config(objects: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> RelayConfig:
    """What the relay runs with: its file, then its environment on top (as `load_config` does)."""
    for name, value in _relay_env(objects).items():
        monkeypatch.setenv(name, value)
    try:
        return build_config(_relay_config(objects))
    finally:
        for name in _relay_env(objects):
            monkeypatch.delenv(name)


def test_relay_config_in_every_overlay_is_accepted_by_the_relay(
    overlays: Overlays, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, objects in overlays.items():
        config = _effective_config(objects, monkeypatch)
        assert config.mcp.server_url == MCP_URL
        # Cookies only arrive on the direct route; the proxy extension deletes them.
        assert ("cookie" in config.identity.modes) == name.startswith("direct-route")


def test_relay_secret_env_names_are_fields_of_the_relay_config(overlays: Overlays) -> None:
    relay = find(overlays["proxy-extension"], "Deployment", "argocd-assistant-relay")
    env = relay["spec"]["template"]["spec"]["containers"][0]["env"]
    identity_fields = {
        e["name"].removeprefix("ASSISTANT_IDENTITY__").lower()
        for e in env
        if e["name"].startswith("ASSISTANT_IDENTITY__")
    }
    config = build_config(_relay_config(overlays["proxy-extension"]))
    assert identity_fields <= set(type(config.identity).model_fields)


def test_mcp_server_environment_is_accepted_by_the_mcp_server(overlays: Overlays) -> None:
    mcp = find(overlays["proxy-extension"], "Deployment", "argocd-assistant-mcp")
    container = mcp["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["mcp", "--transport", "http", "--host", "0.0.0.0", "--port", "8080"]
    literal = {e["name"].lower(): e["value"] for e in container["env"] if "value" in e}
    settings = load_settings(**literal, assistant_scope_key="k" * 32)
    assert settings.argocd_server == "https://argocd-server.argocd.svc.cluster.local"


def test_the_mcp_server_accepts_the_host_the_relay_and_llama_stack_call_it_by(overlays: Overlays) -> None:
    for objects in overlays.values():
        mcp = find(objects, "Deployment", "argocd-assistant-mcp")
        env = {e["name"]: e.get("value") for e in mcp["spec"]["template"]["spec"]["containers"][0]["env"]}
        patterns = [p.strip() for p in env["MCP_ALLOWED_HOSTS"].split(",")]
        server_url = _relay_config(objects)["mcp"]["server_url"]
        assert host_allowed(urlsplit(server_url).netloc, patterns), (server_url, patterns)
        assert not host_allowed("argocd-assistant-mcp.attacker.example", patterns)


def test_services_target_the_named_port_of_their_deployment(overlays: Overlays) -> None:
    objects = overlays["proxy-extension"]
    for name in WORKLOADS:
        service = find(objects, "Service", name)
        deployment = find(objects, "Deployment", name)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        ports = {p["name"] for c in deployment["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports


def _peer(peer: dict[str, Any]) -> str:
    """A NetworkPolicy peer as one readable word: `<namespace or *>/<pod label name[:component]>`."""
    namespace = peer.get("namespaceSelector")
    where = (
        "same"
        if namespace is None
        else ",".join(f"{k}={v}" for k, v in sorted((namespace.get("matchLabels") or {"*": "*"}).items()))
    )
    pods = peer.get("podSelector", {}).get("matchLabels") or {}
    name = pods.get("app.kubernetes.io/name", "*")
    component = pods.get("app.kubernetes.io/component")
    return f"{where}/{name}" + (f":{component}" if component else "")


def _flows(policy: dict[str, Any], direction: str) -> set[tuple[str, str]]:
    """Every (peer, port) a policy allows in `direction` (`ingress` from, `egress` to)."""
    side = "from" if direction == "ingress" else "to"
    return {
        (_peer(peer), f"{port['port']}/{port.get('protocol', 'TCP')}")
        for rule in policy["spec"].get(direction, [])
        for peer in rule[side]
        for port in rule["ports"]
    }


ARGOCD_SERVER = "kubernetes.io/metadata.name=argocd/argocd-server"
GITOPS_SERVER = "kubernetes.io/metadata.name=openshift-gitops/openshift-gitops-server"
RELAY = "same/argocd-assistant:relay"
DNS = {("*=*/*", f"{port}/{proto}") for port in (53, 5353) for proto in ("UDP", "TCP")}


@pytest.mark.parametrize("overlay", sorted(EXPECTED_OVERLAYS))
def test_network_policies_allow_exactly_the_listed_flows(overlays: Overlays, overlay: str) -> None:
    objects = overlays[overlay]
    relay = find(objects, "NetworkPolicy", "argocd-assistant-relay")
    mcp = find(objects, "NetworkPolicy", "argocd-assistant-mcp")
    assert relay["spec"]["policyTypes"] == mcp["spec"]["policyTypes"] == ["Ingress", "Egress"]
    argocd = GITOPS_SERVER if overlay == "direct-route-openshift" else ARGOCD_SERVER
    callers = {
        "proxy-extension": set(),
        "direct-route": {"kubernetes.io/metadata.name=ingress-nginx/ingress-nginx"},
        "direct-route-openshift": {"policy-group.network.openshift.io/ingress=/*"},
        "direct-route-gateway": {"kubernetes.io/metadata.name=gateway-system/*"},
    }[overlay]
    assert _flows(relay, "ingress") == {
        (peer, "http/TCP") for peer in {argocd, RELAY, "same/llama-stack", *callers}
    }
    # the relay carries users' credentials: Argo CD, llama-stack, its replicas, DNS, nothing else
    assert _flows(relay, "egress") == {
        (argocd, "8080/TCP"),
        ("same/llama-stack", "8321/TCP"),
        (RELAY, "8080/TCP"),
        *DNS,
    }
    assert _flows(mcp, "ingress") == {(RELAY, "http/TCP"), ("same/llama-stack", "http/TCP")}
    assert _flows(mcp, "egress") == {(argocd, "8080/TCP"), *DNS}


def test_only_the_relay_reaches_llama_stack() -> None:
    objects = render(DEPLOY / "llama-stack")
    validate_all(objects)
    policy = find(objects, "NetworkPolicy", "llama-stack")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert _flows(policy, "ingress") == {(RELAY, "http/TCP")}
    service = find(objects, "Service", "llama-stack")
    deployment = find(objects, "Deployment", "llama-stack")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert policy["spec"]["podSelector"]["matchLabels"] == service["spec"]["selector"]
    pod = deployment["spec"]["template"]["spec"]
    assert "runAsUser" not in pod["securityContext"]
    (container,) = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    # llama-stack asks the relay who each caller is, at the relay's Service
    assert env["RELAY_AUTH_URL"] == RELAY_SERVICE + "/internal/llama-stack-auth"


def test_ingress_routes_only_the_browser_api_unchanged_without_buffering_or_regex(
    overlays: Overlays,
) -> None:
    ingress = find(overlays["direct-route"], "Ingress", "argocd-assistant")
    notes = ingress["metadata"]["annotations"]
    # a rewrite or use-regex would turn every location of the Argo CD host into a regular expression
    assert "nginx.ingress.kubernetes.io/rewrite-target" not in notes
    assert "nginx.ingress.kubernetes.io/use-regex" not in notes
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 300
    (rule,) = ingress["spec"]["rules"]
    # only the browser's API: /metrics, /docs, /openapi.json, /readyz are not published on the Argo CD host
    assert [(p["path"], p["pathType"]) for p in rule["http"]["paths"]] == [("/assistant/api", "Prefix")]
    (path,) = rule["http"]["paths"]
    assert path["backend"]["service"] == {"name": "argocd-assistant-relay", "port": {"name": "http"}}
    # The host's certificate comes from Argo CD's own Ingress; its Secret is not in this namespace.
    assert "tls" not in ingress["spec"]
    assert notes["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"


def test_both_services_mount_the_optional_argocd_ca_without_using_it(overlays: Overlays) -> None:
    for objects in overlays.values():
        for name in WORKLOADS:
            pod = find(objects, "Deployment", name)["spec"]["template"]["spec"]
            volume = next(v for v in pod["volumes"] if v["name"] == "argocd-ca")
            # Optional: pods start without the ConfigMap (the volume is then empty).
            assert volume["configMap"] == {"name": "argocd-assistant-argocd-ca", "optional": True}
            (container,) = pod["containers"]
            assert {"name": "argocd-ca", "mountPath": CA_DIR, "readOnly": True} in container["volumeMounts"]
            # Both services refuse a CA file that does not exist, so only the component points at it.
            assert all(e["name"] != CA_ENV[name] for e in container["env"])
    relay = _relay_config(overlays["direct-route"])
    assert "ca_file" not in relay["argocd"]


def test_argocd_ca_component_points_both_services_at_the_mounted_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "resources": [os.path.relpath(DEPLOY / "overlays" / "direct-route", tmp_path)],
                "components": [os.path.relpath(DEPLOY / "components" / "argocd-ca", tmp_path)],
            }
        )
    )
    objects = render(tmp_path)
    validate_all(objects)
    ca_file = tmp_path / "ca.crt"
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    for name in WORKLOADS:
        (container,) = find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env[CA_ENV[name]] == f"{CA_DIR}/ca.crt"
    # The same variables, pointing at a file that exists here, are what the services read.
    monkeypatch.setenv("ASSISTANT_ARGOCD__CA_FILE", str(ca_file))
    assert build_config(_relay_config(objects)).argocd.ca_file == ca_file
    settings = load_settings(argocd_server="https://argocd.example.com", argocd_ca_file=ca_file)
    assert settings.verify == ca_file


def test_openshift_route_routes_only_the_browser_api_with_a_streaming_timeout(
    overlays: Overlays,
) -> None:
    route = find(overlays["direct-route-openshift"], "Route", "argocd-assistant")
    assert route["apiVersion"] == "route.openshift.io/v1"
    assert "haproxy.router.openshift.io/rewrite-target" not in route["metadata"]["annotations"]
    assert route["metadata"]["annotations"]["haproxy.router.openshift.io/timeout"] == "600s"
    assert route["spec"]["path"] == "/assistant/api"  # only the browser's API on the Argo CD host
    assert route["spec"]["to"] == {"kind": "Service", "name": "argocd-assistant-relay", "weight": 100}
    assert route["spec"]["port"] == {"targetPort": "http"}
    assert route["spec"]["tls"]["termination"] == "edge"


def test_deploying_into_an_existing_namespace_never_owns_it(tmp_path: Path) -> None:
    overlay = tmp_path / "into-gitops"
    overlay.mkdir()
    rel = os.path.relpath(DEPLOY, overlay)
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: openshift-gitops\n"
        f"resources:\n  - {rel}/overlays/direct-route-openshift\n"
        f"components:\n  - {rel}/components/existing-namespace\n"
    )
    objects = render(overlay)
    assert not [o for o in objects if o["kind"] == "Namespace"]  # not relabelled, not deleted with the rest
    assert {o["metadata"].get("namespace") for o in objects} == {"openshift-gitops"}


def test_the_proxy_overlay_changes_only_the_identity_modes_and_keeps_the_base_config(
    overlays: Overlays, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = render(DEPLOY / "base")
    proxy = overlays["proxy-extension"]
    # the file the operator edits is the base's, untouched by the overlay
    assert _relay_config(proxy) == _relay_config(base)
    config = _effective_config(proxy, monkeypatch)
    assert config.identity.modes == ["browser", "pasted", "bearer"]
    assert config.llama_stack == _effective_config(base, monkeypatch).llama_stack


def test_each_service_keeps_a_replica_through_drains_and_spreads_over_nodes(overlays: Overlays) -> None:
    for objects in overlays.values():
        for name, budget in (
            ("argocd-assistant-relay", "argocd-assistant-relay"),
            ("argocd-assistant-mcp", "argocd-assistant-mcp"),
        ):
            deployment = find(objects, "Deployment", name)
            labels = deployment["spec"]["selector"]["matchLabels"]
            assert deployment["spec"]["replicas"] >= 2
            pdb = find(objects, "PodDisruptionBudget", budget)
            assert pdb["spec"]["minAvailable"] == 1
            assert pdb["spec"]["selector"]["matchLabels"] == labels
            (spread,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
            assert spread["topologyKey"] == "kubernetes.io/hostname"
            assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
            assert spread["labelSelector"]["matchLabels"] == labels


def test_gateway_api_route_sends_only_the_browser_api_unchanged_to_the_relay(overlays: Overlays) -> None:
    route = find(overlays["direct-route-gateway"], "HTTPRoute", "argocd-assistant")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/assistant/api"}}]
    assert "filters" not in rule  # no rewrite: the relay serves /assistant/api/... itself
    (backend,) = rule["backendRefs"]
    relay = find(overlays["direct-route-gateway"], "Service", "argocd-assistant-relay")
    assert backend == {"name": "argocd-assistant-relay", "port": relay["spec"]["ports"][0]["port"]}
