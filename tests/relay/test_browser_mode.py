"""Browser mode on the proxy route: no token anywhere; every Argo CD read of the agent is carried out by the
user's browser (played here by the test, with the user's session cookie) and posted back to the relay."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from devstack.argocd.tokens import token_for
from tests.relay.conftest import Stack, delete, get_json, serve_relay
from tests.relay.sse import Event, Transcript, iter_sse

BROWSER_READS = {"X-Assistant-Browser-Reads": "1"}


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Browser:
    """Plays the extension for one user: asks through Argo CD's proxy extension and carries out each
    `argocd_request` with the user's own session, as the tab does."""

    def __init__(
        self, stack: Stack, user: str, app: str = "argocd:checkout", project: str = "team-a"
    ) -> None:
        self.argocd = stack.argocd
        self.base = f"{stack.argocd}/extensions/assistant"
        self.cookie = token_for(user)
        self.headers = {"Argocd-Application-Name": app, "Argocd-Project-Name": project, **BROWSER_READS}

    def client(self) -> httpx2.Client:
        return httpx2.Client(timeout=60, cookies={"argocd.token": self.cookie})

    def read(self, request: dict[str, Any]) -> dict[str, Any]:
        """What the tab posts back for one read: Argo CD's status and body, capped."""
        with self.client() as client:
            response = client.get(f"{self.argocd}{request['path']}", params=request["query"])
        body = response.content[: request["max_bytes"]]
        return {
            "status": response.status_code,
            "body": body.decode("utf-8", "replace"),
            "truncated": len(response.content) > request["max_bytes"],
        }

    def post(self, stream: str, read_id: str, answer: dict[str, Any], **headers: str) -> httpx2.Response:
        with self.client() as client:
            return client.post(
                f"{self.base}/api/argocd-responses",
                json={"stream": stream, "id": read_id, **answer},
                headers={**self.headers, **headers},
            )

    def ask(
        self,
        message: str,
        resource: dict[str, Any] | None,
        *,
        on_request: Callable[[Browser, str, dict[str, Any]], None] | None = None,
        conversation: str | None = None,
        application: dict[str, str] | None = None,
    ) -> Transcript:
        body: dict[str, Any] = {
            "message": message,
            "application": application or {"name": "checkout", "namespace": "argocd", "project": "team-a"},
            "resource": resource,
            "conversation": conversation,
        }

        def carry_out(stream: str, request: dict[str, Any]) -> None:
            if on_request is not None:
                on_request(self, stream, request)
            else:
                posted = self.post(stream, request["id"], self.read(request))
                assert posted.status_code == 204, posted.text

        with (
            self.client() as client,
            client.stream("POST", f"{self.base}/api/chat", json=body, headers=self.headers) as response,
        ):
            return follow(response, carry_out)


def follow(
    response: httpx2.Response,
    on_request: Callable[[str, dict[str, Any]], None],
    names: tuple[str, ...] = ("argocd_request",),
) -> Transcript:
    """An answer's events, `on_request(stream id, data)` called for each event named in `names` (an Argo CD
    read by default) as it comes."""
    assert response.status_code == 200, response.read()
    transcript = Transcript()
    stream = ""
    for event in iter_sse(response.iter_lines(), transcript):
        transcript.events.append(event)
        if event.name == "start":
            stream = event.data["request_id"]
        elif event.name in names:
            on_request(stream, event.data)
    return transcript


def checkout_pod(stack: Stack) -> dict[str, Any]:
    with httpx2.Client(timeout=10, cookies={"argocd.token": token_for("alice")}) as client:
        tree = client.get(f"{stack.argocd}/api/v1/applications/checkout/resource-tree").json()
    node = next(n for n in tree["nodes"] if n["kind"] == "Pod")
    return {"group": "", "version": "v1", "kind": "Pod", "namespace": node["namespace"], "name": node["name"]}


def argocd_reads(stack: Stack, fragment: str) -> list[dict[str, Any]]:
    return [r for r in get_json(f"{stack.argocd}/_devstack/requests") if fragment in r["path"]]


def test_a_signed_in_user_without_any_token_gets_events_and_logs_read_with_their_own_session(
    stack: Stack,
) -> None:
    delete(f"{stack.argocd}/_devstack/requests")
    transcript = Browser(stack, "alice").ask("Why is this pod failing?", checkout_pod(stack))

    assert "error" not in transcript.names, transcript.all("error")
    assert transcript.first("start")["identity"] == "browser"
    assert [c["name"] for c in transcript.all("tool_call")] == ["get_events", "get_logs"]
    assert all(r["ok"] for r in transcript.all("tool_result"))
    assert "KeyError" in transcript.text  # the crash, read from the logs
    for fragment in ("/events", "/logs"):
        reads = argocd_reads(stack, fragment)
        assert reads, f"no {fragment} read reached Argo CD"
        # carried out by the browser with alice's own session: her user, her cookie's token
        assert {r["user"] for r in reads} == {"alice"}
        assert {r["token_sha256"] for r in reads} == {sha(token_for("alice"))}
    end = transcript.first("end")
    assert end["conversation"]  # the handle of the last round, to continue from


def test_a_user_who_may_not_read_logs_is_told_so_in_words(stack: Stack) -> None:
    with httpx2.Client(timeout=10, cookies={"argocd.token": token_for("bob")}) as client:
        tree = client.get(f"{stack.argocd}/api/v1/applications/billing/resource-tree").json()
    pod = next(n for n in tree["nodes"] if n["kind"] == "Pod")
    resource = {
        "group": "",
        "version": "v1",
        "kind": "Pod",
        "namespace": pod["namespace"],
        "name": pod["name"],
    }
    transcript = Browser(stack, "bob", app="argocd:billing", project="team-b").ask(
        "Show me the logs of this pod",
        resource,
        application={"name": "billing", "namespace": "argocd", "project": "team-b"},
    )
    [result] = transcript.all("tool_result")
    assert result["ok"] is False
    assert "not its logs" in result["summary"]
    assert "not its logs" in transcript.text


def test_a_repeated_question_in_a_conversation_is_answered_again(stack: Stack) -> None:
    browser = Browser(stack, "alice")
    pod = checkout_pod(stack)
    first = browser.ask("Why is this pod failing?", pod)
    second = browser.ask("Why is this pod failing?", pod, conversation=first.first("end")["conversation"])
    assert "error" not in second.names, second.all("error")
    assert [c["name"] for c in second.all("tool_call")] == ["get_events", "get_logs"]
    assert "KeyError" in second.text


# -- the pending-read protocol ------------------------------------------------------------------------


def first_request(
    browser: Browser, pod: dict[str, Any], check: Callable[[str, dict[str, Any]], None]
) -> None:
    """Asks, and on the first read runs `check(stream, request)` before answering it properly."""
    seen: list[str] = []

    def on_request(b: Browser, stream: str, request: dict[str, Any]) -> None:
        if not seen:
            check(stream, request)
        seen.append(request["id"])
        assert b.post(stream, request["id"], b.read(request)).status_code == 204

    transcript = browser.ask("Why is this pod failing?", pod, on_request=on_request)
    assert "error" not in transcript.names, transcript.all("error")
    assert seen


def test_answers_to_a_read_are_refused_unless_of_the_same_stream_and_user_and_pending(stack: Stack) -> None:
    alice, bob = Browser(stack, "alice"), Browser(stack, "bob", app="argocd:billing", project="team-b")
    pod = checkout_pod(stack)
    forged = {"status": 200, "body": '{"items": [{"reason": "Forged"}]}'}

    def check(stream: str, request: dict[str, Any]) -> None:
        # another user (bob's own session through the proxy): 403
        assert bob.post(stream, request["id"], forged).status_code == 403
        # another stream of the same user: 409
        assert alice.post("another-stream", request["id"], forged).status_code == 409
        # a read nobody asked for: 404
        assert alice.post(stream, "no-such-read", forged).status_code == 404
        # straight to the relay, without the proxy's secret: 401
        direct = httpx2.post(
            f"{stack.relay}/api/argocd-responses",
            json={"stream": stream, "id": request["id"], **forged},
            headers={"Argocd-Username": "alice"},
        )
        assert direct.status_code == 401
        # malformed JSON and deep nesting: 400
        for raw in (b"{not json", b"[" * 5000 + b"]" * 5000, b'{"stream": 1}'):
            with alice.client() as client:
                bad = client.post(
                    f"{alice.base}/api/argocd-responses",
                    content=raw,
                    headers={**alice.headers, "Content-Type": "application/json"},
                )
            assert bad.status_code == 400, bad.text
            assert bad.json()["code"] == "bad_request"

    first_request(alice, pod, check)


def test_an_answer_is_taken_once_and_a_replay_is_refused(stack: Stack) -> None:
    alice = Browser(stack, "alice")
    replays: list[int] = []

    def on_request(b: Browser, stream: str, request: dict[str, Any]) -> None:
        answer = b.read(request)
        assert b.post(stream, request["id"], answer).status_code == 204
        replays.append(b.post(stream, request["id"], answer).status_code)

    transcript = alice.ask("Why is this pod failing?", checkout_pod(stack), on_request=on_request)
    assert "error" not in transcript.names
    assert replays
    assert set(replays) == {409}


def test_an_oversized_answer_is_refused_and_nothing_reaches_the_model(stack: Stack) -> None:
    config = stack.relay_config(limits={"browser_read_max_bytes": 4096})
    with serve_relay(config) as relay_url:
        # straight to this relay with the proxy's secret, as Argo CD's proxy would forward it
        headers = {"X-Assistant-Proxy-Secret": stack.proxy_secret, "Argocd-Username": "alice"}
        statuses: list[int] = []

        def on_request(_: Browser, stream: str, request: dict[str, Any]) -> None:
            big = {"stream": stream, "id": request["id"], "status": 200, "body": "x" * 5000}
            statuses.append(
                httpx2.post(f"{relay_url}/api/argocd-responses", json=big, headers=headers).status_code
            )
            small = {"stream": stream, "id": request["id"], "status": 200, "body": '{"items": []}'}
            assert (
                httpx2.post(f"{relay_url}/api/argocd-responses", json=small, headers=headers).status_code
                == 204
            )

        transcript = _ask_relay(relay_url, stack, on_request)
    assert statuses
    assert set(statuses) == {413}
    assert "x" * 100 not in str(get_json(f"{stack.model}/_devstack/requests"))
    assert "error" not in transcript.names


def proxied_question(stack: Stack) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and body of alice's question as Argo CD's proxy forwards it from the tab."""
    headers = {
        "X-Assistant-Proxy-Secret": stack.proxy_secret,
        "Argocd-Username": "alice",
        "Argocd-Application-Name": "argocd:checkout",
        **BROWSER_READS,
    }
    body = {
        "message": "Why is it degraded?",
        "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"},
    }
    return headers, body


def _ask_relay(
    relay_url: str, stack: Stack, on_request: Callable[[Browser, str, dict[str, Any]], None]
) -> Transcript:
    """A question sent straight to `relay_url` as Argo CD's proxy would forward it (secret, username)."""
    headers, body = proxied_question(stack)
    browser = Browser(stack, "alice")
    with (
        httpx2.Client(timeout=60) as client,
        client.stream("POST", f"{relay_url}/api/chat", json=body, headers=headers) as response,
    ):
        return follow(response, lambda stream, request: on_request(browser, stream, request))


def test_a_read_the_browser_never_answers_becomes_a_clear_tool_error_and_a_late_answer_is_refused(
    stack: Stack,
) -> None:
    config = stack.relay_config(limits={"browser_read_timeout_seconds": 0.5})
    with serve_relay(config) as relay_url:
        headers = {"X-Assistant-Proxy-Secret": stack.proxy_secret, "Argocd-Username": "alice"}
        late: list[Event] = []

        def on_request(_: Browser, stream: str, request: dict[str, Any]) -> None:
            late.append(Event(stream, request["id"]))

        transcript = _ask_relay(relay_url, stack, on_request)
        [result] = transcript.all("tool_result")
        assert result["ok"] is False
        assert "did not carry out" in result["summary"]
        stream, read_id = late[0].name, late[0].data
        answer = {"stream": stream, "id": read_id, "status": 200, "body": "{}"}
        refused = httpx2.post(f"{relay_url}/api/argocd-responses", json=answer, headers=headers)
    assert refused.status_code == 410
    assert refused.json()["code"] in ("read_expired", "read_closed")


def test_when_the_stream_closes_its_pending_reads_are_refused(stack: Stack) -> None:
    headers, body = proxied_question(stack)
    pending: dict[str, str] = {}
    with (
        httpx2.Client(timeout=60) as client,
        client.stream("POST", f"{stack.relay}/api/chat", json=body, headers=headers) as response,
    ):
        for event in iter_sse(response.iter_lines()):
            if event.name == "start":
                pending["stream"] = event.data["request_id"]
            elif event.name == "argocd_request":
                pending["id"] = event.data["id"]
                break  # the tab goes away mid-answer
    answer = {**pending, "status": 200, "body": "{}"}
    deadline = time.monotonic() + 10
    while True:  # the relay notices the disconnect and ends the stream's reads
        refused = httpx2.post(
            f"{stack.relay}/api/argocd-responses",
            json=answer,
            headers={"X-Assistant-Proxy-Secret": stack.proxy_secret, "Argocd-Username": "alice"},
        )
        if refused.status_code != 204 or time.monotonic() > deadline:
            break
    assert refused.status_code == 410, refused.text
    assert refused.json()["code"] == "read_closed"


def test_without_the_browser_reads_header_the_proxy_route_is_not_the_browser_mode(stack: Stack) -> None:
    with httpx2.Client(timeout=60) as client:
        response = client.post(
            f"{stack.relay}/api/chat",
            json={"message": "hi", "application": {"name": "checkout", "namespace": "argocd"}},
            headers={"X-Assistant-Proxy-Secret": stack.proxy_secret, "Argocd-Username": "alice"},
        )
    # no application header, no token: nothing to act with; the message names the signed-in user
    assert response.status_code == 401
    message = response.json()["message"]
    assert "signed you in as alice" in message
    assert "Not signed in" not in message


@pytest.mark.parametrize("mode_list", [["cookie", "browser"]])
def test_the_browser_mode_needs_the_proxy_secret(stack: Stack, mode_list: list[str]) -> None:
    from relay.config import ConfigError, build_config

    values = stack.relay_values(identity={"modes": mode_list, "proxy_secret": None})
    with pytest.raises(ConfigError, match=r"browser identity mode needs identity\.proxy_secret"):
        build_config(values)


def test_with_two_replicas_an_answer_that_reaches_the_other_one_is_handed_on(stack: Stack) -> None:
    from devstack.servers import free_port

    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    config_a = stack.relay_config(replicas={"advertise_url": url_a})
    config_b = stack.relay_config(replicas={"advertise_url": url_b})
    headers = {"X-Assistant-Proxy-Secret": stack.proxy_secret, "Argocd-Username": "alice"}
    with serve_relay(config_a, port=port_a), serve_relay(config_b, port=port_b):
        forged: list[int] = []

        def on_request(browser: Browser, stream: str, request: dict[str, Any]) -> None:
            # an id no replica sealed is not handed on anywhere
            bogus = {"stream": stream, "id": "read.e30.AAAA", "status": 200, "body": "{}"}
            forged.append(
                httpx2.post(f"{url_b}/api/argocd-responses", json=bogus, headers=headers).status_code
            )
            # the load balancer sends the real answer to replica B; A's stream asked for it
            answer = {"stream": stream, "id": request["id"], **browser.read(request)}
            posted = httpx2.post(f"{url_b}/api/argocd-responses", json=answer, headers=headers)
            assert posted.status_code == 204, posted.text

        transcript = _ask_relay(url_a, stack, on_request)
    assert "error" not in transcript.names, transcript.all("error")
    assert all(r["ok"] for r in transcript.all("tool_result"))
    assert set(forged) == {404}
