"""The Argo CD REST API as the tools read it: one method per endpoint, over two abstract reads.

`ArgoCDReads` builds each request (path, query) and interprets each answer; how a GET is carried out is left
to a subclass: `ArgoCDClient` (aiohttp, the caller's token as `Authorization: Bearer`) in the MCP server and
the relay, and the relay's browser-run reads, which the user's browser performs with its own Argo CD session.
The same tool code then runs over either, and a status code or body means the same whoever fetched it.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import anyio
import orjson

from mcp_server.argocd_errors import ArgoCDError, ArgoCDUnavailable, ResponseTooLarge
from mcp_server.argocd_logs import END, LogLine, LogTail, drain, parse_cut_line, parse_log_line, split_lines

__all__ = ["ArgoCDReads", "UserInfo", "app_path", "query_pairs"]


@dataclass(frozen=True)
class UserInfo:
    logged_in: bool
    username: str | None
    groups: tuple[str, ...] = ()


def query_pairs(params: Mapping[str, Any]) -> list[tuple[str, str]]:
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


def decode_json(body: bytes | bytearray, what: str) -> Any:
    """The JSON value of a body, parsed from its bytes (orjson: no decoded text beside them, as `json.loads`
    would keep; a 2 MiB manifest answer peaked at three times its size); a bytearray is emptied at once."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ArgoCDUnavailable(f"Argo CD answered {what} with a body that is not JSON") from None
    finally:
        if isinstance(body, bytearray):
            body.clear()


def app_path(name: str, suffix: str = "") -> str:
    return f"/api/v1/applications/{quote(name, safe='')}{suffix}"


class ArgoCDReads(ABC):
    """The API methods the tools use. Subclasses carry out the GETs (`_get_json`, `_stream`)."""

    @abstractmethod
    async def _get_json(self, path: str, token: str | None, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON answer to a GET of `path` (quoted) with `params`; an error status raises."""

    @abstractmethod
    def _stream(
        self, path: str, token: str | None, params: Mapping[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """The body of a GET as byte chunks (an error status raises before any chunk); leaving the context
        releases the request, read to its end or not."""

    async def _get_items(
        self, path: str, token: str | None, params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """The `items` of a list answer (Argo CD answers `"items": null` when nothing matches)."""
        data = await self._get_json(path, token, params)
        return list((data or {}).get("items") or [])

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
        return await self._get_items("/api/v1/applications", token, params)

    async def get_application(
        self, token: str | None, name: str, *, app_namespace: str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        params = {"appNamespace": app_namespace, "project": project}
        return dict(await self._get_json(app_path(name), token, params))

    async def resource_tree(
        self, token: str | None, name: str, *, app_namespace: str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        params = {"appNamespace": app_namespace, "project": project}
        return dict(await self._get_json(app_path(name, "/resource-tree"), token, params))

    async def managed_resources(
        self,
        token: str | None,
        name: str,
        *,
        kind: str | None = None,
        resource_name: str | None = None,
        namespace: str | None = None,
        group: str | None = None,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> list[dict[str, Any]]:
        """Argo CD's diff view of the managed resources (hooks left out); its filters are exact matches."""
        params = {
            "kind": kind,
            "name": resource_name,
            "namespace": namespace,
            "group": group,
            "appNamespace": app_namespace,
            "project": project,
        }
        return await self._get_items(app_path(name, "/managed-resources"), token, params)

    async def revision_metadata(
        self,
        token: str | None,
        name: str,
        revision: str,
        *,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> dict[str, Any]:
        """Git metadata of one revision of the application's source: author, date, tags, message."""
        return await self._revision(token, name, revision, "metadata", app_namespace, project)

    async def chart_details(
        self,
        token: str | None,
        name: str,
        revision: str,
        *,
        app_namespace: str | None = None,
        project: str | None = None,
    ) -> dict[str, Any]:
        """Details of one version of a Helm chart source: description, home, maintainers."""
        return await self._revision(token, name, revision, "chartdetails", app_namespace, project)

    async def _revision(
        self,
        token: str | None,
        name: str,
        revision: str,
        what: str,
        app_namespace: str | None,
        project: str | None,
    ) -> dict[str, Any]:
        params = {"appNamespace": app_namespace, "project": project}
        path = app_path(name, f"/revisions/{quote(revision, safe='')}/{what}")
        return dict(await self._get_json(path, token, params) or {})

    async def list_applicationsets(
        self,
        token: str | None,
        *,
        projects: list[str] | None = None,
        selector: str | None = None,
        appset_namespace: str | None = None,
    ) -> list[dict[str, Any]]:
        """ApplicationSets the token may read (`applicationsets, get`)."""
        params = {"projects": projects, "selector": selector, "appsetNamespace": appset_namespace}
        return await self._get_items("/api/v1/applicationsets", token, params)

    async def get_applicationset(
        self, token: str | None, name: str, *, appset_namespace: str | None = None
    ) -> dict[str, Any]:
        params = {"appsetNamespace": appset_namespace}
        path = f"/api/v1/applicationsets/{quote(name, safe='')}"
        return dict(await self._get_json(path, token, params) or {})

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
        data = await self._get_json(app_path(name, "/resource"), token, params)
        # the answer's only content is the manifest string: let it go before the object it holds is built
        manifest = (data.pop("manifest", None) if isinstance(data, dict) else None) or "{}"
        del data
        try:
            obj = orjson.loads(manifest) if isinstance(manifest, str) else manifest
        except orjson.JSONDecodeError:
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
        return await self._get_items(app_path(name, "/events"), token, params)

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
        """Yields log lines as they arrive. Stop iterating (or `aclose()`) and the request is released.

        Lines longer than 16 KiB are cut (the rest of that line is skipped, never buffered). An error Argo CD
        sends inside the stream is raised with Argo CD's message (see `argocd_errors.stream_error`).
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
        async with self._stream(app_path(name, "/logs"), token, params) as chunks:
            async for raw, cut_tail in split_lines(chunks):
                line = parse_log_line(raw) if cut_tail is None else parse_cut_line(raw, cut_tail)
                if line is None:
                    continue
                if line is END:
                    await drain(chunks)
                    return
                assert isinstance(line, LogLine)
                yield line

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

        Reading stops (and the request is released) at the cap, so memory and time stay bounded even on an
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
            except ResponseTooLarge as exc:
                if not tail.lines:
                    raise
                tail.stopped = exc.message
            except ArgoCDError as exc:
                if not tail.lines:
                    raise
                tail.stopped = f"Argo CD reported an error after {len(tail.lines)} lines: {exc.message}"
        if scope.cancelled_caught and tail.stopped is None:
            tail.stopped = f"time limit of {deadline_seconds:g}s reached"
        return tail
