"""The evaluation's scoring: what reached the model, after how many tool calls, and whether an answer names
the cause."""

from __future__ import annotations

from typing import Any

from bench.eval import MAX_REQUEST_BYTES, Outcome, names_cause, request_text, tool_results
from devstack.argocd.scenario_schema import Open, Scenario, World

SCENARIO = Scenario(
    id="crashloop-missing-env",
    title="CrashLoopBackOff: a missing environment variable",
    open=Open(kind="Deployment", name="api"),
    question="Why is it failing?",
    decisive=["Back-off restarting failed container", "KeyError: 'DATABASE_URL'"],
    cause=[r"DATABASE_URL", r"missing|not set|unset"],
    world=World(),  # the scoring reads none of it
)


def _request(*messages: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": list(messages),
        "tools": [{"type": "function", "function": {"name": "x"}}],
    }


CONTEXT = {
    "role": "user",
    "content": [{"type": "text", "text": "events: Back-off restarting failed container"}],
}
CALL = {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "function": {"name": "get_logs"}}]}
LOGS = {"role": "tool", "tool_call_id": "c1", "content": "Traceback ...\nKeyError: 'DATABASE_URL'"}


def test_what_a_model_reads_is_its_messages_text_and_tool_results_are_counted() -> None:
    body = _request(CONTEXT, CALL, LOGS)
    text = request_text(body)
    assert "Back-off restarting failed container" in text
    assert "KeyError: 'DATABASE_URL'" in text
    assert '"function"' not in text  # the tool definitions are not read as context
    assert tool_results(body) == 1
    assert tool_results(_request(CONTEXT)) == 0


def test_recall_is_counted_by_the_tool_calls_it_took() -> None:
    outcome = Outcome(SCENARIO, [_request(CONTEXT), _request(CONTEXT, CALL, LOGS)], "answer", 1, 1.0)
    assert outcome.recall_within(0) == 0.5
    assert outcome.recall_within(1) == 1.0
    assert outcome.recall_within(2) == 1.0  # no third request: what the last one had
    assert outcome.missing == []
    assert outcome.meets_target


def test_a_fact_that_never_arrives_is_named_and_misses_the_target() -> None:
    outcome = Outcome(SCENARIO, [_request(CONTEXT)], "answer", 0, 1.0)
    assert outcome.recall_within(99) == 0.5
    assert outcome.missing == ["KeyError: 'DATABASE_URL'"]
    assert not outcome.meets_target


def test_a_request_over_the_byte_budget_misses_the_target() -> None:
    big = {"role": "user", "content": "x" * MAX_REQUEST_BYTES}
    outcome = Outcome(SCENARIO, [_request(CONTEXT, big, CALL, LOGS)], "answer", 1, 1.0)
    assert outcome.recall_within(1) == 1.0
    assert outcome.max_request_bytes > MAX_REQUEST_BYTES
    assert not outcome.meets_target


def test_an_error_misses_the_target_whatever_was_sent() -> None:
    outcome = Outcome(SCENARIO, [_request(CONTEXT, CALL, LOGS)], "", 1, 1.0, error="llama_stack_stalled")
    assert not outcome.meets_target


def test_an_answer_names_the_cause_only_when_every_rule_matches() -> None:
    assert names_cause(SCENARIO.cause, "The variable DATABASE_URL is not set in the Deployment.")
    assert not names_cause(SCENARIO.cause, "The container keeps restarting (CrashLoopBackOff).")
    assert not names_cause(SCENARIO.cause, "DATABASE_URL appears in the logs.")
