"""Request bodies decoded as grpc-gateway (v1) does with Argo CD's JSONMarshaler (Go's encoding/json).

The decoder reads the first JSON value and ignores what follows; an empty body is an empty request; field
names match case-insensitively (an exact match first); unknown fields are ignored; `null` leaves a field
at its zero value; a value of the wrong type fails the whole request with 400 (code 3).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from devstack.argocd.errors import INVALID_ARGUMENT, ApiError

# field -> (Python type, Go type as encoding/json names it)
Fields = dict[str, tuple[type, str]]

SYNC_REQUEST: Fields = {
    "name": (str, "string"),
    "revision": (str, "string"),
    "dryRun": (bool, "bool"),
    "prune": (bool, "bool"),
    "strategy": (dict, "v1alpha1.SyncStrategy"),
    "resources": (list, "[]*v1alpha1.SyncOperationResource"),
    "manifests": (list, "[]string"),
    "infos": (list, "[]*v1alpha1.Info"),
    "retryStrategy": (dict, "v1alpha1.RetryStrategy"),
    "syncOptions": (dict, "application.SyncOptions"),
    "appNamespace": (str, "string"),
    "project": (str, "string"),
    "sourcePositions": (list, "[]int64"),
    "revisions": (list, "[]string"),
}
ROLLBACK_REQUEST: Fields = {
    "name": (str, "string"),
    "id": (int, "int64"),
    "dryRun": (bool, "bool"),
    "prune": (bool, "bool"),
    "appNamespace": (str, "string"),
    "project": (str, "string"),
}
ACTION_REQUEST_V2: Fields = {
    "name": (str, "string"),
    "namespace": (str, "string"),
    "resourceName": (str, "string"),
    "version": (str, "string"),
    "group": (str, "string"),
    "kind": (str, "string"),
    "action": (str, "string"),
    "appNamespace": (str, "string"),
    "project": (str, "string"),
    "resourceActionParameters": (list, "[]*application.ResourceActionParameters"),
}


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fits(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is bool:
        return isinstance(value, bool)
    return isinstance(value, expected)


async def first_json_value(request: Request) -> Any:
    """The first JSON value of the body (Go's Decoder.Decode); None for an empty body (io.EOF)."""
    text = (await request.body()).decode("utf-8", errors="replace")
    start = len(text) - len(text.lstrip())
    if start == len(text):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise ApiError(INVALID_ARGUMENT, "unexpected EOF") from None
        message = f"invalid character '{text[exc.pos]}' looking for beginning of value"
        raise ApiError(INVALID_ARGUMENT, message) from None
    return value


async def decode(request: Request, struct: str, fields: Fields) -> dict[str, Any]:
    """The body as `struct` (for messages, e.g. `application.ApplicationSyncRequest`): only known fields,
    with Go's zero values left out."""
    value = await first_json_value(request)
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = _json_kind(value)
        raise ApiError(INVALID_ARGUMENT, f"json: cannot unmarshal {kind} into Go value of type {struct}")
    out: dict[str, Any] = {}
    lowered = {k.lower(): k for k in reversed(list(value))}
    for name, (expected, go_type) in fields.items():
        key = name if name in value else lowered.get(name.lower())
        if key is None or value[key] is None:
            continue
        field = value[key]
        if not _fits(field, expected):
            where = f"{struct.rsplit('.', 1)[-1]}.{name}"
            raise ApiError(
                INVALID_ARGUMENT,
                f"json: cannot unmarshal {_json_kind(field)} into Go struct field {where} of type {go_type}",
            )
        out[name] = field
    return out


def string_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def object_list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
