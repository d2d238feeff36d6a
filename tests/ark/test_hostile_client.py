"""The client against a hostile service (a raw-socket server that answers what the test says):
every answer ends in a result or one clear error within a stated deadline, a create is never sent
twice when it may have made a task, and the key never shows."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from helpers import HostileService, http_reply
from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import LostCreates
from storyfilm.ark.retry import RetryPolicy
from storyfilm.errors import ApiRefused, CreateUnresolved, TransportFailed

KEY = "sk-hostile-0123456789"
TASKS = "/api/v3/contents/generations/tasks"
CREATE = f"POST {TASKS}"
BODY = {"model": "doubao-seedance-1-0-pro-250528", "content": [{"type": "text", "text": "a red ball --seed 7"}]}
EMPTY_LIST = http_reply(200, '{"total": 0, "items": []}')
QUICK = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05, jitter=0.0)
BOUND = 20.0  # seconds a test waits for the client at most: on a client that hangs it fails, never hangs


def run(service: HostileService, call, *, request_timeout: float = 5.0, **options):
    """`call(client)` against the service, with quick retries and a short settle window."""
    async def main():
        async with httpx.AsyncClient(timeout=httpx.Timeout(request_timeout, connect=2.0)) as http:
            client = ArkClient(service.base_url, KEY, http=http, retry=QUICK,
                               lost_creates=LostCreates(settle=0.3, look_every=0.1), **options)
            return await asyncio.wait_for(call(client), BOUND)
    return asyncio.run(main())


def create_answered(body: bytes):
    """A service that answers a create with `body` (HTTP 200) and lists no tasks."""
    return lambda method, path: http_reply(200, body) if method == "POST" else EMPTY_LIST


@pytest.mark.parametrize("answer", [b"{}", b"[1, 2]", b'{"id": ""}', b'{"id": ["cgt-1"]}', b"{not json",
                                    b'{"id": "cgt-1"'])
def test_a_create_taken_without_a_task_id_is_never_sent_again(answer: bytes) -> None:
    """A 2xx says the task was made: not finding it in the list must not lead to a second create."""
    with HostileService(create_answered(answer)) as service:
        with pytest.raises(CreateUnresolved) as caught:
            run(service, lambda client: client.create(BODY))
        assert service.count(CREATE) == 1
    message = str(caught.value)
    assert message.startswith("the service took the create but answered without a task id (")
    assert message.endswith("and its task list did not show the task within 0.3 s. The task surely exists and may "
                            "be paid for: check the tasks on the service (its task list, or a gateway's console); "
                            "storyfilm does not create it again, since that could pay twice. `storyfilm film` run "
                            "again looks for it first and creates it only when the service shows none.")


def test_a_numeric_task_id_is_read_as_an_id() -> None:
    with HostileService(create_answered(b'{"id": 20251009}')) as service:
        assert run(service, lambda client: client.create(BODY)) == "20251009"
        assert service.count(CREATE) == 1


@pytest.mark.parametrize("listed", [b"{}", b'{"items": 5}', b'{"items": "none"}', b'{"total": 3, "items": null}'])
def test_a_list_answer_without_items_is_unreadable_not_empty(listed: bytes) -> None:
    """A create lost to a 500, then a list that holds no `items`: that is no proof the task is not
    there, so nothing is created again."""
    def answer(method: str, path: str) -> bytes:
        return http_reply(500, '{"error": {"code": "InternalServiceError"}}') if method == "POST" else \
            http_reply(200, listed)

    with HostileService(answer) as service:
        with pytest.raises(CreateUnresolved, match=r"looking for the task with list failed too: GET \S+: a task "
                                                   r"list answer without an `items` array"):
            run(service, lambda client: client.create(BODY))
        assert service.count(CREATE) == 1


def test_an_empty_list_written_as_null_is_empty() -> None:
    with HostileService(lambda m, p: http_reply(200, '{"total": 0, "items": null}')) as service:
        assert run(service, lambda client: client.list(page_size=10)).items == ()


@pytest.mark.parametrize("field", ["video_url", "last_frame_url"])
def test_a_url_of_the_wrong_type_reads_as_none(field: str) -> None:
    task = {"id": "cgt-1", "status": "succeeded", "content": {field: 5}}
    with HostileService(lambda m, p: http_reply(200, json.dumps(task))) as service:
        assert getattr(run(service, lambda client: client.get("cgt-1")), field) is None


def endless(conn) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(b"10000\r\n" + b" " * 0x10000 + b"\r\n")


def huge(conn) -> None:
    size = 50_000_000
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nContent-Type: application/json\r\n\r\n".encode())
    conn.sendall(b'{"items": [' + b" " * (size - 13) + b"]}")


def trickle(conn) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(b"1\r\n \r\n")
        time.sleep(0.1)


@pytest.mark.parametrize("answer", [endless, huge])
def test_an_answer_too_big_is_read_no_further(answer) -> None:
    with HostileService(lambda m, p: answer) as service:
        with pytest.raises(TransportFailed, match=r"^HTTP 200 with a body that is over 16 MB$"):
            run(service, lambda client: client.list(page_size=10))


def test_an_answer_that_trickles_is_cut_at_twice_the_request_timeout() -> None:
    async def get(client: ArkClient):
        client.retry = RetryPolicy(attempts=2, base_delay=0.0, jitter=0.0)
        return await client.get("cgt-1")

    with HostileService(lambda m, p: trickle) as service:
        with pytest.raises(TransportFailed) as caught:
            run(service, get, request_timeout=0.3, call_deadline=10)
        assert service.count(f"GET {TASKS}/cgt-1") == 2
    assert str(caught.value) == (f"GET {service.base_url}/contents/generations/tasks/cgt-1: sent, but no answer came "
                                 "(the answer was still not whole after 0.6 s)")


@pytest.mark.parametrize(("answer", "last"), [
    (lambda m, p: None, "ReadTimeout after 0.3 s"),
    (lambda m, p: http_reply(429, "{}", {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}), "HTTP 429"),
    (lambda m, p: http_reply(429, "{}", {"Retry-After": "999999999"}), "HTTP 429"),
    (lambda m, p: http_reply(503, "<html>busy</html>", {"Content-Type": "text/html"}), "HTTP 503"),
])
def test_a_get_ends_within_the_call_deadline(answer, last: str) -> None:
    """A silent service, a 429 asking for a wait of years, a 5xx storm: one GET, all its retries,
    ends at the call deadline (RetryPolicy caps a Retry-After at 60 s, more than the deadline)."""
    slow = RetryPolicy(attempts=50, base_delay=0.2, max_delay=0.2, jitter=0.0)

    async def get(client: ArkClient):
        client.retry = slow
        return await client.get("cgt-1")

    with HostileService(answer) as service:
        with pytest.raises(TransportFailed) as caught:
            run(service, get, request_timeout=0.3, call_deadline=1)
    message = str(caught.value)
    assert message.startswith(f"GET {service.base_url}/contents/generations/tasks/cgt-1: no usable answer within "
                              "1.0 s (")
    assert f", the last: {last}), the deadline for one call to the service (STORYFILM_CALL_DEADLINE). Nothing was " \
           "created or paid for by it; run again when the service answers: tasks already created are picked up, " \
           "never paid twice." in message


def test_a_create_ends_within_the_create_deadline_and_is_sent_once_per_settled_look() -> None:
    """A service that takes creates and never answers them, nor the list: one create, then the
    look for it, all cut at the create deadline; never a second create."""
    with HostileService(lambda m, p: None) as service:
        with pytest.raises(CreateUnresolved) as caught:
            run(service, lambda client: client.create(BODY), request_timeout=5, create_deadline=1)
        assert service.count(CREATE) == 1
    assert str(caught.value) == (
        "create: its task was not created within 1.0 s (1 try, the last: sent, no answer yet), the deadline for one "
        "create (STORYFILM_CREATE_DEADLINE). A create was sent and its answer lost: the task may exist and be paid "
        "for. Check the tasks on the service (its task list, or a gateway's console) before creating it elsewhere; "
        "`storyfilm film` run again looks for it first and creates it only when the service shows none.")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_an_api_redirect_is_not_followed_and_the_key_goes_nowhere_else(status: int) -> None:
    with HostileService(lambda m, p: http_reply(200, "{}")) as elsewhere:
        where = f"http://127.0.0.1:{elsewhere.port}/steal?key={KEY}"
        with HostileService(lambda m, p: http_reply(status, "", {"Location": where})) as service:
            with pytest.raises(ApiRefused) as caught:
                run(service, lambda client: client.get("cgt-1"))
            with pytest.raises(ApiRefused):
                run(service, lambda client: client.create(BODY))
            assert service.count(CREATE) == 1
        assert elsewhere.requests == []
    assert str(caught.value) == (
        f"Ark refused the request (HTTP {status} Redirect): the service redirected the request to "
        f"http://127.0.0.1:{elsewhere.port}/steal?key=***; storyfilm follows no redirect with the API key: check "
        f"ARK_BASE_URL (now {service.base_url})")


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_that_echoes_the_key_never_shows_it(status: int) -> None:
    for body in (json.dumps({"error": {"code": "AuthenticationError", "message": f"bad key {KEY}"}}),
                 f"<html>Bearer {KEY} is forbidden</html>"):
        with HostileService(lambda m, p: http_reply(status, body)) as service:
            for call in (lambda c: c.get("cgt-1"), lambda c: c.list(), lambda c: c.delete("cgt-1"),
                         lambda c: c.create(BODY)):
                with pytest.raises(ApiRefused) as caught:
                    run(service, call)
                assert KEY not in str(caught.value) and "***" in str(caught.value)
            assert service.count(CREATE) == 1


def test_a_download_follows_a_redirect_to_another_host_without_the_key(tmp_path: Path) -> None:
    with HostileService(lambda m, p: http_reply(200, b"\x00" * 1000, {"Content-Type": "video/mp4"})) as cdn:
        to_cdn = http_reply(302, "", {"Location": f"http://127.0.0.1:{cdn.port}/clip.mp4"})
        with HostileService(lambda m, p: to_cdn) as service:
            size = run(service, lambda client: client.download(f"{service.base_url}/v.mp4", tmp_path / "v.mp4"))
        assert cdn.requests == ["GET /clip.mp4"] and not any(KEY.encode() in raw for raw in cdn.raw + service.raw)
    assert size == 1000 and (tmp_path / "v.mp4").read_bytes() == b"\x00" * 1000


def test_a_download_redirect_loop_ends_in_one_message(tmp_path: Path) -> None:
    with HostileService(lambda m, p: http_reply(302, "", {"Location": p})) as service:
        url = f"{service.base_url}/v.mp4"
        with pytest.raises(TransportFailed, match=r"^download of \S+/v\.mp4 failed: more than 20 redirects \(a "
                                                  r"redirect loop\?\)$"):
            run(service, lambda client: client.download(url, tmp_path / "v.mp4"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["http://[::1", "video.mp4", "file:///etc/passwd"])
def test_a_result_url_that_is_no_http_url_fails_clearly(tmp_path: Path, url: str) -> None:
    with HostileService(lambda m, p: None) as service:
        with pytest.raises(TransportFailed, match=r"^download of .* failed: "):
            run(service, lambda client: client.download(url, tmp_path / "v.mp4"))
    assert list(tmp_path.iterdir()) == []
