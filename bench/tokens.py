"""Tokens a model must read: result size of each task for our MCP server, the raw API and argocd-mcp.

Also checks that every fact the task needs is in our output and no secret is. Target: our bytes in total
at most a third of argocd-mcp's, every required fact present, no task over the result cap.

`python -m bench.tokens [--quick] [--results FILE]`
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from bench import report
from bench.tasks import call_tool, contest, read_raw
from bench.tokenizer import count_tokens, tokenizer_name
from mcp_server.config import Settings

RAW_MAX_BYTES = 16 << 20
RAW_MAX_SECONDS = 3.0


def _size(text: str) -> tuple[int, int]:
    return len(text.encode()), count_tokens(text)


async def measure(quick: bool) -> tuple[report.Table, dict[str, object], list[str], bool]:
    cap = int(Settings.model_fields["mcp_max_result_bytes"].default)
    notes = [f"Tokens: {tokenizer_name()}. Result cap of our server: {cap} bytes (MCP_MAX_RESULT_BYTES)."]
    raw_budget = (1 << 20, 1.0) if quick else (RAW_MAX_BYTES, RAW_MAX_SECONDS)
    async with contest() as c:
        if c.peer is None:
            notes.append("argocd-mcp is not installed (`npm ci` in bench/peers): its column is empty.")
        table = report.Table(
            [
                "task",
                "ours bytes",
                "ours tokens",
                "raw API bytes",
                "raw tokens",
                "argocd-mcp bytes",
                "argocd-mcp tokens",
                "ours/peer",
                "argocd-mcp facts",
                "facts",
                "secrets",
                "≤ cap",
            ]
        )
        # the ratio compares the tasks argocd-mcp has a tool for
        totals = {"ours": 0, "peer": 0, "raw": 0, "ours vs peer": 0}
        all_facts = True
        all_capped = True
        for task in c.tasks.values():
            text, is_error = await call_tool(c.client, task.ours)
            ours_bytes, ours_tokens = _size(text)
            missing = [f for f in task.required if f not in text]
            leaked = [f for f in task.forbidden if f in text]
            facts_ok = not missing and not is_error
            all_facts &= facts_ok and not leaked
            capped = ours_bytes <= cap
            all_capped &= capped
            raw = await read_raw(c.argocd, task.raw, max_bytes=raw_budget[0], max_seconds=raw_budget[1])
            raw_tokens: object = count_tokens(raw.text)
            raw_bytes: object = raw.size
            if not raw.complete:  # cut at the read budget: the endless log never ends
                raw_bytes, raw_tokens = f"> {raw.size} (cut)", f"> {raw_tokens}"
            peer_cells: list[object] = ["-", "-", "-", "no such tool" if task.peer is None else "-"]
            if c.peer_client is not None and task.peer is not None:
                peer_text, _ = await call_tool(c.peer_client, task.peer)
                peer_bytes, peer_tokens = _size(peer_text)
                totals["peer"] += peer_bytes
                totals["ours vs peer"] += ours_bytes
                peer_missing = [f for f in task.required if f not in peer_text]
                peer_cells = [
                    peer_bytes,
                    peer_tokens,
                    f"{report.ratio(ours_bytes, peer_bytes):.2f}",
                    f"missing {', '.join(peer_missing)}" if peer_missing else "all",
                ]
            totals["ours"] += ours_bytes
            totals["raw"] += raw.size
            fact_cell = "all" if facts_ok else f"**missing {', '.join(missing) or 'tool error'}**"
            table.add(
                task.label,
                ours_bytes,
                ours_tokens,
                raw_bytes,
                raw_tokens,
                *peer_cells,
                fact_cell,
                f"**leaked {len(leaked)}**" if leaked else "none",
                report.verdict(capped),
            )
    overall = report.ratio(totals["ours vs peer"], totals["peer"]) if totals["peer"] else float("nan")
    table.add(
        "**total**",
        totals["ours"],
        "",
        totals["raw"],
        "",
        totals["peer"] or "-",
        "",
        f"{overall:.2f}",
        "",
        "",
        "",
        "",
    )
    ok = all_facts and all_capped and (not totals["peer"] or overall <= 1 / 3)
    notes.append(
        f"Target: ours ≤ ⅓ of argocd-mcp's bytes in total over the tasks it has a tool for ({overall:.2f}), "
        "every required fact present in ours "
        f"({report.verdict(all_facts)}), no task over the cap ({report.verdict(all_capped)})."
    )
    summary: dict[str, object] = {
        "ours bytes": totals["ours"],
        "argocd-mcp bytes": totals["peer"] or "-",
        "ours/peer": f"{overall:.2f}",
        "facts": report.verdict(all_facts),
        "cap": report.verdict(all_capped),
        "target": report.verdict(ok),
    }
    return table, summary, notes, ok


def main(argv: Sequence[str] | None = None) -> int:
    args = report.parser(__doc__ or "").parse_args(argv)
    table, summary, notes, ok = asyncio.run(measure(args.quick))
    report.emit("Tokens a model must read", table, notes)
    report.record(report.results_path(args), "tokens", summary, quick=args.quick)
    del ok  # a missed target shows in the table; the exit code reports only a broken run
    return 0


if __name__ == "__main__":
    sys.exit(main())
