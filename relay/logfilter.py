"""Keeps tokens out of third-party debug logs.

llama-stack-client logs every request's full options at DEBUG, and those hold the MCP tool's
`authorization` (the user's token). That one record is dropped wherever it is emitted from.
"""

from __future__ import annotations

import logging

_CLIENT_LOGGER = "llama_stack_client._base_client"


class _DropRequestOptions(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Request options"))


_FILTER = _DropRequestOptions()


def install_log_filters() -> None:
    """Idempotent: a logger holds a filter object once."""
    logging.getLogger(_CLIENT_LOGGER).addFilter(_FILTER)
