"""A create whose task the service shows only a while after making it is looked for over the
whole settle window, and found, never made again: whether its answer never came or came as a 500
after the task was made (a service failing after its work is done, whose reads lag its writes:
ark-api.md §7.3 leaves this open), and whatever the wall clock does meanwhile (the window is
counted on a clock that never jumps: an NTP correction, a laptop's sleep)."""

from __future__ import annotations

import asyncio
import time
import types

import pytest

from helpers import text_task
from storyfilm.ark import lost_create
from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import LostCreates
from storyfilm.localark.embedded import LocalServer


def _create(server: LocalServer) -> str:
    async def create() -> str:
        async with ArkClient(server.base_url, "sk-window", lost_creates=LostCreates(settle=3, look_every=0.3)) \
                as client:
            return await client.create(text_task())
    return asyncio.run(create())


@pytest.mark.parametrize("lost", ["crash", "drop"], ids=["answered 500 after the work", "never answered"])
def test_a_create_whose_task_shows_late_is_found_not_paid_twice(lost: str) -> None:
    # the first create makes its task; its answer is a 500 (or none); the task shows 1.5 s later
    with LocalServer(faults=f"{lost}@create=1#1,lag=1.5") as server:
        task_id = _create(server)
        assert server.ark.stats["create"] == 1
        assert list(server.ark.tasks) == [task_id]


def test_a_wall_clock_stepped_forward_during_the_settle_window_does_not_pay_twice(monkeypatch) -> None:
    # the create takes effect and its answer is lost; its task shows 1.5 s later
    with LocalServer(faults="drop@create=1#1,lag=1.5") as server:
        # the wall clock as the look for the task sees it: an hour ahead once the first look was made
        looked = lambda: server.ark.stats["list"] > 0  # noqa: E731
        monkeypatch.setattr(lost_create, "time", types.SimpleNamespace(
            time=lambda: time.time() + 3600 * looked(), monotonic=time.monotonic))
        task_id = _create(server)
        assert server.ark.stats["create"] == 1
        assert list(server.ark.tasks) == [task_id]
