"""Argo CD's `fields=` query parameter on list answers (argoproj/pkg grpc/http `messageMarshaler`).

`fields=items.metadata.name,items.spec` keeps only those dotted paths (and what leads to them); a leading `-`
(`fields=-items.status`) keeps everything except them. Lists keep the path of their parent, so
`items.metadata.name` names the name of every item. A key is kept when some field starts with its path as a
plain string prefix (as the Go code does), e.g. `items.spec.source` also keeps `items.spec.sources`.
"""

from __future__ import annotations

from typing import Any


def parse_fields(query: str) -> tuple[frozenset[str], bool]:
    """(fields, exclude) from the query value; no fields means the answer is left whole."""
    if not query:
        return frozenset(), False
    exclude = query.startswith("-")
    return frozenset((query[1:] if exclude else query).split(",")), exclude


def filter_fields(data: Any, fields: frozenset[str], exclude: bool, path: tuple[str, ...] = ()) -> Any:
    """A copy of `data` (a JSON value) with only the requested fields (the world's objects stay whole)."""
    if not fields:
        return data
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            field_path = ".".join((*path, key))
            path_in = field_path in fields
            parent_path_in = path_in or any(f.startswith(field_path) for f in fields)
            if (exclude and not path_in) or (not exclude and parent_path_in):
                out[key] = value if path_in else filter_fields(value, fields, exclude, (*path, key))
        return out
    if isinstance(data, list):
        return [filter_fields(item, fields, exclude, path) for item in data]
    return data
