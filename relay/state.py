"""What a relay process holds for its lifetime: long-lived upstream clients, signers, metrics, slots."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import httpx
from llama_stack_client import AsyncLlamaStackClient

from mcp_server.argocd_client import ArgoCDClient
from mcp_server.config import Settings
from relay.approvals import PendingApprovals
from relay.browser_reads import PendingReads
from relay.config import RelayConfig
from relay.conversation import ConversationSigner
from relay.feedback import FeedbackStore
from relay.identity import IdentityResolver
from relay.llama_auth import credential
from relay.metrics import RelayMetrics
from relay.sse import OpenStreams
from relay.upstream import ResponsesUpstream


class NoModelError(Exception):
    pass


class StreamSlot:
    """One of the `max_concurrent_streams` places; released exactly once, whoever gets there first."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._slots.in_use -= 1


@dataclass
class StreamSlots:
    limit: int
    in_use: int = 0

    def acquire(self) -> StreamSlot | None:
        if self.in_use >= self.limit:
            return None
        self.in_use += 1
        return StreamSlot(self)


def make_llama_client(config: RelayConfig) -> AsyncLlamaStackClient:
    """The generated client, for the occasional calls (model list, health); answers use ResponsesUpstream."""
    http = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
        timeout=httpx.Timeout(
            connect=config.llama_stack.connect_timeout_seconds, read=30.0, write=30.0, pool=10.0
        ),
        trust_env=False,
    )
    key = config.llama_stack.auth_key
    # the relay's own principal (model list); a key-less relay sends none
    api_key = credential(key.get_secret_value().encode(), None) if key is not None else None
    return AsyncLlamaStackClient(
        base_url=config.llama_stack.url, http_client=http, max_retries=0, api_key=api_key
    )


def make_responses_upstream(config: RelayConfig) -> ResponsesUpstream:
    """One per process, its pool sized for every stream the relay may hold. Never retried: a retried POST
    would run the agent (and its tool calls) twice."""
    return ResponsesUpstream(
        config.llama_stack.url,
        pool=config.limits.max_concurrent_streams + 8,
        connect_timeout=config.llama_stack.connect_timeout_seconds,
        read_timeout=config.limits.upstream_idle_seconds,
    )


def make_argocd_client(config: RelayConfig) -> ArgoCDClient:
    argocd = config.argocd
    verify: bool | Path = False if argocd.insecure else (argocd.ca_file or True)
    return ArgoCDClient(
        argocd.url, verify=verify, timeout=argocd.timeout_seconds, total_timeout=argocd.total_timeout_seconds
    )


@dataclass
class RelayState:
    config: RelayConfig
    llama: AsyncLlamaStackClient
    responses: ResponsesUpstream
    argocd: ArgoCDClient
    metrics: RelayMetrics
    # the process's open SSE streams: server shutdown ends them (relay/__main__.py)
    open_streams: OpenStreams = field(default_factory=OpenStreams)
    identity: IdentityResolver = field(init=False)
    conversations: ConversationSigner = field(init=False)
    streams: StreamSlots = field(init=False)
    # Large UI contexts are turned into prompts in worker threads, at most two at a time (memory stays flat).
    prompt_limiter: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(2), init=False
    )
    # browser mode: the Argo CD reads this process waits for the users' browsers to carry out
    reads: PendingReads = field(init=False)
    # the approvals of actions this process waits for the users to give in the tab
    approvals: PendingApprovals = field(init=False)
    _replica_http: aiohttp.ClientSession | None = field(default=None, init=False)
    _feedback: FeedbackStore | None = field(default=None, init=False)
    _function_tools: list[dict[str, Any]] | None = field(default=None, init=False)
    _tool_settings: Settings | None = field(default=None, init=False)
    _model: str | None = field(default=None, init=False)
    _model_lock: anyio.Lock = field(default_factory=anyio.Lock, init=False)

    def __post_init__(self) -> None:
        identity = self.config.identity
        self.identity = IdentityResolver(identity, self.argocd)
        key = identity.conversation_signing_key
        self.conversations = ConversationSigner(
            key.get_secret_value().encode() if key is not None else secrets.token_bytes(32)
        )
        # read ids name their replica only with a key every replica shares
        shared_key = key.get_secret_value().encode() if key is not None else None
        self.reads = PendingReads(self.config.replicas.advertise_url, shared_key)
        self.approvals = PendingApprovals(self.config.replicas.advertise_url, shared_key)
        self.streams = StreamSlots(self.config.limits.max_concurrent_streams)
        self._model = self.config.llama_stack.model

    def feedback_store(self) -> FeedbackStore:
        """Where ratings go (the JSONL file or Postgres of `feedback`); opened on first use."""
        if self._feedback is None:
            from relay.feedback import open_store

            self._feedback = open_store(self.config.feedback)
        return self._feedback

    def replica_http(self) -> aiohttp.ClientSession:
        """For handing answers of browser reads on to other replicas; made on first use (inside the loop)."""
        if self._replica_http is None:
            timeout = self.config.replicas.forward_timeout_seconds
            self._replica_http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=timeout),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._replica_http

    def llama_credential(self, user: str) -> str | None:
        """The bearer for one answer's llama-stack requests, naming `user` (None without an auth key)."""
        key = self.config.llama_stack.auth_key
        if key is None:
            return None
        ttl = self.config.limits.stream_timeout_seconds + 60
        return credential(key.get_secret_value().encode(), user, ttl)

    def function_tools(self) -> list[dict[str, Any]]:
        """The allowed tools and the enabled actions as function tools (the browser mode's tools, and the
        actions in every mode); built on first use (it loads the MCP SDK)."""
        if self._function_tools is None:
            from relay.browser_tools import function_tools
            from relay.offered_tools import action_tools

            actions = action_tools(self.config.actions, scoped=False)
            self._function_tools = function_tools([*self.config.mcp.allowed_tools, *actions])
        return self._function_tools

    def tool_settings(self) -> Settings:
        if self._tool_settings is None:
            from relay.browser_tools import tool_settings

            self._tool_settings = tool_settings()
        return self._tool_settings

    @property
    def known_model(self) -> str | None:
        return self._model

    async def model(self) -> str:
        """The configured model, else the first LLM llama-stack lists (looked up once, then remembered)."""
        if self._model is not None:
            return self._model
        async with self._model_lock:
            if self._model is None:
                models = await self.llama.models.list()
                llm = next((m.id for m in models if m.model_type in (None, "llm")), None)
                if llm is None:
                    raise NoModelError("llama-stack lists no LLM model; register one in its run config")
                self._model = llm
        return self._model

    async def aclose(self) -> None:
        if self._replica_http is not None:
            await self._replica_http.close()
        await self.responses.aclose()
        await self.llama.close()
        await self.argocd.aclose()
