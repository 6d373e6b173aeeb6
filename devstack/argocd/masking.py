"""Secret masking as Argo CD does it for `resource` and `managed-resources` (gitops-engine HideSecretData)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from devstack.argocd.kube import JSON, LAST_APPLIED

REPLACEMENT = "++++++++"


def _is_secret(obj: JSON | None) -> bool:
    return isinstance(obj, dict) and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def _normalize(obj: JSON) -> None:
    """NormalizeSecret: stringData is folded into data, base64-encoded, as the API server would store it."""
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = dict(obj.get("data") or {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(value.encode()).decode() if isinstance(value, str) else value
        obj["data"] = data


def _last_applied(obj: JSON) -> tuple[JSON | None, bool]:
    """The object's last-applied copy (normalized when it is a Secret), and whether the annotation is
    there but not valid JSON."""
    text = (obj.get("metadata", {}).get("annotations") or {}).get(LAST_APPLIED)
    if text is None:
        return None, False
    try:
        applied = json.loads(text)
    except ValueError:
        return None, True
    if not isinstance(applied, dict):
        return None, True
    if _is_secret(applied):
        _normalize(applied)
    return applied, False


def hide_secret_data(*objects: JSON | None) -> list[JSON | None]:
    """Replaces the data values of the Secrets among `objects` (and of their last-applied copies) by runs
    of `+`. Per key, the first distinct value gets 8, each further distinct value 4 more, counted over the
    objects in order and then their last-applied copies: equal values share a run, so a diff still shows
    which keys changed and which did not. Other objects are returned as they are."""
    masked: list[JSON | None] = []
    applied: list[JSON | None] = []
    invalid: list[bool] = []
    for obj in objects:
        if not _is_secret(obj):
            masked.append(obj)
            applied.append(None)
            invalid.append(False)
            continue
        assert obj is not None
        copied = copy.deepcopy(obj)
        _normalize(copied)
        copy_applied, bad = _last_applied(copied)
        masked.append(copied)
        applied.append(copy_applied)
        invalid.append(bad)
    secrets = [m for m, o in zip(masked, objects, strict=True) if _is_secret(o)]
    documents: list[JSON] = [d for d in (*secrets, *applied) if d is not None]
    keys = sorted({k for d in documents for k in (d.get("data") or {})})
    for key in keys:
        runs: dict[str, str] = {}
        for doc in documents:
            data = doc.get("data")
            if not isinstance(data, dict) or key not in data or data[key] is None:
                continue
            value = _text(data[key])
            data[key] = runs.setdefault(value, REPLACEMENT + "++++" * len(runs))
    for secret, copy_applied, bad, original in zip(masked, applied, invalid, objects, strict=True):
        if not _is_secret(original) or secret is None:
            continue
        if copy_applied is not None or bad:
            annotations = secret["metadata"].setdefault("annotations", {})
            annotations[LAST_APPLIED] = (
                REPLACEMENT if bad else json.dumps(copy_applied, separators=(",", ":"), sort_keys=True)
            )
    return masked


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
