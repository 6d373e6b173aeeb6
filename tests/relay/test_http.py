"""The relay's HTTP surface in-process against the Argo CD simulator, with llama-stack unreachable."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from devstack.argocd.tokens import token_for
from devstack.servers import free_port, serve_in_thread
from relay.app import create_app
from relay.config import build_config
from tests.relay.sse import read_transcript

BODY = {"message": "why?", "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"}}


@pytest.fixture(scope="module")
def relay(argocd_url: str) -> Iterator[str]:
    config = build_config(
        {
            "llama_stack": {"url": f"http://127.0.0.1:{free_port()}"},
            "mcp": {"server_url": "http://127.0.0.1:1/mcp"},
            "argocd": {"url": argocd_url},
            "limits": {"max_request_bytes": 4096, "max_message_bytes": 512, "heartbeat_seconds": 0.1},
        }
    )
    with serve_in_thread(create_app(config)) as url:
        yield url


def alice() -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('alice')}"}


def test_no_identity_answers_401_naming_the_accepted_modes(relay: str) -> None:
    response = httpx2.post(f"{relay}/api/chat", json=BODY)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["identity_modes"] == ["cookie", "bearer", "pasted"]


def test_a_bad_body_answers_400_without_echoing_it(relay: str) -> None:
    response = httpx2.post(f"{relay}/api/chat", json={"message": "secret-words"}, headers=alice())
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert "application" in response.json()["message"]
    assert "secret-words" not in response.text


@pytest.mark.parametrize("depth", [1500, 100])
def test_a_deeply_nested_body_answers_400_not_500(relay: str, depth: int) -> None:
    # 1,500 levels: past the JSON parser's recursion limit; 100 (inside an event, which takes any JSON):
    # parses, but no chat request is that deep, and every later walk over it would be at risk
    nested = "[" * depth + "]" * depth
    body = '{"message": "x", "application": {"name": "a"}, "context": {"events": [{"x": ' + nested + "}]}}"
    response = httpx2.post(f"{relay}/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_too_large_requests_and_questions_answer_413(relay: str) -> None:
    big = httpx2.post(
        f"{relay}/api/chat", json={**BODY, "context": {"manifest": "x" * 10000}}, headers=alice()
    )
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    long = httpx2.post(f"{relay}/api/chat", json={**BODY, "message": "y" * 1000}, headers=alice())
    assert (long.status_code, long.json()["code"]) == (413, "message_too_large")


def test_errors_are_declared_in_openapi(relay: str) -> None:
    spec = httpx2.get(f"{relay}/openapi.json").json()
    answers = spec["paths"]["/api/chat"]["post"]["responses"]
    assert set(answers) == {"200", "400", "401", "403", "413", "502", "503"}
    for status in ("400", "401", "403", "413", "502", "503"):
        assert answers[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
        assert answers[status]["description"]
    for path in spec["paths"].values():
        assert all("422" not in operation["responses"] for operation in path.values())
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_llama_stack_down_streams_start_then_one_error_then_end(relay: str) -> None:
    with (
        httpx2.Client(timeout=30) as client,
        client.stream("POST", f"{relay}/api/chat", json=BODY, headers=alice()) as r,
    ):
        assert r.status_code == 200
        transcript = read_transcript(r.iter_lines())
    assert transcript.names == ["start", "error", "end"]
    assert transcript.first("start")["identity"] == "bearer"
    assert transcript.first("error")["code"] == "llama_stack_unavailable"
    assert token_for("alice") not in str([e.data for e in transcript.events])


def test_config_health_readiness_and_metrics(relay: str) -> None:
    config = httpx2.get(f"{relay}/api/config").json()
    assert config == {
        "model": None,
        "identity_modes": ["cookie", "bearer", "pasted"],
        "log_lines_default": 200,
        "log_lines_max": 1000,
        "feedback": True,
    }
    assert httpx2.get(f"{relay}/healthz").json() == {"status": "ok", "checks": {}}
    # readiness is about this pod: llama-stack being down does not take every replica out of the Service
    assert httpx2.get(f"{relay}/readyz").status_code == 200
    detail = httpx2.get(f"{relay}/healthz", params={"detail": "true"})
    assert detail.status_code == 200
    assert detail.json()["checks"]["argocd"] == "ok"
    assert detail.json()["checks"]["llama_stack"].startswith("unreachable")
    httpx2.post(f"{relay}/api/chat", json=BODY)
    metrics = httpx2.get(f"{relay}/metrics").text
    assert 'relay_http_requests_total{method="POST",route="/api/chat",status="401"}' in metrics
    assert 'relay_errors_total{kind="unauthenticated"}' in metrics
    assert 'relay_dependency_up{dependency="llama_stack"} 0.0' in metrics
    assert 'relay_dependency_up{dependency="argocd"} 1.0' in metrics


def test_metric_labels_stay_bounded_whatever_method_or_path_a_client_sends(relay: str) -> None:
    with httpx2.Client() as client:
        for method in ("PURGE", "PROPFIND", "MKCOL", "LINK", "SEARCH"):
            client.request(method, f"{relay}/api/chat")
        for n in range(3):
            client.get(f"{relay}/no-such-path-{n}")
            client.get(f"{relay}/api/config", params={"n": n})
        metrics = client.get(f"{relay}/metrics").text
    series = [line for line in metrics.splitlines() if line.startswith("relay_http_requests_total{")]
    labels = [
        dict(part.split("=", 1) for part in line[line.index("{") + 1 : line.index("}")].split(","))
        for line in series
    ]
    methods = {label["method"].strip('"') for label in labels}
    routes = {label["route"].strip('"') for label in labels}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods
    assert routes <= {
        "/api/chat",
        "/api/config",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "unmatched",
    }
    assert "unmatched" in routes
    assert 'relay_http_requests_total{method="other",route="/api/chat",status="405"}' in metrics


def test_only_the_browser_api_is_served_to_what_comes_through_the_argo_cd_host(relay: str) -> None:
    with httpx2.Client() as client:
        # direct route: the Ingress passes /assistant/api/... unchanged
        assert client.get(f"{relay}/assistant/api/config").status_code == 200
        for path in ("/assistant/metrics", "/assistant/docs", "/assistant/openapi.json", "/assistant/readyz"):
            assert client.get(f"{relay}{path}").status_code == 404, path
        # proxy route: Argo CD's proxy forwards any path, with its headers
        proxied = {"Argocd-Application-Name": "argocd:checkout"}
        assert client.get(f"{relay}/metrics", headers=proxied).status_code == 404
        assert client.get(f"{relay}/openapi.json", headers=proxied).status_code == 404
        assert client.get(f"{relay}/api/config", headers=proxied).status_code == 200
        # the pod itself (probes, Prometheus) still reaches them
        assert client.get(f"{relay}/metrics").status_code == 200
        assert client.get(f"{relay}/readyz").status_code == 200
