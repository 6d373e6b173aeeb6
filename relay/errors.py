"""Errors answered before a stream starts: one JSON shape (`ErrorResponse`), declared in OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from relay.schemas import ErrorResponse


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


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the given error statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


def _describe_validation(exc: RequestValidationError) -> str:
    # Locations and messages only: the input itself is never echoed back.
    parts = []
    for error in exc.errors()[:10]:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {error.get('msg', 'invalid')}")
    return "Invalid request body: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    async def relay_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RelayHTTPError)
        return error_response(exc.status, exc.body)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(400, ErrorResponse(code="bad_request", message=_describe_validation(exc)))

    app.add_exception_handler(RelayHTTPError, relay_error)
    app.add_exception_handler(RequestValidationError, validation_error)
