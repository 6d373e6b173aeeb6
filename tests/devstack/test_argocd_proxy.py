"""The proxy extension, the direct route, the host page and /extensions.js, against a tiny echo backend."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from devstack.argocd import SimulatorConfig, create_app
from devstack.argocd.tokens import split_cookie
from devstack.argocd.world import token_for
from devstack.servers import serve_in_thread

APP_HEADERS = {"Argocd-Application-Name": "argocd:checkout", "Argocd-Project-Name": "team-a"}


class Backend:
    """Echoes what arrives; `/stream` sends one event then waits until the client goes away."""

    def __init__(self) -> None:
        self.stream_closed = threading.Event()

    def app(self) -> Starlette:
        async def echo(request: Request) -> Response:
            return JSONResponse(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "query": request.url.query,
                    "headers": dict(request.headers),
                    "body": (await request.body()).decode(),
                }
            )

        async def stream(request: Request) -> Response:
            async def events() -> AsyncIterator[bytes]:
                try:
                    yield b"event: start\ndata: {}\n\n"
                    await anyio.sleep_forever()
                finally:
                    self.stream_closed.set()

            return StreamingResponse(events(), media_type="text/event-stream")

        return Starlette(
            routes=[Route("/stream", stream), Route("/{path:path}", echo, methods=["GET", "POST"])]
        )


@pytest.fixture(scope="module")
def backend() -> Backend:
    return Backend()


@pytest.fixture(scope="module")
def host(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    static = tmp_path_factory.mktemp("static")
    (static / "index.html").write_text("<html>host page</html>")
    (static / "app.js").write_text("console.log('ui')")
    extensions = tmp_path_factory.mktemp("extensions")
    (extensions / "resources" / "assistant").mkdir(parents=True)
    (extensions / "resources" / "assistant" / "extension-assistant.js").write_text("window.A = 1;")
    (extensions / "resources" / "extension-broken.js").write_text("throw new Error('x');")
    (extensions / "resources" / "readme.js").write_text("not an extension")
    # as the extension installer leaves it for EXTENSION_JS_VARS: a directory named like a script, holding one
    direct = tmp_path_factory.mktemp("installed-direct")
    (direct / "resources" / "extension-assistant").mkdir(parents=True)
    (direct / "resources" / "extension-assistant" / "extension-assistant.js").write_text("window.B = 1;")
    (direct / "resources" / "extension-assistant.js").mkdir()
    vars_file = direct / "resources" / "extension-assistant.js" / "extension-0-ASSISTANT_vars.js"
    vars_file.write_text("window.ASSISTANT_VARS = {};")
    with serve_in_thread(backend.app()) as backend_url:
        config = SimulatorConfig(
            extension_url=backend_url + "/ignored-base-path",
            extension_headers={"Authorization": "Bearer service-key", "X-Service": "configured"},
            direct_route_url=backend_url,
            static_dir=str(static),
            extensions_dir=str(extensions),
            route_extensions_dirs={"direct": str(direct)},
        )
        with serve_in_thread(create_app(config)) as url:
            yield url


@pytest.fixture
def http(host: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=host, timeout=10.0) as client:
        yield client


def cookie(username: str) -> dict[str, str]:
    return {"Cookie": f"argocd.token={token_for(username)}"}


def test_the_proxy_strips_the_prefix_and_the_credentials_and_adds_identity(http: httpx2.Client) -> None:
    headers = {**APP_HEADERS, **cookie("alice"), "X-Argocd-Token": "pasted", "Argocd-User-Groups": "forged"}
    response = http.post("/extensions/assistant/api/chat?x=1", headers=headers, content=b'{"q": 1}')
    assert response.status_code == 200
    echoed: dict[str, Any] = response.json()
    assert (echoed["path"], echoed["query"], echoed["body"]) == ("/api/chat", "x=1", '{"q": 1}')
    sent = echoed["headers"]
    assert "cookie" not in sent
    assert sent["authorization"] == "Bearer service-key"
    assert sent["x-service"] == "configured"
    assert sent["x-argocd-token"] == "pasted"
    assert (sent["argocd-username"], sent["argocd-user-id"], sent["argocd-namespace"]) == (
        "alice",
        "alice",
        "argocd",
    )
    assert sent["argocd-user-groups"] == "team-a"
    assert sent["argocd-application-name"] == "argocd:checkout"


def test_a_browser_identity_header_survives_when_argocd_has_no_value(http: httpx2.Client) -> None:
    headers = {
        "Argocd-Application-Name": "argocd:guestbook",
        "Argocd-Project-Name": "default",
        **cookie("viewer"),
        "Argocd-User-Groups": "admins",
    }
    sent = http.get("/extensions/assistant/whoami", headers=headers).json()["headers"]
    assert sent["argocd-username"] == "viewer"
    assert sent["argocd-user-groups"] == "admins"


def test_the_proxy_refuses_without_cookie_rbac_or_headers(http: httpx2.Client) -> None:
    bearer = {"Authorization": f"Bearer {token_for('alice')}"}
    for headers in (
        {**APP_HEADERS},
        {**APP_HEADERS, **bearer},
        {"Argocd-Application-Name": "argocd:billing", "Argocd-Project-Name": "team-b", **cookie("alice")},
        {**APP_HEADERS, "Argocd-Project-Name": "default", **cookie("alice")},
    ):
        response = http.get("/extensions/assistant/api/config", headers=headers)
        assert response.status_code == 401
        assert response.text.strip() == "Unauthorized extension request"
    missing = http.get("/extensions/assistant/api/config", headers=cookie("alice"))
    assert missing.status_code == 400


def test_the_proxy_accepts_a_split_cookie(http: httpx2.Client) -> None:
    parts = split_cookie(token_for("alice"), 50)
    headers = {**APP_HEADERS, "Cookie": "; ".join(f"{k}={v}" for k, v in parts.items())}
    assert (
        http.get("/extensions/assistant/ok", headers=headers).json()["headers"]["argocd-username"] == "alice"
    )


def test_the_direct_route_keeps_headers_and_path_and_routes_only_the_api(http: httpx2.Client) -> None:
    headers = {**cookie("bob"), "Authorization": "Bearer abc", "X-Custom": "1"}
    echoed = http.post("/assistant/api/chat", headers=headers, content=b"hi").json()
    # a Prefix rule without a rewrite, as deploy/overlays/direct-route does it
    assert echoed["path"] == "/assistant/api/chat"
    assert http.get("/assistant/metrics").status_code == 404
    assert echoed["headers"]["cookie"] == f"argocd.token={token_for('bob')}"
    assert echoed["headers"]["authorization"] == "Bearer abc"
    assert "argocd-username" not in echoed["headers"]


def test_a_stream_arrives_incrementally_and_a_disconnect_closes_the_upstream(
    http: httpx2.Client, backend: Backend
) -> None:
    backend.stream_closed.clear()
    with http.stream(
        "GET", "/extensions/assistant/stream", headers={**APP_HEADERS, **cookie("alice")}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_bytes())
        assert first.startswith(b"event: start")
    assert backend.stream_closed.wait(timeout=1.0)


def test_the_host_page_and_its_files_are_served(http: httpx2.Client) -> None:
    assert http.get("/").text == "<html>host page</html>"
    assert http.get("/ui/app.js").text == "console.log('ui')"
    assert http.get("/ui/../../etc/passwd").status_code == 404


def test_extensions_js_wraps_each_matching_file_in_try_catch(http: httpx2.Client) -> None:
    bundle = http.get("/extensions.js")
    assert bundle.headers["content-type"].startswith("application/javascript")
    text = bundle.text
    assert "window.A = 1;" in text
    assert "throw new Error('x');" in text
    assert "not an extension" not in text
    assert text.count("try {") == 2
    assert text.count("} catch (e) {") == 2


def test_extensions_js_for_a_route_serves_that_install_with_the_vars_file_after_the_bundle(
    http: httpx2.Client,
) -> None:
    text = http.get("/extensions.js", params={"route": "direct"}).text
    assert "window.A = 1;" not in text
    assert text.index("window.B = 1;") < text.index("window.ASSISTANT_VARS = {};")
    assert text.count("try {") == 2  # the directory named extension-assistant.js is walked, not served
    assert http.get("/extensions.js", params={"route": "nope"}).status_code == 404
