"""The one Argo CD REST client on the network, shared by the MCP tools and the relay.

One long-lived aiohttp `ClientSession` per process (connections are reused across callers); the caller's
token is passed to every method and sent as `Authorization: Bearer`. aiohttp rather than httpx: every tool
call makes one Argo CD request, and aiohttp spends a third of httpx's CPU on it (bench/README.md). The API
methods are `ArgoCDReads`' (argocd_api) and `ArgoCDWrites`' (argocd_writes), the errors `argocd_errors`',
the log parsing `argocd_logs`'; this module carries the GETs and POSTs out and re-exports those names. No
token ever appears in an exception message or a log line.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from yarl import URL

from mcp_server.argocd_api import ArgoCDReads, UserInfo, decode_json, query_pairs
from mcp_server.argocd_errors import (
    ArgoCDError,
    ArgoCDTimeout,
    ArgoCDUnavailable,
    BadRequest,
    LogStreamError,
    NotFound,
    PermissionDeniedOrNotFound,
    ResponseTooLarge,
    Unauthenticated,
    error_for_status,
    error_text,
)
from mcp_server.argocd_logs import LogLine, LogTail
from mcp_server.argocd_writes import ArgoCDWrites

__all__ = [
    "ArgoCDClient",
    "ArgoCDError",
    "ArgoCDReads",
    "ArgoCDTimeout",
    "ArgoCDUnavailable",
    "ArgoCDWrites",
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

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class ArgoCDClient(ArgoCDWrites):
    """Async Argo CD API client on aiohttp. Create one per process, share it, `await aclose()` at shutdown."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str | Path = True,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        total_timeout: float | None = 30.0,
        max_connections: int = 200,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
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
                # total: the whole call, reading included (a trickle of bytes never trips sock_read)
                timeout=aiohttp.ClientTimeout(
                    total=self.total_timeout,
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
        elif isinstance(exc, aiohttp.SocketTimeoutError):
            detail = f"read timeout of {self.timeout:g}s"
        else:
            detail = f"total deadline of {self.total_timeout:g}s"
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
        # the path is quoted by the caller (`app_path`); only the query is encoded here
        return URL(self.base_url + path, encoded=True).with_query(query_pairs(params or {}))

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
        return await self._read_json(await self._get(path, token, params), f"GET {path}")

    async def _send_json(self, path: str, token: str | None, body: Mapping[str, Any]) -> Any:
        what = f"POST {path}"
        # exactly `application/json`: Argo CD refuses any other content type on a write (CSRF guard)
        headers = {**self._headers(token), "Content-Type": "application/json"}
        try:
            response = await self._http().post(
                self._url(path, None), data=orjson.dumps(body), headers=headers, allow_redirects=False
            )
        except TimeoutError as exc:
            raise self._timeout_error(exc, what) from None
        except aiohttp.ClientError as exc:
            raise self._transport_error(exc, what) from None
        return await self._read_json(response, what)

    async def _read_json(self, response: aiohttp.ClientResponse, what: str) -> Any:
        failed = response.status >= 400
        cap = 4096 if failed else self.max_response_bytes  # an error body is only read for its message
        body = bytearray()
        try:
            length = response.content_length
            if not failed and length is not None and length > cap:
                raise self._too_large(what)
            # sized once when the length is known: growing a large buffer copies it (twice its size at once)
            body = bytearray(length if not failed and length else 0)
            filled = 0
            async for chunk in response.content.iter_any():
                end = filled + len(chunk)
                if end <= len(body):
                    body[filled:end] = chunk
                else:
                    del body[filled:]
                    body += chunk
                filled = end
                if filled > cap:
                    if failed:
                        break
                    raise self._too_large(what)
            del body[filled:]
        except TimeoutError as exc:
            raise self._timeout_error(exc, what) from None
        except aiohttp.ClientError as exc:
            raise self._transport_error(exc, what) from None
        finally:
            # back to the pool when the body was read to its end, else the connection is closed
            response.release()
        if failed:
            raise error_for_status(response.status, error_text(bytes(body[:cap])))
        return decode_json(body, what)

    @contextlib.asynccontextmanager
    async def _stream(
        self, path: str, token: str | None, params: Mapping[str, Any]
    ) -> AsyncIterator[AsyncIterator[bytes]]:
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
                    raise error_for_status(response.status, error_text(body))
                yield response.content.iter_any()
            except TimeoutError as exc:
                raise self._timeout_error(exc, what) from None
            except aiohttp.ClientError as exc:
                raise self._transport_error(exc, what) from None
        finally:
            # back to the pool when the body was read to its end, else the connection is closed
            response.release()
