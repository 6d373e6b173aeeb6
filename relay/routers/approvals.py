"""`POST /api/approvals`: the person approves or declines an action the model wants to run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from relay.approvals import Decision
from relay.errors import RelayHTTPError, responses
from relay.identity import IdentityError
from relay.pending import Refused
from relay.routers.deps import FORWARDED, hand_on, parse_body, relay_state
from relay.schemas import ApprovalBody
from relay.state import RelayState

router = APIRouter(tags=["actions"])

# The caller's own headers go with an answer handed on to the replica that asked (it identifies them again).
_HANDED_ON = frozenset({"host", "content-length", "connection", "transfer-encoding", FORWARDED})


@router.post(
    "/api/approvals",
    status_code=204,
    summary="Approve or decline an action the answer's `approval_request` event asked for.",
    responses=responses(
        {
            400: "Invalid body.",
            401: "No identity, or Argo CD did not accept the token.",
            403: "An approval request of another user.",
            404: "No approval request with this id is pending on this relay.",
            409: "Already answered, of another answer or tool call, or for other arguments.",
            410: "The approval request expired, or its answer ended.",
            502: "The replica whose answer asked could not be reached (several replicas).",
        }
    ),
)
async def approve(request: Request, state: Annotated[RelayState, Depends(relay_state)]) -> Response:
    raw = await request.body()
    body = parse_body(raw, ApprovalBody)
    try:
        identity = await state.identity.resolve(request.headers, request.cookies)
    except IdentityError as exc:
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    decision = Decision(approve=body.approve, call_id=body.call_id, arguments_sha256=body.arguments_sha256)
    try:
        state.approvals.answer(body.id, body.stream, identity.username, decision)
    except Refused as exc:
        owner = state.approvals.owner_of(body.id) if FORWARDED not in request.headers else None
        if exc.code == "unknown_approval" and owner is not None:
            # with the caller's own headers: that replica identifies the caller again
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HANDED_ON}
            return await hand_on(state, owner, "/api/approvals", raw, headers, "your approval")
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    return Response(status_code=204)
