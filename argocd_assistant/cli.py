"""`argocd-assistant <command>`: dispatches to the component that owns each subcommand."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence


def _mcp(argv: Sequence[str]) -> int:
    from mcp_server.__main__ import main

    return main(argv)


def _relay(argv: Sequence[str]) -> int:
    from relay.__main__ import main

    return main(argv)


def _feedback(argv: Sequence[str]) -> int:
    from relay.feedback import main

    return main(argv)


def _demo(argv: Sequence[str]) -> int:
    from devstack.launcher import main

    return main(["up", *argv])


COMMANDS: dict[str, tuple[str, Callable[[Sequence[str]], int]]] = {
    "mcp": ("run the MCP server with the Argo CD toolset (stdio or streamable HTTP)", _mcp),
    "relay": ("run the relay the Assistant tab talks to (FastAPI, typed SSE)", _relay),
    "feedback": ("export the answers' ratings as JSON lines: feedback export [--config FILE]", _feedback),
    "demo": ("start the whole stack locally (simulated Argo CD, scripted model) and print the URL", _demo),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        print("usage: argocd-assistant <command> [options]\n\ncommands:")
        for name, (summary, _) in COMMANDS.items():
            print(f"  {name:<8} {summary}")
        if args and args[0] not in ("-h", "--help"):
            print(f"\nerror: unknown command {args[0]!r}", file=sys.stderr)
            return 2
        return 0
    _, run = COMMANDS[args[0]]
    return run(args[1:])


if __name__ == "__main__":
    sys.exit(main())
