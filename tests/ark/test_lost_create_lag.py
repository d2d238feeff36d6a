"""A create the service answers with a 500 after it made the task (a service failing after its
work is done), on a service whose reads lag its writes (ark-api.md §7.3 leaves this open), is
doubt like an answer never received: its task is looked for over the whole settle window, and
found, never made again."""

from __future__ import annotations

import asyncio

import pytest

from helpers import text_task
from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import LostCreates
from storyfilm.localark.embedded import LocalServer


@pytest.mark.parametrize("lost", ["crash", "drop"], ids=["answered 500 after the work", "never answered"])
def test_a_create_whose_task_shows_late_is_found_not_paid_twice(lost: str) -> None:
    async def create(base_url: str) -> str:
        async with ArkClient(base_url, "sk-lag", lost_creates=LostCreates(settle=3, look_every=0.3)) as client:
            return await client.create(text_task())

    # the first create makes its task; its answer is a 500 (or none); the task shows 1.5 s later
    with LocalServer(faults=f"{lost}@create=1#1,lag=1.5") as server:
        task_id = asyncio.run(create(server.base_url))
        assert server.ark.stats["create"] == 1
        assert list(server.ark.tasks) == [task_id]
