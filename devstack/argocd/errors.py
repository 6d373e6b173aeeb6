"""Argo CD's error bodies: gRPC codes mapped to HTTP statuses as grpc-gateway does."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from starlette.responses import JSONResponse

from devstack.argocd.tokens import Claims

INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, UNKNOWN, INTERNAL = 3, 5, 7, 16, 2, 13
FAILED_PRECONDITION = 9
HTTP_STATUS = {3: 400, 5: 404, 7: 403, 9: 400, 16: 401, 2: 500, 13: 500, 14: 503, 6: 409, 10: 409}
HTTP_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.code, 500)

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.message, "code": self.code, "message": self.message}, status_code=self.status
        )

    def stream_chunk(self) -> str:
        """The error object grpc-gateway writes into a server-streaming response."""
        return json.dumps(
            {
                "error": {
                    "grpc_code": self.code,
                    "http_code": self.status,
                    "message": self.message,
                    "http_status": HTTP_STATUS_TEXT.get(self.status, ""),
                }
            }
        )


def permission_denied() -> ApiError:
    return ApiError(PERMISSION_DENIED, "permission denied")


def app_not_found(name: str) -> ApiError:
    return ApiError(NOT_FOUND, f'applications.argoproj.io "{name}" not found')


def enforce_denied(claims: Claims, resource: str, action: str, obj: str) -> ApiError:
    """What Argo CD's `enf.EnforceErr` answers: the request and who asked (sub, and iat in RFC 3339)."""
    issued = datetime.fromtimestamp(claims.issued_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ApiError(
        PERMISSION_DENIED,
        f"permission denied: {resource}, {action}, {obj}, sub: {claims.username}, iat: {issued}",
    )
