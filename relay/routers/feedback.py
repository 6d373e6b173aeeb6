"""`POST /api/feedback`: a person rates one answer (thumbs up or down, an optional comment)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mcp_server.shaping import redact
from relay.conversation import ConversationError
from relay.errors import RelayHTTPError, responses
from relay.feedback import FeedbackRecord, answered, now
from relay.identity import IdentityError
from relay.routers.deps import relay_state
from relay.schemas import FeedbackBody
from relay.state import RelayState

router = APIRouter(tags=["feedback"])
log = logging.getLogger("relay.feedback")

# Reading the answer back from llama-stack is bounded: a rating is still kept when it cannot be read.
_READ_BACK_SECONDS = 10.0


@router.post(
    "/api/feedback",
    status_code=204,
    summary="Rate one answer; it is stored with its question, tool calls and text (redacted).",
    responses=responses(
        {
            400: "Invalid body or conversation handle.",
            401: "No identity, or Argo CD did not accept the token.",
            403: "The answer of another user.",
            404: "Feedback is switched off (`feedback.enabled`).",
            413: "The comment is longer than feedback.max_comment_chars.",
        }
    ),
)
async def feedback(
    body: FeedbackBody, request: Request, state: Annotated[RelayState, Depends(relay_state)]
) -> Response:
    config = state.config.feedback
    if not config.enabled:
        raise RelayHTTPError(404, "feedback_disabled", "Feedback is switched off on this assistant.")
    if body.comment is not None and len(body.comment) > config.max_comment_chars:
        raise RelayHTTPError(
            413, "comment_too_long", f"The comment is longer than {config.max_comment_chars} characters."
        )
    try:
        identity = await state.identity.resolve(request.headers, request.cookies)
    except IdentityError as exc:
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    scoped = identity.scoped_app
    try:
        conversation = state.conversations.verify(
            body.conversation,
            user=identity.username,
            app=f"{scoped.namespace}/{scoped.name}" if scoped is not None else None,
        )
    except ConversationError as exc:
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    record = FeedbackRecord(
        at=now(),
        user=identity.username,
        app=conversation.app,
        response_id=conversation.response_id,
        rating=body.rating,
        comment=redact(body.comment) if body.comment else None,  # a person may paste a token
    )
    try:
        with anyio.fail_after(_READ_BACK_SECONDS):
            question, calls, answer = await answered(
                _rounds(state, identity.username, conversation.response_id)
            )
        record = replace(record, question=question, tool_calls=calls, answer=answer)
    except Exception as exc:  # llama-stack gone or the answer expired: the rating is worth keeping anyway
        note = f"the answer could not be read back from llama-stack ({type(exc).__name__})"
        record = replace(record, note=note)
    await state.feedback_store().add(record)
    state.metrics.feedback.labels(body.rating).inc()
    log.info("feedback user=%s app=%s rating=%s", identity.username, conversation.app, body.rating)
    return Response(status_code=204)


async def _rounds(
    state: RelayState, user: str, response_id: str
) -> AsyncIterator[tuple[Mapping[str, Any], Sequence[Any]]]:
    """The answer's responses from llama-stack, newest first, read with the user's own credential."""
    credential = state.llama_credential(user)
    headers = {"Authorization": f"Bearer {credential}"} if credential else None
    rid: str | None = response_id
    while rid:
        retrieved = await state.llama.responses.retrieve(rid, extra_headers=headers)
        response: dict[str, Any] = retrieved.to_dict()
        inputs = (await state.llama.responses.input_items.list(rid, extra_headers=headers)).to_dict()
        data = inputs.get("data")
        yield response, data if isinstance(data, list) else []
        previous = response.get("previous_response_id")
        rid = previous if isinstance(previous, str) else None
