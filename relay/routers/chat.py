"""`POST /api/chat`: identify the caller, check the request, then stream the answer as typed SSE."""

from __future__ import annotations

import email.message
import uuid
from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from relay.bodies import BodyError, parse_json
from relay.conversation import Conversation, ConversationError
from relay.errors import RelayHTTPError, refusal_response, responses
from relay.identity import Identity, IdentityError
from relay.routers.deps import relay_state
from relay.schemas import ChatRequest
from relay.sse import EventStreamResponse, encode_event
from relay.state import RelayState, StreamSlot
from relay.streaming import ChatStream, app_key

router = APIRouter(tags=["chat"])

# What an answer still open when the grace period of a shutdown ran out says last (the tab shows it).
RESTARTED = encode_event(
    "error",
    {"code": "restarting", "message": "The assistant restarted before this answer was complete. Ask again."},
) + encode_event("end", {"usage": None, "truncated": {"answer": True}})

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
    "/api/chat",  # documents the route; `ChatEndpoint` (added ahead of it by create_app) answers it
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
    return await _answer(body, request, state)


async def _answer(body: ChatRequest, request: Request, state: RelayState) -> EventStreamResponse:
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
    if state.open_streams.closing:
        state.metrics.errors.labels("shutting_down").inc()
        raise RelayHTTPError(
            503, "shutting_down", "This assistant replica is restarting; ask again in a moment."
        )
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
        farewell=RESTARTED,
    )


def _is_json(content_type: str | None) -> bool:
    # as FastAPI decides whether to parse a body as JSON
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def _parse(request: Request) -> ChatRequest:
    """The body as FastAPI parses and validates it for `chat` (the same errors, located under `body`)."""
    raw = await request.body()
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    value: Any = raw
    if _is_json(request.headers.get("content-type")):
        try:
            value = parse_json(raw)
        except BodyError as exc:
            error = {"type": "json_invalid", "loc": ("body",), "msg": str(exc)}
            raise RequestValidationError([error]) from None
    try:
        return ChatRequest.model_validate(value)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


async def _prepare(state: RelayState, scope: Scope, receive: Receive) -> Response:
    request = Request(scope, receive)
    try:
        return await _answer(await _parse(request), request, state)
    except (RelayHTTPError, RequestValidationError) as exc:
        return refusal_response(exc)


class ChatEndpoint:
    """`POST /api/chat` as a plain ASGI app, called by `RequestMiddleware` ahead of FastAPI: what FastAPI's
    middleware and route keep for a request's whole life (exception and exit-stack layers, its Request,
    solved dependencies, the raw and parsed body) would be held by every open answer. The request is parsed
    in `_prepare`, whose frame is gone before the stream starts; refusals answer as the app's exception
    handlers do. The FastAPI route `chat` documents it (and answers it if called without the middleware)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await _prepare(self._app.state.relay, scope, receive)
        await response(scope, receive, send)


class ChatRoute(Route):
    """Matches what `ChatEndpoint` answers (`POST /api/chat`) and names itself in the scope as FastAPI's
    routes do, so the metrics label it."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__("/api/chat", ChatEndpoint(app), methods=["POST"], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match != Match.NONE:
            child["route"] = self
        return match, child
