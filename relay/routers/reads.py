"""`POST /api/argocd-responses`: the browser hands back the answer to an Argo CD read (browser mode)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from relay.browser_reads import ReadAnswer, ReadRefused
from relay.errors import RelayHTTPError, responses
from relay.identity import IdentityError
from relay.routers.deps import FORWARDED, hand_on, parse_body, relay_state
from relay.schemas import ReadAnswerBody
from relay.state import RelayState

router = APIRouter(tags=["browser reads"])


def route_limit(max_body_bytes: int) -> int:
    """The request size allowed: room for JSON escaping around a body of at most `max_body_bytes`."""
    return 2 * max_body_bytes + (64 << 10)


@router.post(
    "/api/argocd-responses",
    status_code=204,
    summary="The answer to an Argo CD read the relay asked the browser to carry out (`argocd_request`).",
    responses=responses(
        {
            400: "Invalid body.",
            401: "Not posted through Argo CD's proxy extension (no proxy secret).",
            403: "A read of another user, or no Argocd-Username.",
            404: "No read with this id is pending on this relay.",
            409: "The read was already answered, or belongs to another answer.",
            410: "The read expired, or its answer ended (stream closed).",
            413: "The answer is larger than limits.browser_read_max_bytes.",
            502: "The replica whose stream asked for the read could not be reached (several replicas).",
        }
    ),
)
async def argocd_response(request: Request, state: Annotated[RelayState, Depends(relay_state)]) -> Response:
    try:
        user = state.identity.read_poster(request.headers)
    except IdentityError as exc:
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    raw = await request.body()
    body = parse_body(raw, ReadAnswerBody)
    data = body.body.encode("utf-8", "replace")
    limit = state.config.limits.browser_read_max_bytes
    if len(data) > limit:
        state.metrics.errors.labels("read_too_large").inc()
        raise RelayHTTPError(
            413, "read_too_large", f"The answer is larger than {limit} bytes (limits.browser_read_max_bytes)."
        )
    answer = ReadAnswer(status=body.status, body=data, truncated=body.truncated, error=body.error)
    try:
        state.reads.answer(body.id, body.stream, user, answer)
    except ReadRefused as exc:
        owner = state.reads.owner_of(body.id) if FORWARDED not in request.headers else None
        if exc.code == "unknown_read" and owner is not None:
            identity = state.config.identity
            assert identity.proxy_secret is not None  # read_poster checked it
            headers = {
                identity.proxy_secret_header: identity.proxy_secret.get_secret_value(),
                "Argocd-Username": user,
                "Content-Type": "application/json",
            }
            return await hand_on(state, owner, "/api/argocd-responses", raw, headers, "the Argo CD answer")
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    return Response(status_code=204)
