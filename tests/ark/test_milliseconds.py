"""A service (or gateway) that writes created_at in milliseconds, not the seconds ark-api.md §7.1
documents: read leniently (a value past 10^11 is milliseconds), so a lost create's task is still
found by its time and never created twice."""

from __future__ import annotations

import asyncio
import json

import httpx

from helpers import IN_PROCESS_BASE, LandsLate, in_process_ark, text_task
from storyfilm.ark.client import ArkClient, LostCreates
from storyfilm.ark.types import Task


class Milliseconds(httpx.AsyncBaseTransport):
    """The service with every created_at / updated_at it answers in milliseconds."""

    def __init__(self, inner):
        self.inner = inner

    async def handle_async_request(self, request):
        answer = await self.inner.handle_async_request(request)
        body = await answer.aread()
        try:
            data = json.loads(body)
        except ValueError:
            return httpx.Response(answer.status_code, headers=answer.headers, content=body, request=request)
        for task in (data.get("items") or [data]) if isinstance(data, dict) else []:
            for name in ("created_at", "updated_at"):
                if isinstance(task, dict) and isinstance(task.get(name), int):
                    task[name] = task[name] * 1000 + 250
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        return httpx.Response(answer.status_code, headers=headers, content=json.dumps(data).encode(), request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_lost_create_on_a_service_writing_milliseconds_is_found() -> None:
    async def main():
        late: list[LandsLate] = []

        def wrap(inner):
            late.append(LandsLate(Milliseconds(inner), lose=1))
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
