"""The settle window a lost create may still land in is measured on a clock that never jumps: a
wall clock stepped forward while it is looked for (an NTP correction, a laptop's sleep) must not end
the window early and have the create sent again while its task is about to show."""

from __future__ import annotations

import asyncio
import time
import types

from helpers import text_task
from storyfilm.ark import lost_create
from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import LostCreates
from storyfilm.localark.embedded import LocalServer


def test_a_wall_clock_stepped_forward_during_the_settle_window_does_not_pay_twice(monkeypatch) -> None:
    async def create(base_url: str) -> str:
        async with ArkClient(base_url, "sk-clock", lost_creates=LostCreates(settle=3, look_every=0.3)) as client:
            return await client.create(text_task())

    # the create takes effect and its answer is lost; its task shows 1.5 s later
    with LocalServer(faults="drop@create=1#1,lag=1.5") as server:
        # the wall clock as the look for the task sees it: an hour ahead once the first look was made
        looked = lambda: server.ark.stats["list"] > 0  # noqa: E731
        monkeypatch.setattr(lost_create, "time", types.SimpleNamespace(
            time=lambda: time.time() + 3600 * looked(), monotonic=time.monotonic))
        task_id = asyncio.run(create(server.base_url))
        assert server.ark.stats["create"] == 1
        assert list(server.ark.tasks) == [task_id]
