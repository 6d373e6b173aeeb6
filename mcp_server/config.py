"""MCP server settings: environment variables (names as in the field list) overridden by CLI flags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DEFAULT_ALLOWED_HOSTS", "HARD_MAX_LOG_LINES", "Settings", "SettingsError", "load_settings"]

HARD_MAX_LOG_LINES = 1000
# Loopback plus the in-cluster Service name (short, <name>.<namespace>.svc and FQDN forms; '*' is one DNS
# label); the port is never checked.
DEFAULT_ALLOWED_HOSTS = (
    "localhost",
    "127.0.0.1",
    "[::1]",
    "argocd-assistant-mcp",
    "argocd-assistant-mcp.*.svc",
    "argocd-assistant-mcp.*.svc.cluster.local",
)


class SettingsError(ValueError):
    """Configuration is invalid; the message names each bad setting."""


def _split(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", case_sensitive=False, env_file=None, frozen=True)

    argocd_server: str = Field(
        description="ARGOCD_SERVER: base URL of the Argo CD API server, e.g. https://argocd-server.argocd.svc"
    )
    argocd_token: SecretStr | None = Field(
        None,
        description="ARGOCD_TOKEN: Argo CD token used on stdio. Over HTTP only with allow_default_token; "
        "otherwise every HTTP caller must send its own bearer token.",
    )
    allow_default_token: bool = Field(
        False, description="ALLOW_DEFAULT_TOKEN: over HTTP, use ARGOCD_TOKEN for callers that send no token."
    )
    argocd_insecure: bool = Field(False, description="ARGOCD_INSECURE: skip TLS certificate verification.")
    argocd_ca_file: Path | None = Field(
        None,
        description="ARGOCD_CA_FILE: PEM file of CA certificates to verify the Argo CD server with "
        "(default: the system's CA store).",
    )
    argocd_timeout: float = Field(
        15.0, gt=0, le=300, description="ARGOCD_TIMEOUT: seconds to wait for each Argo CD read."
    )
    argocd_connect_timeout: float = Field(
        5.0, gt=0, le=60, description="ARGOCD_CONNECT_TIMEOUT: seconds to wait for a connection to Argo CD."
    )
    argocd_total_timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="ARGOCD_TOTAL_TIMEOUT: longest one Argo CD call may take, connecting and reading "
        "included (a server that trickles bytes never trips the per-read ARGOCD_TIMEOUT); then it ends with "
        "'Argo CD is slow'.",
    )
    argocd_max_response_bytes: int = Field(
        32 * 1024 * 1024,
        ge=65536,
        le=1024 * 1024 * 1024,
        description="ARGOCD_MAX_RESPONSE_BYTES: largest Argo CD answer read (logs excepted); a longer one is "
        "a tool error and reading stops at this many bytes.",
    )
    argocd_logs_timeout: float = Field(
        20.0, gt=0, le=300, description="ARGOCD_LOGS_TIMEOUT: total seconds one log read may take."
    )
    mcp_max_result_bytes: int = Field(
        16384, ge=1024, le=1048576, description="MCP_MAX_RESULT_BYTES: cap on the text of every tool result."
    )
    mcp_default_log_lines: int = Field(
        100, ge=1, le=HARD_MAX_LOG_LINES, description="MCP_DEFAULT_LOG_LINES: tail lines when none are asked."
    )
    mcp_max_log_lines: int = Field(
        HARD_MAX_LOG_LINES,
        ge=1,
        le=HARD_MAX_LOG_LINES,
        description="MCP_MAX_LOG_LINES: most tail lines a caller may ask for.",
    )
    mcp_max_log_read_bytes: int = Field(
        1048576,
        ge=4096,
        le=67108864,
        description="MCP_MAX_LOG_READ_BYTES: stop reading a log stream after this many bytes.",
    )
    mcp_max_events: int = Field(
        30, ge=1, le=500, description="MCP_MAX_EVENTS: most distinct events returned."
    )
    mcp_read_only: bool = Field(
        True,
        description="MCP_READ_ONLY: register only the read tools (applied once, at start); false adds the "
        "action tools (sync_application, refresh_application, rollback_application, run_resource_action, "
        "list_resource_actions), which run with the caller's own token.",
    )
    mcp_shutdown_grace_seconds: float = Field(
        20.0,
        ge=0,
        le=600,
        description="MCP_SHUTDOWN_GRACE_SECONDS: on SIGTERM (HTTP), how long in-flight tool calls may go on "
        "finishing before the server exits.",
    )
    mcp_action_wait_seconds: float = Field(
        10.0,
        ge=0,
        le=120,
        description="MCP_ACTION_WAIT_SECONDS: how long a sync or rollback waits for its operation to end "
        "before answering that it still runs.",
    )
    mcp_transport: Literal["stdio", "http"] = Field("stdio", description="MCP_TRANSPORT: stdio or http.")
    mcp_host: str = Field("127.0.0.1", description="MCP_HOST: HTTP listen address.")
    mcp_port: int = Field(8000, ge=0, le=65535, description="MCP_PORT: HTTP listen port.")
    mcp_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS),
        description="MCP_ALLOWED_HOSTS: comma-separated Host/Origin patterns accepted on /mcp ('*' is one "
        "DNS label, e.g. argocd-assistant-mcp.*.svc; port ignored; '*' alone disables the check). Guards "
        "against DNS rebinding.",
    )
    assistant_scope_key: SecretStr | None = Field(
        None, description="ASSISTANT_SCOPE_KEY: HMAC key shared with the relay to verify X-Assistant-Scope."
    )
    scoped_token_sha256: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="SCOPED_TOKEN_SHA256: comma-separated sha256 (hex) of tokens that are refused unless the "
        "request carries a valid X-Assistant-Scope (the relay's service token).",
    )

    @field_validator("mcp_allowed_hosts", "scoped_token_sha256", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _split(value)

    @field_validator("argocd_server")
    @classmethod
    def _check_server(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("argocd_ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file {value} does not exist")
        return value

    @field_validator("scoped_token_sha256")
    @classmethod
    def _check_hashes(cls, value: list[str]) -> list[str]:
        out = [v.lower() for v in value]
        for item in out:
            if not re.fullmatch(r"[0-9a-f]{64}", item):
                raise ValueError("each entry must be 64 hex characters (sha256 of the token)")
        return out

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.mcp_default_log_lines > self.mcp_max_log_lines:
            raise ValueError("MCP_DEFAULT_LOG_LINES must not exceed MCP_MAX_LOG_LINES")
        if self.scoped_token_sha256 and self.assistant_scope_key is None:
            raise ValueError("SCOPED_TOKEN_SHA256 needs ASSISTANT_SCOPE_KEY to verify scopes")
        if self.allow_default_token and self.argocd_token is None:
            raise ValueError("ALLOW_DEFAULT_TOKEN needs ARGOCD_TOKEN")
        return self

    @property
    def verify(self) -> bool | Path:
        if self.argocd_insecure:
            return False
        return self.argocd_ca_file or True

    @property
    def scope_key(self) -> bytes | None:
        return self.assistant_scope_key.get_secret_value().encode() if self.assistant_scope_key else None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment plus `overrides` (CLI flags); a SettingsError names each bad value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"{name.upper()}: {err['msg']}")
        raise SettingsError("invalid MCP server configuration: " + "; ".join(problems)) from None
