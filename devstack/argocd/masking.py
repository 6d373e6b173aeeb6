"""Secret masking as Argo CD does it for `resource` and `managed-resources` (util/diff HideSecretData)."""

from __future__ import annotations

import copy
import json

from devstack.argocd.kube import JSON, LAST_APPLIED


def _is_secret(obj: JSON | None) -> bool:
    return isinstance(obj, dict) and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def hide_secret_data(*objects: JSON | None) -> list[JSON | None]:
    """Replaces every data value (stringData folded in) by runs of `+`, 8 or more; equal values in the objects
    compared share a run length, so a diff still shows which keys changed."""
    replacements: dict[str, str] = {}
    out: list[JSON | None] = []
    for obj in objects:
        if not _is_secret(obj):
            out.append(obj)
            continue
        assert obj is not None
        masked = copy.deepcopy(obj)
        data = dict(masked.pop("stringData", None) or {})
        data = {**(masked.get("data") or {}), **data}
        if data:
            masked["data"] = {
                k: replacements.setdefault(str(v), "+" * (8 + len(replacements))) for k, v in data.items()
            }
        annotations = masked.get("metadata", {}).get("annotations") or {}
        if LAST_APPLIED in annotations:
            try:
                applied = json.loads(annotations[LAST_APPLIED])
            except ValueError:
                applied = None
            if isinstance(applied, dict):
                (masked_applied,) = hide_secret_data(applied)
                annotations[LAST_APPLIED] = json.dumps(masked_applied, separators=(",", ":"), sort_keys=True)
        out.append(masked)
    return out
