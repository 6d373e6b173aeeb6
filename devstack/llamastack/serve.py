"""Starts llama-stack with a run config, offline: `.venv-llamastack/bin/python serve.py CONFIG [--port N]`.

Runs under the llama-stack virtualenv (llama-stack 0.7.3 needs mcp<2), not the project's.
The inline faiss provider checks at start-up that tiktoken's `cl100k_base` encoding loads, which needs a
download these machines cannot make; nothing in this flow chunks files, so the check is skipped.
"""

from __future__ import annotations

import sys


def _skip_tiktoken_check() -> None:
    import llama_stack.providers.utils.memory.openai_vector_store_mixin as mixin

    mixin.validate_tiktoken_encoding = lambda *args, **kwargs: None


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print("usage: serve.py CONFIG [--port N]", file=sys.stderr)
        return 2
    _skip_tiktoken_check()
    from llama_stack.cli.llama import main as llama_main

    # llama's main() takes no arguments and reads sys.argv
    sys.argv = ["llama", "stack", "run", *argv]
    llama_main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
