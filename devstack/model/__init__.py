"""A scripted OpenAI-compatible model: deterministic tool calls and answers built from tool results.

`create_app(config)` returns the ASGI app; `python -m devstack.model --port N` serves it.
"""

from devstack.model.app import ModelConfig, create_app
from devstack.model.context import Context, parse_context
from devstack.model.rules import FAIL_STREAM_TRIGGER, FAIL_TRIGGER, SLOW_TRIGGER, Reply, ToolCall, decide

__all__ = [
    "FAIL_STREAM_TRIGGER",
    "FAIL_TRIGGER",
    "SLOW_TRIGGER",
    "Context",
    "ModelConfig",
    "Reply",
    "ToolCall",
    "create_app",
    "decide",
    "parse_context",
]
