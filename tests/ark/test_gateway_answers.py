"""A gateway's answer to GET per task (seeds 003 and 004 document no answer shape for it) is read
leniently but never as another task's: an answer without an id is the task asked for; one naming
another task is no answer at all, so its video is never taken for this shot's. A status word that is
none we know (or none at all) is never success: the task is read as queued until its deadline, and
the word is named, once as it comes and again when the deadline ends the wait."""

from __future__ import annotations

import asyncio
import json

import pytest

from helpers import HostileService, http_reply
from storyfilm.ark.client import ArkClient
from storyfilm.errors import ApiRefused, TaskOverdue, TransportFailed
from storyfilm.rendering.poller import Poller
from storyfilm.seedance.gateways import VIDEOS_GATEWAY

VIDEO = "http://127.0.0.1:9/v.mp4"


def _served(answer: dict):
    return HostileService(lambda method, path: http_reply(200, json.dumps(answer)))


async def _wait(service: HostileService, *, give_up_after: float = 5.0):
    base = service.base_url.removesuffix("/api/v3")
    async with ArkClient(base, "k", gateway=VIDEOS_GATEWAY) as client, \
            Poller(client, give_up_after=give_up_after, max_interval=0.2) as poller:
        return await asyncio.wait_for(poller.wait("cgt-1", timeout=10), 20)


def test_an_answer_without_an_id_is_the_task_asked_for() -> None:
    with _served({"status": "completed", "video_url": VIDEO}) as service:
        task = asyncio.run(_wait(service))
        assert service.requests[0] == "GET /v1/videos/cgt-1"
    assert (task.id, task.status, task.video_url) == ("cgt-1", "succeeded", VIDEO)


def test_an_answer_naming_another_task_is_never_taken_for_it() -> None:
    with _served({"id": "cgt-2", "status": "succeeded", "content": {"video_url": VIDEO}}) as service:
        with pytest.raises(TransportFailed) as failed:
            asyncio.run(_wait(service, give_up_after=0.5))
        assert service.count("GET /v1/videos/cgt-1") >= 2
    assert "/v1/videos/cgt-1: the answer is of task cgt-2, not cgt-1: not taken as its answer" in str(failed.value)


@pytest.mark.parametrize("answer, said", [({"id": "cgt-1", "status": "finished", "video_url": VIDEO}, "'finished'"),
                                          ({"id": "cgt-1", "video_url": VIDEO}, "'(none)'")])
def test_an_unknown_status_word_is_never_success_and_is_named(answer: dict, said: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    async def wait(service: HostileService):
        base = service.base_url.removesuffix("/api/v3")
        async with ArkClient(base, "k", gateway=VIDEOS_GATEWAY) as client, Poller(client, max_interval=0.1) as poller:
            return await asyncio.wait_for(poller.wait("cgt-1", timeout=0.6), 20)

    with _served(answer) as service, pytest.raises(TaskOverdue) as overdue:
        asyncio.run(wait(service))
    assert str(overdue.value) == (f"task cgt-1 is still queued after its deadline (the service says status {said}, "
                                  "a word storyfilm does not know); run again to keep waiting")
    told = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert told == [f"task cgt-1: the service says status {said}, a word storyfilm does not know: read as still "
                    "queued until its deadline"]


def test_a_task_id_is_one_path_segment_whatever_it_holds() -> None:
    """Ids come from the service (a gateway's own, seed 004): one holding '/', '?' or '#' must
    still name its task, never another path, a query or a fragment."""
    with _served({"status": "completed", "video_url": VIDEO}) as service:
        async def get():
            base = service.base_url.removesuffix("/api/v3")
            async with ArkClient(base, "k", gateway=VIDEOS_GATEWAY) as client:
                return await client.get("../v/1?x=2#y")

        task = asyncio.run(get())
        assert service.requests == ["GET /v1/videos/..%2Fv%2F1%3Fx%3D2%23y"]
    assert task.id == "../v/1?x=2#y"


def test_a_gateways_refusal_is_told_as_the_gateways() -> None:
    answer = http_reply(400, '{"error": {"code": "InvalidParameter", "message": "duration must be 4-12"}}')
    with HostileService(lambda method, path: answer) as service:
        async def get():
            base = service.base_url.removesuffix("/api/v3")
            async with ArkClient(base, "k", gateway=VIDEOS_GATEWAY) as client:
                return await client.get("cgt-1")

        with pytest.raises(ApiRefused) as refused:
            asyncio.run(get())
    assert str(refused.value) == ("the gateway videos-gateway refused the request (HTTP 400 InvalidParameter): "
                                  "duration must be 4-12")
