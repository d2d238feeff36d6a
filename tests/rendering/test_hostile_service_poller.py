"""The poller against task lists it cannot read: a list answered in another shape is never read
as "no tasks"; the poller asks for each task alone instead, and the wait ends with the task."""

from __future__ import annotations

import asyncio
import json

import pytest

from helpers import HostileService, http_reply
from storyfilm.ark.client import ArkClient
from storyfilm.rendering.poller import Poller

TASKS = "/api/v3/contents/generations/tasks"
DONE = json.dumps({"id": "cgt-1", "status": "succeeded", "content": {"video_url": "http://127.0.0.1:9/v.mp4"}})


@pytest.mark.parametrize("listed", [b'{"data": []}', b'{"items": "cgt-1"}', b"[]"])
def test_a_list_in_a_shape_that_cannot_be_read_falls_back_to_one_get_per_task(listed: bytes) -> None:
    def answer(method: str, path: str) -> bytes:
        return http_reply(200, listed) if path == TASKS else http_reply(200, DONE)

    async def wait(service: HostileService):
        async with ArkClient(service.base_url, "k") as client, Poller(client, give_up_after=5) as poller:
            task = await asyncio.wait_for(poller.wait("cgt-1", timeout=10), 20)
            return task, poller.list_refused

    with HostileService(answer) as service:
        task, refused = asyncio.run(wait(service))
        assert service.requests == [f"GET {TASKS}", f"GET {TASKS}/cgt-1"]
    assert task.status == "succeeded" and task.video_url == "http://127.0.0.1:9/v.mp4"
    assert str(refused).startswith(f"GET {service.base_url}/contents/generations/tasks: a task list answer without "
                                   "an `items` array")
