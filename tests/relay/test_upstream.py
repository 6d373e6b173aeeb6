"""llama-stack's Responses stream read as batches of dict events, whatever the network reads look like."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping

import pytest

from relay.upstream import UpstreamError, iter_event_batches

pytestmark = pytest.mark.anyio


def frame(event: Mapping[str, object], sep: bytes = b"\n") -> bytes:
    return b"event: x" + sep + b"data: " + json.dumps(event).encode() + sep + sep


async def body(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def batches(*chunks: bytes) -> list[list[dict[str, object]]]:
    return [batch async for batch in iter_event_batches(body(*chunks))]


async def test_events_that_arrive_in_one_read_come_out_as_one_batch() -> None:
    one, two = {"type": "a", "n": 1}, {"type": "b", "n": 2}
    assert await batches(frame(one) + frame(two)) == [[one, two]]


async def test_an_event_split_across_reads_and_crlf_framing_are_reassembled() -> None:
    event = {"type": "response.output_text.delta", "delta": "héllo"}
    raw = frame(event, b"\r\n")
    assert await batches(raw[:7], raw[7:20], raw[20:]) == [[event]]


async def test_comments_done_and_a_final_unterminated_event_are_handled() -> None:
    last = {"type": "response.completed"}
    raw = b": ping\n\n" + b"data: [DONE]\n\n" + b"data: " + json.dumps(last).encode()
    assert await batches(raw) == [[last]]


async def test_an_error_frame_raises_an_upstream_error_with_its_message() -> None:
    raw = frame({"type": "a"}) + b'data: {"error": {"message": "model exploded"}}\n\n'
    with pytest.raises(UpstreamError, match="model exploded"):
        await batches(raw)


async def test_a_typed_error_event_as_ogx_sends_it_raises_with_its_message_and_code() -> None:
    error = {
        "type": "error",
        "code": "model_not_found",
        "message": "Model 'nope' not found",
        "sequence_number": 3,
    }
    with pytest.raises(UpstreamError, match="Model 'nope' not found") as raised:
        await batches(frame({"type": "response.created"}) + frame(error))
    assert raised.value.code == "model_not_found"


async def test_a_deeply_nested_event_is_a_broken_stream_not_a_crash() -> None:
    raw = frame({"type": "a"}) + b"data: " + b"[" * 5000 + b"]" * 5000 + b"\n\n"
    with pytest.raises(UpstreamError, match="could not be read"):
        await batches(raw)
