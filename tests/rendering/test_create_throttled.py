"""A create refused with 429 and a Retry-After, past the client's own tries: the shot's next create
waits as long as the service asked (the shot's own backoff would wait 0.5 s), and it is made once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from helpers import IN_PROCESS_BASE, in_process_ark, one_shot
from storyfilm.ark.client import ArkClient
from storyfilm.ark.retry import RetryPolicy
from storyfilm.rendering.executor import Executor
from storyfilm.rendering.store import Store


class PostTimes(httpx.AsyncBaseTransport):
    """Notes when each POST is sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner, self.posts = inner, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.posts.append(time.monotonic())
        return await self.inner.handle_async_request(request)


def test_a_throttled_create_waits_the_retry_after_the_service_sent(tmp_path: Path) -> None:
    graph, job, _ = one_shot(tmp_path / "busy.yaml", "Busy service", "kite", "A kite.")

    async def main():
        seen: list[PostTimes] = []

        def wrap(inner):
            seen.append(PostTimes(inner))
            return seen[0]

        async with in_process_ark(wrap=wrap, faults="429@create=1#1,retry_after=1.5,run=0.1") as (ark, http):
            with Store(tmp_path / ".storyfilm") as store:
                executor = Executor(ArkClient(IN_PROCESS_BASE, "sk-test", http=http, retry=RetryPolicy(attempts=1)), store, backend="in-process",
                                    poll_interval=0.02)
                results = await executor.run(graph)
            return results[job.id].task_id, seen[0].posts, len(ark.tasks), ark.stats["fault:429"]

    task_id, posts, made, refused = asyncio.run(main())
    assert task_id and made == 1 and refused == 1 and len(posts) == 2
    assert posts[1] - posts[0] >= 1.5
