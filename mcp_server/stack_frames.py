"""Stack traces in logs, with the frames of libraries folded: what a reader needs is the exception, the
application's own frames and which libraries it went through, not twenty lines of framework internals.

A run of two or more consecutive library frames becomes one line naming the libraries, e.g.
`  [6 library frames: django, psycopg2]`. Recognised: Python tracebacks (`File ".../site-packages/..."`, the
standard library, `<frozen ...>`), JVM traces (`at java.…`, `at org.springframework.…` and other common
framework packages) and Node.js traces (`at … (node:internal/…)`, `…/node_modules/…`). Every other line, the
application's frames included, is kept as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["fold_library_frames"]

# Fewer than this many library frames in a row are left as they are: one line folded into one says nothing.
_MIN_RUN = 2

_PY_FRAME = re.compile(r'^(?P<indent>\s*)File "(?P<path>[^"]+)", line \d+, in ')
_PY_PACKAGE = re.compile(r"/(?:site|dist)-packages/(?P<package>[\w.-]+)")
_PY_STDLIB = re.compile(r"/lib/python\d[\d.]*/(?!(?:site|dist)-packages/)|^<frozen ")

# `at java.base/java.lang.Thread.run(…)`: the module (or class loader) before the slash is not the package
_JVM_FRAME = re.compile(r"^(?P<indent>\s*)at (?:[\w.$@-]*/+)?(?P<where>[\w$]+(?:\.[\w$<>]+)+)\(")
_JVM_LIBRARIES = (
    "java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.",
    "org.springframework.", "org.apache.", "io.netty.", "reactor.", "org.hibernate.", "com.fasterxml.",
    "org.eclipse.jetty.", "io.grpc.", "okhttp3.", "com.zaxxer.", "org.postgresql.", "io.micrometer.",
    "io.undertow.", "org.glassfish.", "com.google.common.", "io.quarkus.", "io.vertx.",
)  # fmt: skip

_NODE_FRAME = re.compile(r"^(?P<indent>\s*)at (?:.*? \()?(?P<path>(?:node:|/|[A-Za-z]:\\)[^()]*?)\)?$")
_NODE_PACKAGE = re.compile(r"node_modules/(?P<package>@[\w.-]+/[\w.-]+|[\w.-]+)")


@dataclass(frozen=True)
class _Frame:
    """A frame found at some line: how many lines it spans and, for a library's, which library."""

    lines: int
    library: str | None  # None: the application's own frame


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _python_frame(lines: Sequence[str], i: int) -> _Frame | None:
    found = _PY_FRAME.match(lines[i])
    if found is None:
        return None
    # the frame's source line (and Python 3.11's ^^^ markers) are indented deeper than `File`
    span = 1
    while i + span < len(lines) and _indent(lines[i + span]) > len(found["indent"]):
        if _PY_FRAME.match(lines[i + span]):
            break
        span += 1
    path = found["path"]
    package = _PY_PACKAGE.search(path)
    if package is not None:
        return _Frame(span, package["package"].split(".")[0])
    if _PY_STDLIB.search(path):
        return _Frame(span, "python")
    return _Frame(span, None)


def _jvm_frame(line: str) -> _Frame | None:
    found = _JVM_FRAME.match(line)
    if found is None:
        return None
    where = found["where"]
    for prefix in _JVM_LIBRARIES:
        if where.startswith(prefix):
            return _Frame(1, prefix.rstrip("."))
    return _Frame(1, None)


def _node_frame(line: str) -> _Frame | None:
    found = _NODE_FRAME.match(line)
    if found is None:
        return None
    path = found["path"]
    if path.startswith("node:"):
        return _Frame(1, "node")
    package = _NODE_PACKAGE.search(path)
    return _Frame(1, package["package"] if package is not None else None)


def _frame_at(lines: Sequence[str], i: int) -> _Frame | None:
    line = lines[i]
    if "File " in line:
        return _python_frame(lines, i)
    if "at " in line:
        return _jvm_frame(line) or _node_frame(line)
    return None


def _fold_line(indent: str, frames: int, libraries: list[str]) -> str:
    return f"{indent}[{frames} library frames: {', '.join(libraries)}]"


def fold_library_frames(lines: Sequence[str]) -> list[str]:
    """`lines` with every run of at least two consecutive library frames replaced by one line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        run_start, frames, libraries = i, 0, list[str]()
        while i < len(lines) and (frame := _frame_at(lines, i)) is not None and frame.library is not None:
            frames += 1
            if frame.library not in libraries:
                libraries.append(frame.library)
            i += frame.lines
        if frames >= _MIN_RUN:
            first = lines[run_start]
            out.append(_fold_line(first[: _indent(first)], frames, libraries))
            continue
        out.extend(lines[run_start:i])
        if i == run_start:  # not a library frame: kept, with what belongs to it
            frame = _frame_at(lines, i)
            span = frame.lines if frame is not None else 1
            out.extend(lines[i : i + span])
            i += span
    return out
