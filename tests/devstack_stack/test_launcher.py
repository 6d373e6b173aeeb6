"""The launcher brings the whole stack up on free ports and takes it down without leaving anything behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import psutil
import pytest

from devstack.argocd.tokens import token_for
from devstack.launcher import ROOT, Stack, StackOptions, llama_flavour
from devstack.model import ModelConfig, create_app
from devstack.servers import port_is_open, serve_in_thread

# llama-stack 0.7.3, or OGX with DEVSTACK_LLAMA_FLAVOUR=ogx (make test-ogx)
LLAMA = llama_flavour()
pytestmark = pytest.mark.skipif(
    not LLAMA.python.exists(),
    reason=f"{LLAMA.label}'s virtualenv {LLAMA.venv.name} is missing (`{LLAMA.make_target}`)",
)


def _family(pids: list[int]) -> set[int]:
    """The pids and all their descendants."""
    found = set(pids)
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            found |= {child.pid for child in psutil.Process(pid).children(recursive=True)}
    return found


def _alive(pids: set[int]) -> list[str]:
    alive = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{pid} {' '.join(process.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return alive


def _assert_gone(pids: set[int], ports: list[int]) -> None:
    deadline = time.monotonic() + 5
    while _alive(pids) or any(port_is_open(p) for p in ports):
        assert time.monotonic() < deadline, f"left behind: {_alive(pids)} ports {ports}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def stack_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, set[int], list[int]]]:
    log_dir = tmp_path_factory.mktemp("logs")
    with Stack.start(StackOptions(log_dir=log_dir)) as stack:
        family = _family(list(stack.pids.values()))
        yield stack, family, list(stack.ports.values())
    _assert_gone(family, list(stack.ports.values()))


def test_every_part_is_up_on_its_own_loopback_port(stack_run: tuple[Stack, set[int], list[int]]) -> None:
    stack, _, ports = stack_run
    assert {"argocd", "mcp", "model", "llamastack"} <= set(stack.urls)
    assert len(set(ports)) == len(ports)
    assert all(url.startswith("http://127.0.0.1:") for url in stack.urls.values())
    assert httpx2.get(stack.urls["llamastack"] + "/v1/health").json() == {"status": "OK"}
    assert stack.startup_seconds < 30
    for name in stack.pids:
        assert (stack.options.log_dir / f"{name}.log").exists()


def test_the_printed_url_opens_the_degraded_application(stack_run: tuple[Stack, set[int], list[int]]) -> None:
    stack, _, _ = stack_run
    assert stack.open_url == f"{stack.urls['argocd']}/?app=checkout"
    assert httpx2.get(stack.open_url).status_code < 500


def test_llama_stack_answers_with_an_mcp_tool_through_the_scripted_model(
    stack_run: tuple[Stack, set[int], list[int]],
) -> None:
    stack, _, _ = stack_run
    token = token_for("alice")
    body: dict[str, Any] = {
        "model": "dev/dev-model",
        "stream": True,
        "instructions": "<context>\napplication: checkout\napp_namespace: argocd\nproject: team-a\n",
        "input": "What is the health status?",
        "tools": [
            {
                "type": "mcp",
                "server_label": "argocd",
                "server_url": stack.urls["mcp_endpoint"],
                "authorization": token,
                "allowed_tools": ["get_application"],
                "require_approval": "never",
            }
        ],
    }
    with httpx2.stream("POST", stack.urls["llamastack"] + "/v1/responses", json=body, timeout=30) as response:
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    types = [e.get("type") for e in events]
    assert types[0] == "response.created"
    assert types[-1] == "response.completed", events[-1]
    assert types.index("response.mcp_call.completed") < types.index("response.output_text.delta")
    text = "".join(e["delta"] for e in events if e.get("type") == "response.output_text.delta")
    assert "Degraded" in text
    prompts = json.dumps(httpx2.get(stack.urls["model"] + "/_devstack/requests").json())
    assert token not in prompts


def _stop_after_failure(process: subprocess.Popen[str], pids: list[int]) -> None:
    """SIGTERM the launcher and wait (it stops its children), then kill the process group of every part it
    reported: each runs in its own group, which killing only the launcher would leave running."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def test_up_json_prints_one_line_and_sigterm_stops_everything(tmp_path: Path) -> None:
    stderr = tmp_path / "stderr.txt"
    pids: list[int] = []
    with (
        stderr.open("w") as err,
        subprocess.Popen(
            [sys.executable, "-m", "devstack", "up", "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        ) as process,
    ):
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line, stderr.read_text()[-2000:]
            summary = json.loads(line)
            pids = [int(pid) for pid in summary["pids"].values()]
            assert summary["llamastack_flavour"] == LLAMA.name  # $DEVSTACK_LLAMA_FLAVOUR reaches the command
            assert httpx2.get(summary["open_url"]).status_code < 500
            family = _family(pids)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
            _assert_gone(family, list(summary["ports"].values()))
        except BaseException:
            _stop_after_failure(process, pids)
            raise


def test_a_given_model_url_replaces_the_scripted_model_process(tmp_path: Path) -> None:
    with (
        serve_in_thread(create_app(ModelConfig(model_id="other-model"))) as model_url,
        Stack.start(
            model_url=f"{model_url}/v1", model_id="other-model", relay=False, log_dir=tmp_path
        ) as stack,
    ):
        assert "model" not in stack.pids
        assert stack.urls["model_api"] == f"{model_url}/v1"
        models = httpx2.get(stack.urls["llamastack"] + "/v1/models").json()["data"]
        assert [m["id"] for m in models] == ["dev/other-model"]
