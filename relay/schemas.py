"""Request and response bodies of the relay's HTTP API (they appear in its OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ApplicationRef(BaseModel):
    name: str = Field(min_length=1, max_length=253, description="Application name.")
    namespace: str = Field("", max_length=253, description="The Application's own namespace (app namespace).")
    project: str = Field("", max_length=253, description="The Application's project.")


class ResourceRef(BaseModel):
    group: str = Field("", max_length=253, description="API group; empty for the core group.")
    version: str = Field("", max_length=64)
    kind: str = Field(min_length=1, max_length=128)
    namespace: str = Field("", max_length=253)
    name: str = Field(min_length=1, max_length=253)
    uid: str = Field("", max_length=64)

    @property
    def is_application(self) -> bool:
        """An Argo CD Application (on its own tab, the resource is the Application itself)."""
        return (self.kind, self.group) == ("Application", "argoproj.io")


class LogsContext(BaseModel):
    container: str | None = Field(None, max_length=253)
    lines: list[str] = Field(default_factory=list, description="Log lines, oldest first.")
    previous: bool = Field(False, description="Lines come from the previous container instance.")


class ChatContext(BaseModel):
    manifest: str | None = Field(None, description="The live manifest as JSON or YAML text.")
    events: list[dict[str, Any]] | None = Field(None, description="Kubernetes Event objects.")
    logs: LogsContext | None = None


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, description="The user's question.")
    application: ApplicationRef
    resource: ResourceRef | None = None
    context: ChatContext | None = None
    conversation: str | None = Field(None, description="Handle from a previous answer's `start` event.")


class ReadAnswerBody(BaseModel):
    """What the browser got for one `argocd_request` (browser mode)."""

    model_config = ConfigDict(extra="forbid")

    stream: str = Field(
        min_length=1, max_length=64, description="`request_id` of the answer's `start` event."
    )
    id: str = Field(min_length=1, max_length=512, description="`id` of the `argocd_request` event.")
    status: int | None = Field(
        None, ge=100, le=599, description="Argo CD's HTTP status; null when the browser got no answer."
    )
    body: str = Field("", description="Argo CD's answer body, at most the request's `max_bytes`.")
    truncated: bool = Field(False, description="Argo CD's answer was longer than `max_bytes`.")
    error: str | None = Field(
        None, max_length=1000, description="Why the browser could not carry the read out (network, abort)."
    )


class ErrorResponse(BaseModel):
    """Every error the relay answers before a stream starts."""

    code: str = Field(description="Machine-readable error kind, e.g. `unauthenticated`, `user_mismatch`.")
    message: str = Field(description="What happened and what to do, for a person.")
    identity_modes: list[str] | None = Field(
        None, description="On 401: the identity forms this relay accepts (the UI offers a token field)."
    )


class ConfigResponse(BaseModel):
    model: str | None = Field(
        description="Model answering questions (null while llama-stack is unreachable)."
    )
    identity_modes: list[str]
    log_lines_default: int
    log_lines_max: int
    feedback: bool = Field(True, description="Whether the tab offers thumbs up/down under answers.")


class HealthResponse(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class ApprovalBody(BaseModel):
    """The person's answer to one `approval_request` (an action the model wants to run)."""

    model_config = ConfigDict(extra="forbid")

    stream: str = Field(
        min_length=1, max_length=64, description="`request_id` of the answer's `start` event."
    )
    id: str = Field(min_length=1, max_length=512, description="`id` of the `approval_request` event.")
    call_id: str = Field(
        min_length=1, max_length=256, description="`call_id` of the `approval_request` event."
    )
    approve: bool = Field(description="true: run the action; false: do not.")
    arguments_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="`arguments_sha256` of the `approval_request` event."
    )


class FeedbackBody(BaseModel):
    """A person's rating of one answer."""

    model_config = ConfigDict(extra="forbid")

    conversation: str = Field(
        min_length=1,
        max_length=2048,
        description="The answer's handle: its `end` (else `start`) conversation.",
    )
    rating: Literal["up", "down"]
    comment: str | None = Field(
        None, max_length=20000, description="Optional; see feedback.max_comment_chars."
    )
