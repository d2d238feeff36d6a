"""The client against the local server's ASGI app in this event loop (httpx.ASGITransport): no
sockets, no threads, no sleeps. Lost creates are staged by a transport that holds a create back
and lets it land right after the next list was answered."""

from __future__ import annotations

import asyncio
import re

import pytest

from helpers import IN_PROCESS_BASE, PRO, LandsLate, ark_behind, text_task
from storyfilm.ark.client import ArkClient, LostCreates, RetryPolicy
from storyfilm.errors import ApiRefused, CreateUnresolved
from storyfilm.localark.embedded import LOCAL_KEY

NO_WAIT = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)
LOST = f"POST {IN_PROCESS_BASE}/contents/generations/tasks: sent, but no answer came (ReadTimeout after 5 s)"


def connect(http) -> ArkClient:
    return ArkClient(IN_PROCESS_BASE, LOCAL_KEY, http=http, retry=NO_WAIT, lost_creates=LostCreates(settle=0.0))

ENDPOINT = "ep-20250101-abc"  # filter.model takes the Endpoint ID a task was created through (§9.1)


def scenario(action, *, faults: str = "queue=60", lose: int = 0, land: bool = True, **options):
    """Run `action(client, ark, transport)` against a fresh in-process server."""
    async def main():
        async with ark_behind(lambda inner: LandsLate(inner, lose=lose, land=land), faults=faults,
                              **options) as (ark, http, late):
            return await action(connect(http), ark, late)

    return asyncio.run(main())


def test_429_with_retry_after_then_the_answer() -> None:
    async def action(client, ark, _):
        task_id = await client.create(text_task())
        ark.faults = "429@get=1#2,retry_after=0,queue=60"
        task = await client.get(task_id)
        return task_id, task, dict(ark.stats)

    task_id, task, stats = scenario(action)
    assert (task.id, task.status, task.model) == (task_id, "queued", PRO)
    assert (stats["create"], stats["get"], stats["fault:429"]) == (1, 3, 2)


def test_a_create_answered_late_is_found_on_the_second_look() -> None:
    """The create's answer is lost and the task lands only after the first look: the second
    look, a settle window later, finds it. One create, two lists, one task."""
    async def action(client, ark, late):
        task_id = await client.create(text_task(seed=2024))
        return task_id, late.landed, list(ark.tasks), dict(ark.stats), client.known

    task_id, landed, tasks, stats, known = scenario(action, lose=1)
    assert landed == tasks == [task_id] and known == {task_id}
    assert (stats["create"], stats["list"]) == (1, 2)


def test_a_lost_create_that_never_landed_is_sent_again() -> None:
    """The first create is lost on its way: the client looks twice, finds nothing, sends it again."""
    async def action(client, ark, _):
        task_id = await client.create(text_task(seed=7))
        return task_id, list(ark.tasks), dict(ark.stats)

    task_id, tasks, stats = scenario(action, lose=1, land=False)
    assert tasks == [task_id] and (stats["create"], stats["list"]) == (1, 2)


def test_twin_tasks_make_a_lost_create_unresolved() -> None:
    async def main():
        async with ark_behind(lambda inner: LandsLate(inner, lose=0), faults="queue=60") as (ark, http, late):
            ours = connect(http)
            older, newer = [await ours.create(text_task(seed=5150)) for _ in range(2)]
            late.lose = 1
            with pytest.raises(CreateUnresolved) as err:  # another client: the twins are not its own
                await connect(http).create(text_task(seed=5150))
            return older, newer, err.value, dict(ark.stats), len(ark.tasks)

    older, newer, err, stats, made = asyncio.run(main())
    assert err.candidates == (newer, older)  # newest first, as list answers
    assert str(err) == (f"create sent but unanswered ({LOST}); 2 tasks match it: {newer}, {older}. "
                        "Check them before creating again.")
    assert (stats["create"], stats["list"], made) == (3, 1, 3)  # the lost create landed after the look


def test_a_lost_create_whose_lookup_fails_is_unresolved() -> None:
    async def action(client, ark, late):
        ark.faults = "5xx@list=1,queue=60"
        with pytest.raises(CreateUnresolved) as err:
            await client.create(text_task(seed=99))
        return err.value, dict(ark.stats)

    err, stats = scenario(action, lose=1)
    assert re.fullmatch(rf"create sent but unanswered \({re.escape(LOST)}\); looking for the task with list failed "
                        r"too: Ark refused the request \(HTTP 50[0234] InternalServiceError\): The service encountered "
                        r"an unexpected internal error\. Please retry later\. Request id: \S+\. Check the tasks on the "
                        r"service \(its task list, or a gateway's console\) before creating again\.", str(err))
    # the create landed, but list could not show it: every look answered 5xx
    assert (stats["create"], stats["list"], stats["fault:5xx"]) == (1, 4, 4)


def test_a_5xx_on_create_is_looked_up_then_sent_again() -> None:
    async def action(client, ark, _):
        ark.faults = "5xx@create=1#1,queue=60"  # the first create fails before taking effect
        task_id = await client.create(text_task(seed=31337))
        return task_id, list(ark.tasks), dict(ark.stats)

    task_id, tasks, stats = scenario(action)
    assert tasks == [task_id] and stats["create"] == 2 and stats["list"] in (1, 2)  # 500/503: one look


def test_list_sends_every_filter() -> None:
    async def action(client, ark, _):
        a = await client.create(text_task(seed=1, model=ENDPOINT))
        b = await client.create(text_task(seed=2, model=ENDPOINT))
        flex = await client.create(text_task(seed=3, service_tier="flex", model=ENDPOINT))
        await client.delete(a)
        page = await client.list(status="queued", model=ENDPOINT, service_tier="default", task_ids=[a, b, flex],
                                 page_num=1, page_size=1)
        cancelled = await client.list(status="cancelled", task_ids=[a, b])
        flexed = await client.list(service_tier="flex", task_ids=[a, b, flex])
        second = await client.list(task_ids=[a, b, flex], page_num=2, page_size=1)
        return a, b, flex, page, cancelled, flexed, second

    a, b, flex, page, cancelled, flexed, second = scenario(action, endpoints={ENDPOINT: PRO})
    assert (page.total, [t.id for t in page.items]) == (1, [b])
    assert [t.id for t in cancelled.items] == [a] and cancelled.items[0].status == "cancelled"
    assert [t.id for t in flexed.items] == [flex] and flexed.items[0].service_tier == "flex"
    assert (second.total, [t.id for t in second.items]) == (2, [a])  # newest first, default tier: b | a


def test_a_refusal_is_not_retried() -> None:
    async def action(client, ark, _):
        with pytest.raises(ApiRefused) as err:
            await client.get("cgt-nothing")
        return err.value, dict(ark.stats)

    err, stats = scenario(action)
    assert (err.status, err.code, stats["get"]) == (404, "NotFound.TaskId", 1)
