"""A service (or gateway) that writes created_at in milliseconds, not the seconds ark-api.md §7.1
documents: read leniently (a value past 10^11 is milliseconds), so a lost create's task is still
found by its time and never created twice."""

from __future__ import annotations

import asyncio


from helpers import IN_PROCESS_BASE, LandsLate, OtherTimes, in_process_ark, text_task
from storyfilm.ark.client import ArkClient, LostCreates
from storyfilm.ark.types import Task


def test_a_lost_create_on_a_service_writing_milliseconds_is_found() -> None:
    async def main():
        late: list[LandsLate] = []

        def wrap(inner):
            late.append(LandsLate(OtherTimes(inner, lambda t: t * 1000 + 250), lose=1))
            return late[0]

        async with in_process_ark(wrap=wrap) as (ark, http):
            client = ArkClient(IN_PROCESS_BASE, "sk-test-ms", http=http,
                               lost_creates=LostCreates(settle=0.3, look_every=0.1))
            task_id = await client.create(text_task(seed=6060))
            return task_id, late[0].landed, ark.stats["create"]

    task_id, landed, creates = asyncio.run(main())
    assert landed == [task_id] and creates == 1


def test_created_at_in_milliseconds_reads_as_seconds() -> None:
    assert Task.from_json({"id": "t", "status": "queued", "created_at": 1759998617250}).created_at == 1759998617
    assert Task.from_json({"id": "t", "status": "queued", "created_at": 1759998617.5e3}).created_at == 1759998617
    assert Task.from_json({"id": "t", "status": "queued", "created_at": 1759998617}).created_at == 1759998617
