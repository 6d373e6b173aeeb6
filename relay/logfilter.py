"""Keeps tokens out of logs.

- llama-stack-client logs every request's full options at DEBUG, and those hold the MCP tool's
  `authorization` (the user's token). That one record is dropped wherever it is emitted from.
- A relay record may carry a `Scrubber` (`extra={SCRUB: Scrubber(token)}`): its message and its traceback
  (`exc_info`) are formatted once, scrubbed, and kept as text, so no handler or formatter ever sees the
  exception unscrubbed. Used for unexpected errors, whose tracebacks must be logged to be diagnosed.
"""

from __future__ import annotations

import logging

from mcp_server.shaping import redact

__all__ = ["REDACTED", "SCRUB", "Scrubber", "install_log_filters"]

REDACTED = "[REDACTED]"
SCRUB = "relay_scrubber"
_CLIENT_LOGGER = "llama_stack_client._base_client"
_RELAY_LOGGERS = ("relay", "relay.chat")


class Scrubber:
    """Removes the given secrets, then anything credential-like (`redact`), from text. Its repr shows none."""

    __slots__ = ("_secrets",)

    def __init__(self, *secrets: str | None) -> None:
        # longest first: a secret containing another is removed whole
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return redact(text)

    def __repr__(self) -> str:
        return f"Scrubber({len(self._secrets)} secrets)"


class _DropRequestOptions(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Request options"))


class _ScrubRecord(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        scrub = record.__dict__.pop(SCRUB, None)
        if not isinstance(scrub, Scrubber):
            return True
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            # the formatted traceback replaces the exception: formatters append exc_text as it is
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


_DROP = _DropRequestOptions()
_SCRUB = _ScrubRecord()


def install_log_filters() -> None:
    """Idempotent: a logger holds a filter object once."""
    logging.getLogger(_CLIENT_LOGGER).addFilter(_DROP)
    for name in _RELAY_LOGGERS:
        logging.getLogger(name).addFilter(_SCRUB)
