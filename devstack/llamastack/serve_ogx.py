"""Starts OGX (llama-stack's successor) with a run config, offline: `.venv-ogx/bin/python serve_ogx.py CONFIG
[--port N]`.

Runs under OGX's virtualenv (`.venv-ogx`, ogx 1.x), not the project's; the same run.yaml serves llama-stack
0.7.3 (serve.py) and OGX. What differs from serve.py:
- the entry point is `ogx.cli.ogx.main()` and the command `ogx run` (it reads `sys.argv` too);
- OGX refuses to serve plain HTTP unless told so: the dev stack listens on 127.0.0.1 only, so `--insecure` is
  passed here (a deployment sets `server.insecure: true` or TLS certificates, docs/deployment.md);
- at start-up OGX moves a legacy `~/.llama` directory to `~/.ogx` unless `OGX_CONFIG_DIR` is set: it is set
  to a directory of this run's state, so a llama-stack 0.7.3 on the same machine keeps its own;
- the inline faiss provider's tiktoken check (it needs a download these machines cannot make) is skipped,
  as in serve.py: nothing in this flow chunks files.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any


def _skip_tiktoken_check() -> None:
    mixin = importlib.import_module("ogx.providers.utils.memory.openai_vector_store_mixin")

    def skipped(*args: Any, **kwargs: Any) -> None:
        return None

    setattr(mixin, "validate_tiktoken_encoding", skipped)  # noqa: B010 - a module mypy cannot see


def _own_config_dir() -> None:
    if "OGX_CONFIG_DIR" not in os.environ:
        state = Path(os.environ.get("LLAMASTACK_STATE_DIR", "/tmp/argocd-assistant-llamastack"))
        os.environ["OGX_CONFIG_DIR"] = str(state / "ogx-config")


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print("usage: serve_ogx.py CONFIG [--port N]", file=sys.stderr)
        return 2
    _own_config_dir()  # before the first import of ogx: it reads OGX_CONFIG_DIR at import time
    _skip_tiktoken_check()
    cli = importlib.import_module("ogx.cli.ogx")
    # OGX's main() takes no arguments and reads sys.argv
    sys.argv = ["ogx", "run", *argv, "--insecure"]
    cli.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
