"""Starting and stopping local servers: free ports, readiness waits, uvicorn in a thread, child processes.

Used by the launcher, the tests and the benchmarks, so every server binds to 127.0.0.1 and is always stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_until_ready(url: str, timeout: float = 30.0, process: subprocess.Popen[Any] | None = None) -> None:
    """Polls `url` until it answers with a status below 500; fails early when `process` has exited."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before {url} was ready")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last_error = f"HTTP {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            last_error = str(exc)
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout:.0f}s: {last_error}")


@contextlib.contextmanager
def serve_in_thread(app: Any, port: int | None = None, **config: Any) -> Iterator[str]:
    """Runs an ASGI app under uvicorn in a background thread; yields its base URL; always stops it."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", **config))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on port {port}")
            time.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            # a server that does not stop holds its port and threads: make it a failure, not a silent leak
            raise RuntimeError(f"uvicorn on port {port} did not stop within 10 s")


def start_process(
    argv: Sequence[str],
    ready_url: str | None,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    log_path: str | None = None,
) -> subprocess.Popen[bytes]:
    """Starts a child process in its own process group and waits for `ready_url` (if given)."""
    out: Any = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        list(argv),
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    if log_path:
        out.close()
    if ready_url:
        try:
            wait_until_ready(ready_url, timeout=timeout, process=process)
        except BaseException:
            stop_process(process)
            raise
    return process


def stop_process(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """SIGTERM to the whole process group, then SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
