"""Query parameters as Argo CD's gRPC gateway parses them (a bad number is its strconv error, 400)."""

from __future__ import annotations

from starlette.requests import Request

from devstack.argocd.errors import INVALID_ARGUMENT, ApiError


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(
            INVALID_ARGUMENT,
            f"type mismatch, parameter: {name}, error: strconv.ParseInt: parsing "
            f'"{raw[:40]}": invalid syntax',
        ) from None


def bool_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1")
