"""Argo CD failures as one exception hierarchy, keyed on what a caller can do about them.

Shared by every way of reading Argo CD (the aiohttp client, and the relay's reads carried out by the user's
browser): a status code and an error body mean the same whoever fetched them. No message ever holds a token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ArgoCDError",
    "ArgoCDTimeout",
    "ArgoCDUnavailable",
    "BadRequest",
    "LogStreamError",
    "NotFound",
    "PermissionDeniedOrNotFound",
    "ResponseTooLarge",
    "Unauthenticated",
    "error_for_status",
    "error_text",
    "stream_error",
]

MAX_ERROR_TEXT = 400


class ArgoCDError(Exception):
    """Any failure talking to Argo CD. `status` is the HTTP status when Argo CD answered, else None."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Unauthenticated(ArgoCDError):
    """401: no token, or an invalid or expired one."""


class PermissionDeniedOrNotFound(ArgoCDError):
    """403: Argo CD answers the same for a forbidden and a missing application."""


class NotFound(ArgoCDError):
    """404."""


class BadRequest(ArgoCDError):
    """400: Argo CD refused the arguments (e.g. a resource that is not part of the application)."""


class ArgoCDUnavailable(ArgoCDError):
    """Argo CD could not be reached, or answered with a server error (5xx)."""


class ArgoCDTimeout(ArgoCDUnavailable):
    """Argo CD did not answer in time; the message names which timeout ran out."""


class ResponseTooLarge(ArgoCDError):
    """Argo CD's answer was longer than the client's byte cap; reading stopped at the cap."""


class LogStreamError(ArgoCDError):
    """An error Argo CD sent inside a log stream (e.g. Kubernetes' log call failed: a container that does not
    exist); `status` is the HTTP code it named."""


_STATUS_ERRORS: dict[int, type[ArgoCDError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: PermissionDeniedOrNotFound,
    404: NotFound,
}


def error_for_status(status: int, text: str) -> ArgoCDError:
    cls = _STATUS_ERRORS.get(status, ArgoCDUnavailable if status >= 500 else ArgoCDError)
    return cls(f"Argo CD answered {status}: {text}", status=status)


# gRPC code → HTTP status, as grpc-gateway maps them (for in-stream errors that name only the gRPC code).
_GRPC_STATUS = {3: 400, 16: 401, 7: 403, 5: 404, 6: 409, 10: 409, 4: 504, 14: 503, 2: 500, 13: 500}


def stream_error(err: Mapping[str, Any]) -> ArgoCDError:
    """The error for an in-stream `{"error": {"grpc_code", "http_code", "message", "http_status"}}`, with
    Argo CD's own message: a failure Argo CD reports about this request is not Argo CD being unavailable."""
    message = str(err.get("message") or "error in the log stream")[:MAX_ERROR_TEXT]
    try:
        status = int(err.get("http_code") or 0)
    except (TypeError, ValueError):
        status = 0
    if not 400 <= status <= 599:
        try:
            status = _GRPC_STATUS.get(int(err.get("grpc_code") or 2), 500)
        except (TypeError, ValueError):
            status = 500
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status](message, status=status)
    if status == 504:
        return ArgoCDTimeout(message, status=status)
    if status in (502, 503):
        return ArgoCDUnavailable(message, status=status)
    return LogStreamError(message, status=status)


def error_text(body: bytes) -> str:
    """The `message` (or `error`) of an Argo CD error body, shortened; the raw text when it is not JSON."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    text = ""
    if isinstance(data, dict):
        text = str(data.get("message") or data.get("error") or "")
    if not text:
        text = body.decode("utf-8", "replace").strip() or "(empty body)"
    return text[:MAX_ERROR_TEXT]
