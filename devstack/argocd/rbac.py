"""Argo CD's RBAC: casbin with Argo CD's own model and built-in policy, plus the world's policy.

Argo CD registers `globOrRegexMatch` in the matcher; in the default glob mode it is a gobwas glob without
separators, so `*` also matches `/` (`*/*` matches `project/namespace/app`).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from importlib import resources

import casbin
from casbin.persist.adapters.string_adapter import StringAdapter

_HERE = resources.files(__package__)
# casbin logs every denied request as a warning; denials are normal here.
_CASBIN_LOG = logging.getLogger("devstack.argocd.casbin")
_CASBIN_LOG.setLevel(logging.ERROR)


@functools.lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translates a gobwas-style glob (`*`, `?`, `[...]`, `{a,b}`, `\\` escapes) into an anchored regex."""
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        elif ch == "{":
            depth += 1
            out.append("(?:")
        elif ch == "}" and depth:
            depth -= 1
            out.append(")")
        elif ch == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_match(value: str, pattern: str) -> bool:
    try:
        return _glob_regex(pattern).match(value) is not None
    except re.error:
        return False


def _glob_or_regex_match(value: str, pattern: str) -> bool:
    return glob_match(value, pattern)


def _policy_text() -> str:
    builtin = (_HERE / "builtin-policy.csv").read_text(encoding="utf-8")
    world = (_HERE / "policy.csv").read_text(encoding="utf-8")
    lines = [line.strip() for line in (builtin + "\n" + world).splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("#"))


class Enforcer:
    """Answers `can subject (or one of its groups) do action on resource/object`, as Argo CD's enforcer."""

    def __init__(self) -> None:
        model = casbin.Enforcer.new_model(text=(_HERE / "model.conf").read_text(encoding="utf-8"))
        self._enforcer = casbin.Enforcer(model, StringAdapter(_policy_text()))
        self._enforcer.logger = _CASBIN_LOG
        self._enforcer.add_function("globOrRegexMatch", _glob_or_regex_match)
        self._enforcer.build_role_links()

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one enforcer per app, policy is immutable
    def _enforce_one(self, subject: str, resource: str, action: str, obj: str) -> bool:
        return bool(self._enforcer.enforce(subject, resource, action, obj))

    def enforce(self, subjects: Iterable[str], resource: str, action: str, obj: str) -> bool:
        return any(self._enforce_one(s, resource, action, obj) for s in subjects if s)
