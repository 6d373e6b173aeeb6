"""Who last wrote a field of a live object, from its `metadata.managedFields`.

Kubernetes records, per manager (`kubectl-edit`, `kubectl`, `argocd-controller`, an HPA's controller…),
the fields it set (`fieldsV1`: `{"f:spec": {"f:replicas": {}}}`; list items keyed `k:{"name":"api"}`, `v:…`
or `i:N`), its operation (Update, Apply) and when. A field drifted from Git is attributed to the manager whose
set goes deepest along the field's path, the newest on ties: one that names the field (or holds it whole, an
empty `{}` above it) owns it; a manager that only matches part of the path is only likely the writer. Argo
CD's own managers are never named: their writes are what Git says, not drift.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ARGOCD_MANAGERS", "Segment", "Writer", "writer_of"]

ARGOCD_MANAGERS = frozenset({"argocd-controller", "argocd-application-controller"})

# A path segment: a mapping key ("f", key), a list item matched by name ("k", name), by position ("i", index).
Segment = tuple[Literal["f", "k", "i"], str]


@dataclass(frozen=True)
class Writer:
    manager: str
    operation: str
    time: str
    owns: bool  # its fields name the field (or hold it whole); False: only the deepest partial match

    @property
    def label(self) -> str:
        """`manager (operation) time`, `likely …` when the manager does not name the field."""
        text = " ".join(
            p for p in (self.manager, f"({self.operation})" if self.operation else "", self.time) if p
        )
        return text if self.owns else f"likely {text}"

    @property
    def note(self) -> str:
        """`changed live by manager (operation) at time`, as a diff line says it."""
        when = f" at {self.time}" if self.time else ""
        how = f" ({self.operation})" if self.operation else ""
        return f"{'' if self.owns else 'likely '}changed live by {self.manager}{how}{when}"


def _named_key(key: str, name: str) -> bool:
    if not key.startswith("k:"):
        return False
    try:
        fields = json.loads(key[2:])
    except ValueError:
        return False
    return isinstance(fields, Mapping) and fields.get("name") == name


def _child(node: Mapping[str, Any], segment: Segment) -> Any:
    kind, value = segment
    if kind == "f":
        return node.get(f"f:{value}")
    if kind == "i":
        return node.get(f"i:{value}")  # positional keys are rare (atomic lists are owned whole)
    return next((child for key, child in node.items() if _named_key(key, value)), None)


def _match(fields: Mapping[str, Any], trail: tuple[Segment, ...]) -> tuple[bool, int]:
    """(whether the set holds the field, how many segments of its path it names)."""
    node: Any = fields
    for depth, segment in enumerate(trail):
        if depth and not node:  # an empty set below a named field: the field is owned whole
            return True, depth
        child = _child(node, segment) if isinstance(node, Mapping) else None
        if child is None:
            return False, depth
        node = child
    return True, len(trail)


def writer_of(obj: Mapping[str, Any] | None, trail: tuple[Segment, ...]) -> Writer | None:
    """The manager that last wrote the field at `trail` of the live object `obj`; None when that is Argo CD
    itself, or the object records no managers."""
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    entries = meta.get("managedFields") if isinstance(meta, Mapping) else None
    best: tuple[tuple[bool, int, str], Writer] | None = None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or entry.get("subresource") == "status":  # status is never diffed
            continue
        fields = entry.get("fieldsV1")
        if not isinstance(fields, Mapping) or not fields or not entry.get("manager"):
            continue
        owns, depth = _match(fields, trail)
        writer = Writer(
            str(entry["manager"]), str(entry.get("operation") or ""), str(entry.get("time") or ""), owns
        )
        rank = (owns, depth, writer.time)
        if best is None or rank > best[0]:
            best = (rank, writer)
    if best is None or best[1].manager in ARGOCD_MANAGERS:
        return None
    return best[1]
