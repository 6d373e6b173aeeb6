"""Request bodies as JSON, refused when malformed or nested deeper than any real request.

`json.loads` raises RecursionError (not ValueError) past about a thousand levels, and a document that parses
can still be deep enough to break a later walk over it (a redaction, a dump): no body the relay takes is
nested more than a few levels, so anything deeper than `MAX_DEPTH` is refused as malformed.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "BodyError", "parse_json"]

MAX_DEPTH = 32


class BodyError(ValueError):
    """Not a JSON document the relay takes; the message says why, never echoing the body."""


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(raw: bytes | str) -> Any:
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BodyError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BodyError("JSON decode error") from None
    if _depth(value) > MAX_DEPTH:
        raise BodyError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value
