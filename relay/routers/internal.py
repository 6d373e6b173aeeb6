"""`POST /internal/llama-stack-auth`: llama-stack's `custom` auth provider asks who a credential names.

Served only to what calls the pod directly (llama-stack; the NetworkPolicy admits it): `PublicPaths` answers
404 to anything that came through the Argo CD host.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from relay.bodies import BodyError, parse_json
from relay.llama_auth import CredentialError, principal
from relay.routers.deps import relay_state
from relay.state import RelayState

router = APIRouter(tags=["internal"], include_in_schema=False)

_MAX_BODY = 64 << 10


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "invalid_credential", "message": message}, status_code=status)


@router.post("/internal/llama-stack-auth")
async def llama_stack_auth(
    request: Request, state: Annotated[RelayState, Depends(relay_state)]
) -> JSONResponse:
    key = state.config.llama_stack.auth_key
    if key is None:
        return JSONResponse({"code": "not_found", "message": "Not found."}, status_code=404)
    raw = await request.body()
    try:
        body: Any = parse_json(raw) if len(raw) <= _MAX_BODY else None
    except BodyError:
        body = None
    api_key = body.get("api_key") if isinstance(body, dict) else None
    if not isinstance(api_key, str) or not api_key:
        return _refused(400, "Expected llama-stack's auth request: {api_key, request}.")
    try:
        name, attributes = principal(api_key, key.get_secret_value().encode())
    except CredentialError as exc:
        state.metrics.errors.labels("llama_stack_credential").inc()
        return _refused(401, f"Not a credential of this relay: {exc}.")
    return JSONResponse({"principal": name, "attributes": attributes})
