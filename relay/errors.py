"""Errors answered before a stream starts: one JSON shape (`ErrorResponse`), declared in OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from relay.schemas import ErrorResponse


class Refusal(Exception):
    """A request refused before its stream starts: an HTTP status, a stable code, a message a person can act
    on. The router turns it into a `RelayHTTPError`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class RelayHTTPError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, identity_modes: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorResponse(code=code, message=message, identity_modes=identity_modes)


def error_response(status: int, body: ErrorResponse) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="argocd-assistant"'} if status == 401 else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def responses(described: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the given error statuses, each with when it is answered."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in described.items()}


def without_validation_422(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (an OpenAPI document) without FastAPI's automatic 422: validation failures answer 400 with
    an ErrorResponse (see `install_error_handlers`), so a 422 is never sent."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    schemas = schema.get("components", {}).get("schemas", {})
    if "HTTPValidationError" in schemas and "HTTPValidationError" not in json.dumps(schema.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return schema


def _describe_validation(exc: RequestValidationError) -> str:
    # Locations and messages only: the input itself is never echoed back.
    parts = []
    for error in exc.errors()[:10]:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {error.get('msg', 'invalid')}")
    return "Invalid request body: " + "; ".join(parts)


def refusal_response(exc: RelayHTTPError | RequestValidationError) -> JSONResponse:
    """The answer to a request refused before anything streamed (also used by `ChatEndpoint`)."""
    if isinstance(exc, RelayHTTPError):
        return error_response(exc.status, exc.body)
    return error_response(400, ErrorResponse(code="bad_request", message=_describe_validation(exc)))


def install_error_handlers(app: FastAPI) -> None:
    async def relay_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RelayHTTPError)
        return refusal_response(exc)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return refusal_response(exc)

    app.add_exception_handler(RelayHTTPError, relay_error)
    app.add_exception_handler(RequestValidationError, validation_error)
