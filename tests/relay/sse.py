"""A small SSE reader for the tests: events as (name, data) plus the heartbeat comments seen."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    name: str
    data: Any


@dataclass
class Transcript:
    events: list[Event] = field(default_factory=list)
    comments: int = 0

    @property
    def names(self) -> list[str]:
        return [event.name for event in self.events]

    def first(self, name: str) -> Any:
        return next(event.data for event in self.events if event.name == name)

    def all(self, name: str) -> list[Any]:
        return [event.data for event in self.events if event.name == name]

    @property
    def text(self) -> str:
        return "".join(data["text"] for data in self.all("token"))


def iter_sse(lines: Iterable[str], transcript: Transcript | None = None) -> Iterator[Event]:
    name, data = "message", []
    for line in lines:
        if line.startswith(":"):
            if transcript is not None:
                transcript.comments += 1
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line.strip() and data:
            yield Event(name, json.loads("\n".join(data)))
            name, data = "message", []


def read_transcript(lines: Iterable[str]) -> Transcript:
    transcript = Transcript()
    for event in iter_sse(lines, transcript):
        transcript.events.append(event)
    return transcript
