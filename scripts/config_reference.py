"""Generates docs/configuration.md from the configuration models, so the reference cannot drift.

python scripts/config_reference.py          # rewrite docs/configuration.md
python scripts/config_reference.py --check  # exit 1 when the file differs from the models
"""

from __future__ import annotations

import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mcp_server.config import Settings  # noqa: E402
from relay.config import RelayConfig  # noqa: E402

TARGET = ROOT / "docs" / "configuration.md"
_ENV_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]*: ")


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(names) + (" \\| null" if type(None) in args else "")
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if annotation is SecretStr:
        return "secret"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is PydanticUndefined or value is None:
        return "—"
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, str) and "\n" in value:
        return "(built-in text)"
    if isinstance(value, list | tuple):
        return ", ".join(f"`{v}`" for v in value) or "(empty)"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _description(field: FieldInfo) -> str:
    return _ENV_PREFIX.sub("", (field.description or "").replace("|", "\\|").replace("\n", " "))


def _section_model(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _relay_rows() -> list[str]:
    rows = ["| key in the file | environment override | type | default | meaning |", "|---|---|---|---|---|"]
    for section, field in RelayConfig.model_fields.items():
        model = _section_model(field)
        if model is None:
            continue
        for name, sub in model.model_fields.items():
            env = f"ASSISTANT_{section.upper()}__{name.upper()}"
            kind = _type_name(sub.annotation)
            rows.append(f"| `{section}.{name}` | `{env}` | {kind} | {_default(sub)} | {_description(sub)} |")
    return rows


def _mcp_rows() -> list[str]:
    rows = ["| environment variable | type | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        kind = _type_name(field.annotation)
        rows.append(f"| `{name.upper()}` | {kind} | {_default(field)} | {_description(field)} |")
    return rows


def render() -> str:
    sections = [
        "# Configuration reference",
        "",
        "Generated from the configuration models; a test fails when this file and the models disagree.",
        "After changing them run `.venv/bin/python scripts/config_reference.py`.",
        "",
        "## Relay",
        "",
        "One YAML (or JSON) file, its path in `ASSISTANT_CONFIG` or `--config`, meant to be mounted from a",
        "Kubernetes Secret. Environment variables override the file; nested keys use `__`. Invalid",
        "configuration stops the relay at start with a message naming each offending field.",
        "",
        "```yaml",
        "llama_stack: {url: http://llama-stack:8321}",
        "mcp: {server_url: http://argocd-assistant-mcp:8080/mcp}   # or connector_id: argocd",
        "argocd: {url: https://argocd-server.argocd.svc}",
        "identity: {modes: [cookie, bearer, pasted]}",
        "```",
        "",
        *_relay_rows(),
        "",
        "## MCP server",
        "",
        "Environment variables (case-insensitive); every one also has a command-line flag",
        "(`argocd-assistant mcp --help`), except `ARGOCD_TOKEN`, which never goes on a command line.",
        "",
        *_mcp_rows(),
        "",
    ]
    return "\n".join(sections)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            stale = TARGET.relative_to(ROOT)
            print(f"{stale} is out of date: run python scripts/config_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
