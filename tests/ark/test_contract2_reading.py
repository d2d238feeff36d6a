"""Reading the service leniently (ark-api.md: "[I]: lenient when reading"): numbers written as
floats, errors written as plain strings, a task's error without a code. Each over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from helpers import HostileService, http_reply
from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import LostCreates
from storyfilm.ark.retry import RetryPolicy
from storyfilm.ark.types import Task
from storyfilm.errors import ApiRefused, CreateUnresolved, TransportFailed

KEY = "sk-contract-0123456789"
MODEL = "doubao-seedance-1-0-pro-250528"
BODY = {"model": MODEL, "content": [{"type": "text", "text": "a red ball"}], "seed": 7}
CREATE = "POST /api/v3/contents/generations/tasks"
QUICK = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.0)


def run(service: HostileService, call, *, request_timeout: float = 5.0, **options):
    """`call(client)` against the service, with quick retries and a short settle window."""
    async def main():
        async with httpx.AsyncClient(timeout=httpx.Timeout(request_timeout, connect=2.0)) as http:
            client = ArkClient(service.base_url, KEY, http=http, retry=QUICK,
                               lost_creates=LostCreates(settle=0.3, look_every=0.1), **options)
            return await asyncio.wait_for(call(client), 20)
    return asyncio.run(main())


def lost_then_listed(created_at):
    """A create whose answer never comes; a list that shows its task, `created_at` as `created_at(now)`."""
    def answer(method: str, path: str):
        if method == "POST":
            return None
        task = {"id": "cgt-20260101000000-float", "model": MODEL, "status": "queued", "seed": 7,
                "created_at": created_at(time.time())}
        return http_reply(200, json.dumps({"total": 1, "items": [task]}))
    return answer


@pytest.mark.parametrize("written", [float, lambda now: now + 0.25, lambda now: float(int(now))],
                         ids=["float", "fraction", "whole-float"])
def test_a_lost_create_whose_task_lists_its_time_as_a_float_is_adopted_not_paid_twice(written) -> None:
    """§7.1 `created_at` is an integer [C]; a float for it (a gateway, a JSON encoder) is still the time
    the task was made. Read as "no time", the lost create's task was never a candidate: created again."""
    with HostileService(lost_then_listed(written)) as service:
        found = run(service, lambda client: client.create(BODY), request_timeout=0.3,
                    create_deadline=15)
        assert (found, service.count(CREATE)) == ("cgt-20260101000000-float", 1)


def test_counts_written_as_whole_floats_read_as_integers() -> None:
    task = Task.from_json({"id": "cgt-1", "status": "succeeded", "created_at": 1760246356.0, "duration": 5.0,
                           "seed": 8961.0, "frames": 121.0, "usage": {"completion_tokens": 103818.0,
                                                                      "total_tokens": 103818.0}})
    assert (task.created_at, task.duration, task.seed, task.frames, task.completion_tokens) == \
           (1760246356, 5, 8961, 121, 103818)
    assert Task.from_json({"id": "x", "status": "queued", "seed": 7.5, "duration": float("nan")}).seed is None


def test_a_task_error_without_a_code_or_as_a_string_reads_plainly() -> None:
    no_code = Task.from_json({"id": "a", "status": "failed", "error": {"message": "the output may be sensitive"}})
    assert (no_code.error.code, no_code.error.message) == ("", "the output may be sensitive")
    plain = Task.from_json({"id": "b", "status": "failed", "error": "render failed"})
    assert (plain.error.code, plain.error.message) == ("", "render failed")


def test_an_error_written_as_a_plain_string_is_the_message() -> None:
    """§10.1's error is an object; a gateway's `{"error": "..."}` still says why."""
    answer = http_reply(400, '{"error": "model doubao-x not found"}')
    with HostileService(lambda m, p: answer) as service:
        with pytest.raises(ApiRefused) as caught:
            run(service, lambda client: client.get("cgt-1"))
    assert str(caught.value) == "Ark refused the request (HTTP 400 X): model doubao-x not found"


@pytest.mark.parametrize("status", [400, 403, 409])
def test_a_delete_whose_answer_was_lost_and_whose_retry_is_refused_is_done_when_the_task_is_cancelled(status) -> None:
    """§8.2: DELETE on a cancelled task is refused, with a 4xx the doc does not name ([?]: 400 or
    403 are likely). After a first DELETE lost its answer, that refusal means the work was done."""
    deletes = []

    def answer(method: str, path: str):
        if method == "DELETE":
            deletes.append(path)
            if len(deletes) == 1:
                return None
            return http_reply(status, '{"error": {"code": "OperationDenied", "message": "the task is cancelled"}}')
        return http_reply(200, '{"id": "cgt-1", "status": "cancelled"}')

    with HostileService(answer) as service:
        assert run(service, lambda client: client.delete("cgt-1"), request_timeout=0.3) is None
        assert service.count("DELETE /api/v3/contents/generations/tasks/cgt-1") == 2


def test_a_429_refusal_carries_the_wait_the_service_asked_for() -> None:
    """storyfilm's decisions: the client honours Retry-After. A client that tries once (the render's
    creator) hands the 429 to its caller: the wait the service asked for must go with it."""
    answer = http_reply(429, '{"error": {"code": "ModelAccountRpmRateLimitExceeded", "message": "RPM"}}',
                        {"Retry-After": "42"})

    async def once(client: ArkClient):
        client.retry = RetryPolicy(attempts=1)
        return await client.send_create(BODY)

    with HostileService(lambda m, p: answer) as service:
        with pytest.raises(ApiRefused) as caught:
            run(service, once)
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == \
           (429, "ModelAccountRpmRateLimitExceeded", 42.0)


def test_a_408_is_transient_a_get_is_sent_again_and_a_create_looked_for_before_it_is() -> None:
    """§10.4: 408 is retried by the official SDK (a front end that did not get the request whole in
    time). A GET is simply sent again; a create is looked for first (a gateway's 408 may come after
    the work), then sent again once the list shows no task."""
    seen: list[str] = []

    def answer(method: str, path: str) -> bytes:
        seen.append(method + (" list" if method == "GET" and path.endswith("/tasks") else ""))
        if seen.count(method) == 1 and method != "GET":
            return http_reply(408, '{"error": {"code": "RequestTimeout", "message": "too slow"}}')
        if method == "POST":
            return http_reply(200, '{"id": "cgt-20260101000000-again"}')
        if path.endswith("/tasks"):
            return http_reply(200, '{"total": 0, "items": []}')
        return http_reply(200, '{"id": "cgt-1", "status": "running"}')

    with HostileService(answer) as service:
        assert run(service, lambda client: client.create(BODY)) == "cgt-20260101000000-again"
        assert seen[0] == "POST" and seen[-1] == "POST" and "GET list" in seen[1:-1] and seen.count("POST") == 2
    seen.clear()
    timeouts = iter([http_reply(408, "{}"), http_reply(200, '{"id": "cgt-1", "status": "running"}')])
    with HostileService(lambda m, p: next(timeouts)) as service:
        assert run(service, lambda client: client.get("cgt-1")).status == "running"
        assert service.count("GET /api/v3/contents/generations/tasks/cgt-1") == 2


DAMAGED_GZIP = {"Content-Encoding": "gzip"}


def test_an_answer_in_a_damaged_encoding_is_unreadable_not_a_traceback() -> None:
    """The client accepts gzip answers; a damaged one raised httpx.DecodingError, which is no
    TransportError: out of every handler, a traceback, and for a create no lost-create look."""
    garbage = b"\x1f\x8b\x08\x00" + b"\xff" * 64
    with HostileService(lambda m, p: http_reply(200, garbage, DAMAGED_GZIP)) as service:
        with pytest.raises(TransportFailed, match=r"^HTTP 200 with a body in a damaged gzip encoding$"):
            run(service, lambda client: client.get("cgt-1"))
    answers = iter([http_reply(200, garbage, DAMAGED_GZIP), http_reply(200, '{"total": 0, "items": []}')])
    with HostileService(lambda m, p: next(answers, http_reply(200, '{"total": 0, "items": []}'))) as service:
        with pytest.raises(CreateUnresolved, match=r"^the service took the create but answered without a task id "
                                                   r"\(HTTP 200 with a body in a damaged gzip encoding\)"):
            run(service, lambda client: client.create(BODY))
        assert service.count(CREATE) == 1
