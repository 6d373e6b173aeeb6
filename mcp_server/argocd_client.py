"""The one Argo CD REST client, shared by the MCP tools and the relay.

One long-lived aiohttp `ClientSession` per process (connections are reused across callers); the caller's
token is passed to every method and sent as `Authorization: Bearer`. aiohttp rather than httpx: every tool
call makes one Argo CD request, and aiohttp spends a third of httpx's CPU on it (bench/README.md). Errors
form one hierarchy keyed on what a caller can do about them. No token ever appears in an exception message
or a log line.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import anyio
from yarl import URL

__all__ = [
    "ArgoCDClient",
    "ArgoCDError",
    "ArgoCDTimeout",
    "ArgoCDUnavailable",
    "BadRequest",
    "LogLine",
    "LogStreamError",
    "LogTail",
    "NotFound",
    "PermissionDeniedOrNotFound",
    "ResponseTooLarge",
    "Unauthenticated",
    "UserInfo",
]

_MAX_ERROR_TEXT = 400
_MAX_LOG_LINE_BYTES = 16 * 1024
# Of an over-long log line, this much of its end is kept too: Argo CD writes podName after the content.
_LOG_LINE_TAIL_BYTES = 1024
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class ArgoCDError(Exception):
    """Any failure talking to Argo CD. `status` is the HTTP status when Argo CD answered, else None."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Unauthenticated(ArgoCDError):
    """401: no token, or an invalid or expired one."""


class PermissionDeniedOrNotFound(ArgoCDError):
    """403: Argo CD answers the same for a forbidden and a missing application."""


class NotFound(ArgoCDError):
    """404."""


class BadRequest(ArgoCDError):
    """400: Argo CD refused the arguments (e.g. a resource that is not part of the application)."""


class ArgoCDUnavailable(ArgoCDError):
    """Argo CD could not be reached, or answered with a server error (5xx)."""


class ArgoCDTimeout(ArgoCDUnavailable):
    """Argo CD did not answer in time; the message names which timeout ran out."""


class ResponseTooLarge(ArgoCDError):
    """Argo CD's answer was longer than the client's byte cap; reading stopped at the cap."""


class LogStreamError(ArgoCDError):
    """An error Argo CD sent inside a log stream (e.g. Kubernetes' log call failed: a container that does not
    exist); `status` is the HTTP code it named."""


_STATUS_ERRORS: dict[int, type[ArgoCDError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: PermissionDeniedOrNotFound,
    404: NotFound,
}


def _error_for_status(status: int, text: str) -> ArgoCDError:
    cls = _STATUS_ERRORS.get(status, ArgoCDUnavailable if status >= 500 else ArgoCDError)
    return cls(f"Argo CD answered {status}: {text}", status=status)


# gRPC code → HTTP status, as grpc-gateway maps them (for in-stream errors that name only the gRPC code).
_GRPC_STATUS = {3: 400, 16: 401, 7: 403, 5: 404, 6: 409, 10: 409, 4: 504, 14: 503, 2: 500, 13: 500}


def _stream_error(err: Mapping[str, Any]) -> ArgoCDError:
    """The error for an in-stream `{"error": {"grpc_code", "http_code", "message", "http_status"}}`, with
    Argo CD's own message: a failure Argo CD reports about this request is not Argo CD being unavailable."""
    message = str(err.get("message") or "error in the log stream")[:_MAX_ERROR_TEXT]
    try:
        status = int(err.get("http_code") or 0)
    except (TypeError, ValueError):
        status = 0
    if not 400 <= status <= 599:
        try:
            status = _GRPC_STATUS.get(int(err.get("grpc_code") or 2), 500)
        except (TypeError, ValueError):
            status = 500
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status](message, status=status)
    if status == 504:
        return ArgoCDTimeout(message, status=status)
    if status in (502, 503):
        return ArgoCDUnavailable(message, status=status)
    return LogStreamError(message, status=status)


def _error_text(body: bytes) -> str:
    """The `message` (or `error`) of an Argo CD error body, shortened; the raw text when it is not JSON."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    text = ""
    if isinstance(data, dict):
        text = str(data.get("message") or data.get("error") or "")
    if not text:
        text = body.decode("utf-8", "replace").strip() or "(empty body)"
    return text[:_MAX_ERROR_TEXT]


@dataclass(frozen=True)
class UserInfo:
    logged_in: bool
    username: str | None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogLine:
    pod: str
    content: str
    timestamp: str = ""


@dataclass
class LogTail:
    """Log lines read until the stream ended or a cap was reached (`stopped` then says which)."""

    lines: list[LogLine] = field(default_factory=list)
    stopped: str | None = None
    bytes_read: int = 0

    @property
    def truncated(self) -> bool:
        return self.stopped is not None


def _clean(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Drops unset parameters; booleans in Argo CD's spelling; a list is the key repeated."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        elif isinstance(value, list | tuple):
            out.extend((key, str(v)) for v in value)
        else:
            out.append((key, str(value)))
    return out


class ArgoCDClient:
    """Async Argo CD API client. Create one per process, share it, `await aclose()` at shutdown."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str | Path = True,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        max_connections: int = 200,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.connect_timeout = connect_timeout
        self._max_connections = max_connections
        self._ssl: ssl.SSLContext | bool = (
            verify if isinstance(verify, bool) else ssl.create_default_context(cafile=str(verify))
        )
        # made on first use: aiohttp wants its session created inside the running event loop
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl),
                # sock_read: the longest silence while reading (headers included); connect: waiting for a
                # pooled connection plus opening a new one
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=self.timeout + self.connect_timeout,
                    sock_connect=self.connect_timeout,
                    sock_read=self.timeout,
                ),
                headers={"Accept": "application/json", "User-Agent": "argocd-assistant"},
                trust_env=False,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> ArgoCDClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing -------------------------------------------------------------------------------------

    @staticmethod
    def _headers(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _timeout_error(self, exc: TimeoutError, what: str) -> ArgoCDTimeout:
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            detail = f"connect timeout of {self.connect_timeout:g}s"
        else:
            detail = f"read timeout of {self.timeout:g}s"
        return ArgoCDTimeout(f"Argo CD at {self.base_url} did not answer {what} within the {detail}")

    def _transport_error(self, exc: aiohttp.ClientError, what: str) -> ArgoCDUnavailable:
        if isinstance(exc, aiohttp.ClientConnectorCertificateError):
            return ArgoCDUnavailable(
                f"Argo CD at {self.base_url} is unreachable for {what}: its TLS certificate is not trusted "
                "(configure the CA that signs it)"
            )
        kind = "connection failed" if isinstance(exc, aiohttp.ClientConnectorError) else type(exc).__name__
        return ArgoCDUnavailable(f"Argo CD at {self.base_url} is unreachable ({kind}) for {what}")

    def _too_large(self, what: str) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"Argo CD's answer to {what} is larger than this server's limit of "
            f"{self.max_response_bytes} bytes (ARGOCD_MAX_RESPONSE_BYTES); reading stopped there"
        )

    def _url(self, path: str, params: Mapping[str, Any] | None) -> URL:
        # the path is quoted by the caller (`_app_path`); only the query is encoded here
        return URL(self.base_url + path, encoded=True).with_query(_clean(params or {}))

    async def _get(
        self, path: str, token: str | None, params: Mapping[str, Any] | None
    ) -> aiohttp.ClientResponse:
        """The response to a GET, its body not read yet."""
        what = f"GET {path}"
        try:
            return await self._http().get(
                self._url(path, params), headers=self._headers(token), allow_redirects=False
            )
        except TimeoutError as exc:
            raise self._timeout_error(exc, what) from None
        except aiohttp.ClientError as exc:
            raise self._transport_error(exc, what) from None

    async def _get_json(self, path: str, token: str | None, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON answer to a GET; the body is streamed and counted, never read past the byte cap."""
        what = f"GET {path}"
        response = await self._get(path, token, params)
        failed = response.status >= 400
        cap = 4096 if failed else self.max_response_bytes  # an error body is only read for its message
        body = bytearray()
        try:
            length = response.content_length
            if not failed and length is not None and length > cap:
                raise self._too_large(what)
            async for chunk in response.content.iter_any():
                body += chunk
                if len(body) > cap:
                    if failed:
                        break
                    raise self._too_large(what)
        except TimeoutError as exc:
            raise self._timeout_error(exc, what) from None
        except aiohttp.ClientError as exc:
            raise self._transport_error(exc, what) from None
        finally:
            # back to the pool when the body was read to its end, else the connection is closed
            response.release()
        if failed:
            raise _error_for_status(response.status, _error_text(bytes(body[:cap])))
        try:
            return json.loads(body)
        except ValueError:
            raise ArgoCDUnavailable(f"Argo CD answered {what} with a body that is not JSON") from None

    @staticmethod
    def _app_path(name: str, suffix: str = "") -> str:
        return f"/api/v1/applications/{quote(name, safe='')}{suffix}"

    # -- API ------------------------------------------------------------------------------------------

    async def userinfo(self, token: str | None) -> UserInfo:
        data = await self._get_json("/api/v1/session/userinfo", token)
        data = data if isinstance(data, dict) else {}
        return UserInfo(
            logged_in=bool(data.get("loggedIn")),
            username=data.get("username") or None,
            groups=tuple(data.get("groups") or ()),
        )

    async def list_applications(
        self,
        token: str | None,
        *,
        projects: list[str] | None = None,
        selector: str | None = None,
        app_namespace: str | None = None,
        name: str | None = None,
        fields: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Applications the token may read. `fields`: only these dotted paths of the answer
        (`items.metadata.name`, …), Argo CD's `fields=` query parameter, to keep the answer small."""
        params = {
            "projects": projects,
            "selector": selector,
            "appNamespace": app_namespace,
            "name": name,
            "fields": ",".join(fields) if fields else None,
        }
        data = await self._get_json("/api/v1/applications", token, params)
        return list((data or {}).get("items") or [])

    async def get_application(
        self, token: str | None, name: str, *, app_namespace: str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        params = {"appNamespace": app_namespace, "project": project}
        return dict(await self._get_json(self._app_path(name), token, params))

    async def resource_tree(
        self, token: str | None, name: str, *, app_namespace: str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        params = {"appNamespace": app_namespace, "project": project}
        return dict(await self._get_json(self._app_path(name, "/resource-tree"), token, params))

    async def managed_resources(
        self, token: str | None, name: str, *, app_namespace: str | None = None, project: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"appNamespace": app_namespace, "project": project}
        data = await self._get_json(self._app_path(name, "/managed-resources"), token, params)
        return list((data or {}).get("items") or [])

    async def resource(
        self,
        token: str | None,
        name: str,
        *,
        kind: str,
        resource_name: str,
        namespace: str | None = None,
        group: str | None = None,
        version: str | None = None,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> dict[str, Any]:
        """The live object of one resource of the application (Argo CD sends it as a JSON string)."""
        params = {
            "kind": kind,
            "resourceName": resource_name,
            "namespace": namespace,
            "group": group,
            "version": version,
            "appNamespace": app_namespace,
            "project": project,
        }
        data = await self._get_json(self._app_path(name, "/resource"), token, params)
        manifest = (data or {}).get("manifest") or "{}"
        try:
            obj = json.loads(manifest) if isinstance(manifest, str) else manifest
        except ValueError:
            raise ArgoCDUnavailable("Argo CD answered a manifest that is not JSON") from None
        return dict(obj or {})

    async def events(
        self,
        token: str | None,
        name: str,
        *,
        resource_uid: str | None = None,
        resource_name: str | None = None,
        resource_namespace: str | None = None,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> list[dict[str, Any]]:
        params = {
            "resourceUID": resource_uid,
            "resourceName": resource_name,
            "resourceNamespace": resource_namespace,
            "appNamespace": app_namespace,
            "project": project,
        }
        data = await self._get_json(self._app_path(name, "/events"), token, params)
        return list((data or {}).get("items") or [])

    async def iter_logs(
        self,
        token: str | None,
        name: str,
        *,
        pod_name: str | None = None,
        kind: str | None = None,
        group: str | None = None,
        resource_name: str | None = None,
        namespace: str | None = None,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        previous: bool = False,
        filter: str | None = None,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> AsyncGenerator[LogLine, None]:
        """Yields log lines as they arrive. Stop iterating (or `aclose()`) and the response is closed at once.

        Lines longer than 16 KiB are cut (the rest of that line is skipped, never buffered). An error Argo CD
        sends inside the stream is raised with Argo CD's message (see `_stream_error`).
        """
        params = {
            "podName": pod_name,
            "kind": kind,
            "group": group,
            "resourceName": resource_name,
            "namespace": namespace,
            "container": container,
            "tailLines": tail_lines,
            "sinceSeconds": since_seconds,
            "previous": previous or None,
            "filter": filter,
            "appNamespace": app_namespace,
            "project": project,
            "follow": False,
        }
        path = self._app_path(name, "/logs")
        what = f"GET {path}"
        response = await self._get(path, token, params)
        try:
            try:
                if response.status >= 400:
                    body = b""
                    async for chunk in response.content.iter_any():
                        body += chunk
                        if len(body) > 4096:
                            break
                    raise _error_for_status(response.status, _error_text(body))
                chunks = response.content.iter_any()
                async for raw, cut_tail in _split_lines(chunks):
                    line = _parse_log_line(raw) if cut_tail is None else _parse_cut_line(raw, cut_tail)
                    if line is None:
                        continue
                    if line is _END:
                        await _drain(chunks)
                        return
                    assert isinstance(line, LogLine)
                    yield line
            except TimeoutError as exc:
                raise self._timeout_error(exc, what) from None
            except aiohttp.ClientError as exc:
                raise self._transport_error(exc, what) from None
        finally:
            response.release()

    async def logs(
        self,
        token: str | None,
        name: str,
        *,
        max_lines: int,
        max_bytes: int,
        deadline_seconds: float | None = None,
        **query: Any,
    ) -> LogTail:
        """Reads log lines until the stream ends or `max_lines`/`max_bytes`/the deadline is reached.

        Reading stops (and the connection is closed) at the cap, so memory and time stay bounded even on an
        endless stream. A failure after some lines (an error inside the stream, a dropped connection) keeps
        the lines read and says why in `stopped`; before any line it is raised. `query` takes the keyword
        arguments of `iter_logs`.
        """
        tail = LogTail()
        with anyio.move_on_after(deadline_seconds if deadline_seconds is not None else float("inf")) as scope:
            try:
                async with contextlib.aclosing(self.iter_logs(token, name, **query)) as lines:
                    async for line in lines:
                        # checked when a line beyond the limit arrives: a stream of exactly `max_lines` lines
                        # then ends normally and its connection is reused
                        if len(tail.lines) >= max_lines:
                            tail.stopped = f"line limit of {max_lines} reached"
                            break
                        size = len(line.content.encode()) + 1
                        if tail.bytes_read + size > max_bytes:
                            tail.stopped = f"byte limit of {max_bytes} reached"
                            break
                        tail.lines.append(line)
                        tail.bytes_read += size
            except ArgoCDError as exc:
                if not tail.lines:
                    raise
                tail.stopped = f"Argo CD reported an error after {len(tail.lines)} lines: {exc.message}"
        if scope.cancelled_caught and tail.stopped is None:
            tail.stopped = f"time limit of {deadline_seconds:g}s reached"
        return tail


_END = object()
_MAX_DRAIN_BYTES = 64 * 1024


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Reads what follows the `last` sentinel (normally only the end of the chunked body), so the connection
    goes back to the pool instead of being closed; anything longer is left to `aclose()`."""
    read = 0
    async for chunk in chunks:
        read += len(chunk)
        if read > _MAX_DRAIN_BYTES:
            return


def _parse_log_line(raw: bytes) -> LogLine | object | None:
    """One NDJSON (or SSE `data:`) line → LogLine, `_END` for the `last` sentinel, None to skip."""
    raw = raw.strip()
    if raw.startswith(b"data:"):
        raw = raw[5:].strip()
    if not raw:
        return None
    try:
        obj = json.loads(raw)
    except ValueError:
        # Never pass raw wire text on: its escaping would hide credentials from redaction.
        return LogLine(pod="", content=_UNREADABLE)
    if not isinstance(obj, dict):
        return None
    if "error" in obj and "result" not in obj:
        err = obj["error"] if isinstance(obj["error"], dict) else {"message": str(obj["error"])}
        raise _stream_error(err)
    result = obj.get("result")
    if not isinstance(result, dict):
        return None
    if result.get("last"):
        return _END
    return LogLine(
        pod=str(result.get("podName") or ""),
        content=str(result.get("content") or ""),
        timestamp=str(result.get("timeStampStr") or ""),
    )


_UNREADABLE = "[a log line that is not valid JSON was left out]"
_CUT_UNREADABLE = "[a log line over 16 KiB was left out: its content could not be read]"
_CONTENT_START = re.compile(r'"content"\s*:\s*"')
_POD_NAME = re.compile(rb'"podName"\s*:\s*"([^"\\]{0,253})"')
_JSON_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*', re.S)
_PARTIAL_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{0,3}$")


def _parse_cut_line(head: bytes, tail: bytes) -> LogLine:
    """A log line cut at 16 KiB (`head`; `tail` is the end of what was skipped): its content decoded as far
    as it goes and its podName, or a note when the content cannot be found. Never the raw JSON."""
    pod_match = _POD_NAME.search(tail) or _POD_NAME.search(head)
    pod = pod_match.group(1).decode("utf-8", "replace") if pod_match else ""
    text = head.decode("utf-8", "ignore")
    start = _CONTENT_START.search(text)
    if start is None:
        return LogLine(pod=pod, content=_CUT_UNREADABLE)
    body_match = _JSON_STRING_BODY.match(text, start.end())
    body = body_match.group(0) if body_match else ""
    for candidate in (body, _PARTIAL_ESCAPE.sub("", body)):
        try:
            content = json.loads(f'"{candidate}"')
        except ValueError:
            continue
        # A cut \ud83d escape leaves a lone surrogate, which cannot be encoded later.
        content = content.encode("utf-8", "replace").decode("utf-8")
        return LogLine(pod=pod, content=content + " …[line cut]")
    return LogLine(pod=pod, content=_CUT_UNREADABLE)


async def _split_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[bytes, bytes | None]]:
    """Splits a byte stream on newlines with a bounded buffer: yields (line, None), or for an over-long line
    (its first 16 KiB, its last bytes) with the middle skipped, never buffered."""
    buffer = bytearray()
    tail = bytearray()
    skipping = False
    async for chunk in chunks:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            piece = chunk[start:] if newline < 0 else chunk[start:newline]
            if skipping:
                tail += piece[-_LOG_LINE_TAIL_BYTES:]
                del tail[:-_LOG_LINE_TAIL_BYTES]
            else:
                room = _MAX_LOG_LINE_BYTES - len(buffer)
                buffer += piece[:room]
                if len(piece) > room:
                    skipping = True
                    tail += piece[room:][-_LOG_LINE_TAIL_BYTES:]
            if newline < 0:
                break
            yield bytes(buffer), (bytes(tail) if skipping else None)
            buffer.clear()
            tail.clear()
            skipping = False
            start = newline + 1
    if buffer:
        yield bytes(buffer), (bytes(tail) if skipping else None)
