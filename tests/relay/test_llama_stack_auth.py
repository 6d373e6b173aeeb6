"""llama-stack with its `custom` auth provider pointed at the relay: each stored response belongs to its user.

A second real llama-stack (the session stack's model and MCP server) runs with `server.auth` asking the
relay's `/internal/llama-stack-auth` who each bearer names; the relay presents a per-user credential."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import yaml

from devstack.argocd.tokens import token_for
from devstack.servers import HOST, free_port, start_process, stop_process, wait_until_ready
from relay.llama_auth import credential
from tests.relay.conftest import LLAMA, ROOT, Stack, serve_relay
from tests.relay.sse import read_transcript

AUTH_KEY = "test-llama-stack-auth-key"
QUESTION = {
    "message": "Why is checkout degraded?",
    "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"},
}


@pytest.fixture(scope="module")
def guarded(stack: Stack) -> Iterator[tuple[str, str]]:
    """(relay URL, llama-stack URL) of a relay and a llama-stack that asks it who every caller is."""
    relay_port, ls_port = free_port(), free_port()
    relay_url, ls_url = f"http://{HOST}:{relay_port}", f"http://{HOST}:{ls_port}"
    run = yaml.safe_load((ROOT / "devstack" / "llamastack" / "run.yaml").read_text())
    run["server"]["auth"] = {
        "provider_config": {"type": "custom", "endpoint": f"{relay_url}/internal/llama-stack-auth"}
    }
    with tempfile.TemporaryDirectory(prefix="ls-auth-") as state_dir:
        config_path = Path(state_dir) / "run.yaml"
        config_path.write_text(yaml.safe_dump(run))
        process = start_process(
            LLAMA.argv(ls_port, config=config_path),
            None,
            env={
                "MODEL_URL": f"{stack.model}/v1",
                "MODEL_ID": "dev-model",
                "LLAMASTACK_STATE_DIR": state_dir,
                "MCP_SERVER_URL": stack.mcp,
            },
            log_path=f"{state_dir}/llamastack.log",
        )
        try:
            wait_until_ready(f"{ls_url}/v1/health", timeout=60, process=process)
            config = stack.relay_config(llama_stack={"url": ls_url, "auth_key": AUTH_KEY})
            with serve_relay(config, port=relay_port):
                yield relay_url, ls_url
        finally:
            stop_process(process)


def ask(relay: str, user: str) -> str:
    """The answer to `user`'s question, asked as a bearer-token caller."""
    with (
        httpx2.Client(timeout=60) as client,
        client.stream(
            "POST", f"{relay}/api/chat", json=QUESTION, headers={"Authorization": f"Bearer {token_for(user)}"}
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        transcript = read_transcript(response.iter_lines())
    assert "error" not in transcript.names, transcript.all("error")
    return transcript.text


def test_answers_work_and_each_stored_response_is_readable_only_by_its_user(guarded: tuple[str, str]) -> None:
    relay, llama_stack = guarded
    assert ask(relay, "alice").strip()
    key = AUTH_KEY.encode()
    alice = {"Authorization": f"Bearer {credential(key, 'alice', 60)}"}
    bob = {"Authorization": f"Bearer {credential(key, 'bob', 60)}"}
    # no credential: llama-stack refuses to list anything
    assert httpx2.get(f"{llama_stack}/v1/responses").status_code == 401
    # a forged one (another key): refused too
    forged = {"Authorization": f"Bearer {credential(b'another-key', 'alice', 60)}"}
    assert httpx2.get(f"{llama_stack}/v1/responses", headers=forged).status_code == 401
    mine = httpx2.get(f"{llama_stack}/v1/responses", headers=alice).json()["data"]
    assert mine, "alice's answer is stored under her name"
    theirs = httpx2.get(f"{llama_stack}/v1/responses", headers=bob).json()["data"]
    assert {r["id"] for r in mine}.isdisjoint({r["id"] for r in theirs})
    assert httpx2.get(f"{llama_stack}/v1/responses/{mine[0]['id']}", headers=bob).status_code in (403, 404)
    assert httpx2.get(f"{llama_stack}/v1/responses/{mine[0]['id']}", headers=alice).status_code == 200


def test_the_auth_endpoint_refuses_what_the_relay_did_not_sign_and_is_not_on_the_argo_cd_host(
    guarded: tuple[str, str],
) -> None:
    relay, _ = guarded
    url = f"{relay}/internal/llama-stack-auth"
    good = httpx2.post(url, json={"api_key": credential(AUTH_KEY.encode(), "alice", 60), "request": {}})
    assert good.json() == {"principal": "argocd-user:alice", "attributes": {"roles": ["argocd-user:alice"]}}
    expired = credential(AUTH_KEY.encode(), "alice", -5)
    assert httpx2.post(url, json={"api_key": expired, "request": {}}).status_code == 401
    assert httpx2.post(url, json={"api_key": "lsa.e30.AAAA", "request": {}}).status_code == 401
    assert httpx2.post(url, content=b"[" * 5000).status_code == 400
    # through the Argo CD host it does not exist
    proxied = {"Argocd-Application-Name": "argocd:checkout"}
    assert httpx2.post(url, json={"api_key": "x"}, headers=proxied).status_code == 404
    assert (
        httpx2.post(f"{relay}/assistant/internal/llama-stack-auth", json={"api_key": "x"}).status_code == 404
    )
