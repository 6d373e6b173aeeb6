"""`POST /api/chat`: identify the caller, check the request, then stream the answer as typed SSE."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.background import BackgroundTask

from relay.conversation import Conversation, ConversationError
from relay.errors import RelayHTTPError, responses
from relay.identity import Identity, IdentityError
from relay.routers.deps import relay_state
from relay.schemas import ChatRequest
from relay.sse import EventStreamResponse
from relay.state import RelayState, StreamSlot
from relay.streaming import ChatStream, app_key

router = APIRouter(tags=["chat"])

_STREAM_DOC = {
    "description": "Server-sent events: start, token, tool_call, tool_result, error, end.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}


async def _identify(request: Request, state: RelayState) -> Identity:
    try:
        return await state.identity.resolve(request.headers, request.cookies)
    except IdentityError as exc:
        modes: list[str] | None = list(state.identity.modes) if exc.status == 401 else None
        state.metrics.errors.labels(exc.code).inc()
        raise RelayHTTPError(exc.status, exc.code, exc.message, identity_modes=modes) from None


def _check_scope(identity: Identity, body: ChatRequest) -> None:
    scoped = identity.scoped_app
    if scoped is None:
        return
    app = body.application
    if app.name != scoped.name or (app.namespace and app.namespace != scoped.namespace):
        raise RelayHTTPError(
            403,
            "outside_scope",
            f"Without a token of your own the assistant may only look at application {scoped.namespace}/"
            f"{scoped.name} (the page you opened it from). Paste an Argo CD token to ask about others.",
        )
    if not app.namespace:
        body.application.namespace = scoped.namespace


async def _release(slot: StreamSlot) -> None:
    # async: Starlette runs a plain-def background task in a worker thread, a thread hop per answer
    slot.release()


@router.post(
    "/api/chat",
    summary="Ask a question about an application or resource; the answer streams back as SSE.",
    response_class=EventStreamResponse,
    responses={
        200: _STREAM_DOC,
        **responses(
            {
                400: "Invalid body (validation answers 400, never 422), Argocd-Application-Name or handle.",
                401: "No identity, or Argo CD did not accept the token; `identity_modes` says what works.",
                403: "Token of another user, wrong proxy secret, unnamed user, outside the scope, or a "
                "conversation of another user or application.",
                413: "Request body or question too large.",
                502: "Argo CD answered the token check with an error (`argocd_error`).",
                503: "Argo CD unreachable while verifying the token, or every stream slot busy.",
            }
        ),
    },
)
async def chat(
    body: ChatRequest, request: Request, state: Annotated[RelayState, Depends(relay_state)]
) -> EventStreamResponse:
    limits = state.config.limits
    if len(body.message.encode()) > limits.max_message_bytes:
        raise RelayHTTPError(
            413,
            "message_too_large",
            f"The question is longer than {limits.max_message_bytes} bytes; shorten it.",
        )
    identity = await _identify(request, state)
    _check_scope(identity, body)
    if not body.application.namespace:
        # Argo CD reads an empty app namespace as its own: say so in the prompt and the conversation key
        body.application.namespace = state.config.argocd.namespace
    previous: Conversation | None = None
    if body.conversation:
        try:
            previous = state.conversations.verify(
                body.conversation, user=identity.username, app=app_key(body, state.config.argocd.namespace)
            )
        except ConversationError as exc:
            state.metrics.errors.labels(exc.code).inc()
            raise RelayHTTPError(exc.status, exc.code, exc.message) from None
    slot = state.streams.acquire()
    if slot is None:
        state.metrics.errors.labels("busy").inc()
        raise RelayHTTPError(
            503,
            "busy",
            "The assistant is answering as many questions as it can right now; try again shortly.",
        )
    stream = ChatStream(
        state=state,
        identity=identity,
        request=body,
        previous=previous,
        request_id=uuid.uuid4().hex,
        slot=slot,
    )
    return EventStreamResponse(
        stream.events(),
        heartbeat_seconds=limits.heartbeat_seconds,
        streams=state.open_streams,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(_release, slot),
    )
