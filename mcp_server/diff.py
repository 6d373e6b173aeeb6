"""What differs between a resource's live state and Git, from Argo CD's own diff view.

Argo CD's managed-resources answer carries, per resource, the live state after its normalization
(`normalizedLiveState`: ignoreDifferences, known defaults) and what the live object would be after a sync
(`predictedLiveState`), and whether they differ (`modified`). Comparing those two, and nothing of our own,
keeps the verdict Argo CD's. The changes are shown as a unified diff per changed field, each hunk headed by
the field's path (`@@ spec.template.spec.containers[api] @@`): a one-field drift is a few lines however big
the object, and a list of named items (containers, env, ports) is matched by name, so an inserted item is
one change rather than a shifted list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mcp_server.field_owners import Segment
from mcp_server.shaping import LAST_APPLIED, redact

__all__ = ["ABSENT", "CUT_MARK", "MASKED", "FieldChange", "changes", "clean_state", "render_value"]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
# Written by the API server or controllers on every update; never what a person changed.
_NOISY_METADATA = ("managedFields", "resourceVersion", "uid", "generation", "selfLink", "creationTimestamp")
_NOISY_ANNOTATIONS = (LAST_APPLIED, "deployment.kubernetes.io/revision")
MASKED = "<masked>"
CUT_MARK = "…["  # a rendered value ends `…[N more bytes]` when it was cut


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _join(parent: str, segment: str) -> str:
    if segment.startswith("[") or not parent:
        return parent + segment
    return f"{parent}.{segment}"


def _segment(key: Any) -> str:
    """A mapping key as a path segment: plain, or quoted in brackets when it has dots or slashes."""
    text = str(key)
    return text if _PLAIN_KEY.match(text) else f"[{json.dumps(text)}]"


@dataclass(frozen=True)
class FieldChange:
    parent: str  # path of the object or list holding the field, "" at the top
    key: str  # the field's own segment: `replicas`, `[api]` (a named list item), `[0]`
    live: Any  # ABSENT when the field is not in the live object
    desired: Any  # ABSENT when a sync would remove it
    trail: tuple[Segment, ...] = ()  # the path as segments, to look its writer up in managedFields

    @property
    def path(self) -> str:
        return _join(self.parent, self.key)


def clean_state(obj: Any) -> dict[str, Any] | None:
    """The object without `status` and write-noise metadata (a shallow copy where it changes), or None."""
    if not isinstance(obj, Mapping):
        return None
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = out.get("metadata")
    if isinstance(meta, Mapping):
        meta = {k: v for k, v in meta.items() if k not in _NOISY_METADATA}
        annotations = meta.get("annotations")
        if isinstance(annotations, Mapping):
            annotations = {k: v for k, v in annotations.items() if k not in _NOISY_ANNOTATIONS}
            if annotations:
                meta["annotations"] = annotations
            else:
                meta.pop("annotations")
        out["metadata"] = meta
    return out


def _named(items: list[Any]) -> dict[str, Any] | None:
    """A list of objects that all have a distinct string `name` (containers, env, ports, volumes), by name."""
    if not items or not all(isinstance(i, Mapping) and isinstance(i.get("name"), str) for i in items):
        return None
    by_name = {i["name"]: i for i in items}
    return by_name if len(by_name) == len(items) else None


def _walk(
    parent: str, key: str, trail: tuple[Segment, ...], live: Any, desired: Any, subset: bool
) -> Iterator[FieldChange]:
    if live == desired:
        return
    path = _join(parent, key)
    if isinstance(live, Mapping) and isinstance(desired, Mapping):
        for k in [*desired, *(k for k in live if k not in desired)]:
            if subset and k not in desired:
                continue  # compared with the bare Git manifest: what only the live object has is not drift
            sub = (*trail, ("f", str(k)))
            yield from _walk(path, _segment(k), sub, live.get(k, ABSENT), desired.get(k, ABSENT), subset)
        return
    if isinstance(live, list) and isinstance(desired, list):
        live_named, desired_named = _named(live), _named(desired)
        if live_named is not None and desired_named is not None:
            for n in [*desired_named, *(n for n in live_named if n not in desired_named)]:
                item = (*trail, ("k", n))
                yield from _walk(
                    path, f"[{n}]", item, live_named.get(n, ABSENT), desired_named.get(n, ABSENT), subset
                )
            return
        if len(live) == len(desired):
            for i, (a, b) in enumerate(zip(live, desired, strict=True)):
                yield from _walk(path, f"[{i}]", (*trail, ("i", str(i))), a, b, subset)
            return
    yield FieldChange(parent, key, live, desired, trail)


def changes(
    live: Mapping[str, Any], desired: Mapping[str, Any], *, subset: bool = False
) -> Iterator[FieldChange]:
    """The fields that differ, in the desired object's order. `subset`: `desired` is a bare manifest (no
    defaults, no fields other writers own), so fields only the live object has are not differences."""
    for key in [*desired, *(k for k in live if k not in desired)]:
        if subset and key not in desired:
            continue
        top: tuple[Segment, ...] = (("f", str(key)),)
        yield from _walk("", _segment(key), top, live.get(key, ABSENT), desired.get(key, ABSENT), subset)


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    head = data[:max_bytes].decode("utf-8", "ignore")
    return f"{head}{CUT_MARK}{len(data) - len(head.encode())} more bytes]"


# Strings YAML would read as something else (numbers, booleans, null) or not read back at all.
_NOT_PLAIN = re.compile(
    r"^(?:|~|null|true|false|yes|no|on|off|[-+]?(?:\d[\d_]*)?\.?\d+(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+)$"
    r"|^[\s\[\]{}&*!|>'\"%@`#,?:-]|\s$|: | #|\n",
    re.IGNORECASE,
)


def _plain(value: str) -> bool:
    return _NOT_PLAIN.search(value) is None


def render_value(value: Any, max_bytes: int) -> str:
    """One value as it reads in YAML's flow style (JSON for objects and lists), redacted, capped."""
    if isinstance(value, str):
        text = (
            _cut(value, max_bytes) if _plain(value) else _cut(json.dumps(value[: max_bytes + 1]), max_bytes)
        )
    else:
        text = _cut(json.dumps(value, separators=(", ", ": "), ensure_ascii=False), max_bytes)
    return redact(text)
