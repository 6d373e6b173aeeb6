"""Prometheus metrics, in a registry per app so several apps (tests) never clash."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)


class RelayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "relay_http_requests",
            "HTTP requests answered, by route and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.streams = Counter(
            "relay_chat_streams",
            "Chat streams started, by identity mode.",
            ["identity"],
            registry=self.registry,
        )
        self.active_streams = Gauge("relay_active_streams", "Chat streams open now.", registry=self.registry)
        self.stream_duration = Histogram(
            "relay_stream_duration_seconds",
            "Duration of chat streams.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.time_to_first_token = Histogram(
            "relay_time_to_first_token_seconds",
            "From request to the first answer token.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tool_calls = Counter(
            "relay_tool_calls",
            "Tool calls made by the agent (MCP, or run on browser reads), by tool and outcome.",
            ["tool", "ok"],
            registry=self.registry,
        )
        self.errors = Counter("relay_errors", "Errors, by kind.", ["kind"], registry=self.registry)
        self.feedback = Counter(
            "relay_feedback", "Ratings of answers, by rating (up, down).", ["rating"], registry=self.registry
        )
        self.actions = Counter(
            "relay_actions",
            "Actions asked for approval, by tool and outcome (approved, denied, expired, succeeded, failed).",
            ["tool", "outcome"],
            registry=self.registry,
        )
        self.dependency_up = Gauge(
            "relay_dependency_up",
            "Whether the last check reached a dependency (1) or not (0): GET /healthz?detail=true.",
            ["dependency"],
            registry=self.registry,
        )
