"""HAProxy (Debian's, `make haproxy`) in front of the replicas: one frontend and one backend per tier.

Round robin, an HTTP health check per server, and what server-sent events need: idle timeouts above an
answer's length (`timeout server`/`client`/`tunnel`) and `option http-no-delay` (each small event leaves at
once). HAProxy forwards response bodies as they arrive and compresses nothing unless told, so an answer is
never buffered. The admin socket lets a test take one server out (`set_state`) to choose which replica
serves the next request; one log line per request says which server did.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Backend", "HAProxyError", "find_haproxy", "render_config", "runtime_command"]

STREAM_TIMEOUT = "900s"  # above the relay's longest answer (limits.stream_timeout_seconds, 300 s by default)


class HAProxyError(RuntimeError):
    """HAProxy is missing, refused its configuration, or its admin socket refused a command."""


@dataclass(frozen=True)
class Backend:
    """One tier behind HAProxy: its frontend port and its servers' (name, port), all on `host`."""

    name: str
    port: int
    servers: tuple[tuple[str, int], ...]
    check_path: str
    host: str = "127.0.0.1"


def find_haproxy() -> Path | None:
    for candidate in ("/usr/sbin/haproxy", shutil.which("haproxy")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def render_config(backends: Sequence[Backend], admin_socket: Path, maxconn: int = 4096) -> str:
    lines = [
        "global",
        f"    maxconn {maxconn}",
        # HAProxy runs in the foreground (-db); its request log goes to its stdout, the topology's log file
        "    log stdout format raw local0",
        f"    stats socket {admin_socket} mode 600 level admin",
        "",
        "defaults",
        "    mode http",
        "    log global",
        '    log-format "%ft %b/%s %ST %HM %HP %Ta %tsc"',
        "    option http-no-delay",
        # a caller that stopped waiting (the relay's idle limit, a closed tab) cancels its request upstream
        "    option abortonclose",
        "    option redispatch",
        "    retries 2",
        f"    maxconn {maxconn}",
        "    timeout connect 5s",
        "    timeout http-request 30s",
        "    timeout queue 30s",
        "    timeout http-keep-alive 60s",
        # an answer may stay quiet between heartbeats (15 s) and last minutes: never cut it as idle
        f"    timeout client {STREAM_TIMEOUT}",
        f"    timeout server {STREAM_TIMEOUT}",
        f"    timeout tunnel {STREAM_TIMEOUT}",
        "    default-server check inter 2s fall 2 rise 1",
    ]
    for backend in backends:
        lines += [
            "",
            f"frontend {backend.name}",
            f"    bind {backend.host}:{backend.port}",
            f"    default_backend {backend.name}",
            "",
            f"backend {backend.name}",
            "    balance roundrobin",
            "    option httpchk",
            f"    http-check send meth GET uri {backend.check_path}",
            "    http-check expect status 200",
        ]
        lines += [f"    server {name} {backend.host}:{port}" for name, port in backend.servers]
    return "\n".join(lines) + "\n"


def runtime_command(admin_socket: Path, command: str, timeout: float = 5.0) -> str:
    """One command on HAProxy's admin socket (`set server tier/name state maint`, `show servers state`)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(admin_socket))
        sock.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks).decode(errors="replace").strip()
    if answer and not answer.startswith("#") and "No such" in answer:
        raise HAProxyError(f"HAProxy refused {command!r}: {answer}")
    return answer
