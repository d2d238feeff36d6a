"""The local service's ASGI app in the test's own event loop (no sockets, no threads)."""

from __future__ import annotations

import contextlib

import httpx


IN_PROCESS_BASE = "http://ark.test/api/v3"


@contextlib.asynccontextmanager
async def in_process_ark(*, wrap=None, **options):
    """The local server's ASGI app in this event loop (no sockets, no threads): yields the
    LocalArk (tasks, stats, faults) and an httpx.AsyncClient for ArkClient(IN_PROCESS_BASE, ...,
    http=...). `wrap` puts a test transport in front of the app."""
    from storyfilm.localark.app import LocalArk

    options.setdefault("faults", "")
    ark = LocalArk(**options)
    transport = httpx.ASGITransport(app=ark.app())
    try:
        async with httpx.AsyncClient(transport=wrap(transport) if wrap else transport) as http:
            yield ark, http
    finally:
        await ark.aclose()


@contextlib.asynccontextmanager
async def ark_behind(make, **options):
    """`in_process_ark` with the transport `make(inner)` (a LandsLate, say) in front of the app:
    yields the LocalArk, the httpx.AsyncClient and that transport."""
    made: list = []

    def wrap(inner):
        made.append(make(inner))
        return made[0]

    async with in_process_ark(wrap=wrap, **options) as (ark, http):
        yield ark, http, made[0]


@contextlib.asynccontextmanager
async def ark_in_process(key: str | None = "local-preview", **options):
    """`in_process_ark` for raw requests: `http` is rooted at IN_PROCESS_BASE (requests go to
    TASKS...) and sends `key` as its bearer token (None: no Authorization header)."""
    async with in_process_ark(**options) as (ark, http):
        http.base_url = IN_PROCESS_BASE
        if key is not None:
            http.headers["Authorization"] = f"Bearer {key}"
        yield ark, http


async def settled(ark, task_id: str, statuses: set[str], timeout: float = 30.0) -> str:
    """Let the server's loop run until the task's status is one of `statuses`; that status."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while (status := ark.tasks[task_id].status) not in statuses:
        assert time.monotonic() < deadline, f"{task_id} is still {status}, not {statuses}"
        await asyncio.sleep(0.005)
    return status


async def until_done(client, task_id: str, *, timeout: float = 120.0):
    """Wait for one task the way a render does (the poller): the Task, or TaskFailed."""
    from storyfilm.rendering.poller import Poller

    async with Poller(client, min_interval=0.05, max_interval=0.5) as poller:
        return await poller.wait(task_id, timeout=timeout)
