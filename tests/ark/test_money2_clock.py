"""A service whose clock is far from ours (an hour ahead or behind: a clock that jumped) still has
a lost create's task found, never created twice: the service's clock is read from its Date
header, and the look spans the moment the create was sent on that clock."""

from __future__ import annotations

import asyncio

import pytest

from helpers import IN_PROCESS_BASE, LandsLate, OtherTimes, in_process_ark, text_task
from storyfilm.ark.client import ArkClient, LostCreates


@pytest.mark.parametrize("shift", [3600.0, -3600.0])
def test_a_lost_create_is_found_on_a_service_an_hour_off(shift: float) -> None:
    async def main():
        late: list[LandsLate] = []

        def wrap(inner):
            late.append(LandsLate(OtherTimes(inner, lambda t: t + int(shift), date_shift=shift), lose=1))
            return late[0]

        async with in_process_ark(wrap=wrap) as (ark, http):
            client = ArkClient(IN_PROCESS_BASE, "sk-test-clock", http=http,
                               lost_creates=LostCreates(settle=0.3, look_every=0.1))
            await client.list(page_size=1)  # any answer tells the service's clock
            task_id = await client.create(text_task(seed=4242))
            return task_id, late[0].landed, ark.stats["create"]

    task_id, landed, creates = asyncio.run(main())
    assert landed == [task_id]
    assert creates == 1
