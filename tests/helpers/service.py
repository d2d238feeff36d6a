"""The local Ark service as a client sees it: raw requests over a socket, its error answers, the
requests it counted, the faults it injects and the tasks it holds."""

from __future__ import annotations

import contextlib

from storyfilm.localark.embedded import LocalServer

TASKS = "/contents/generations/tasks"

PRO = "doubao-seedance-1-0-pro-250528"


def ark_http(server, method: str, path: str = "", *, key: str | None = "local-preview", **kw):
    """One raw request to a LocalServer's tasks API over a real socket (no retries)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    with httpx.Client(headers=headers, timeout=30) as http:
        return http.request(method, server.base_url + TASKS + path, **kw)


def wait_status(server, task_id: str, statuses: set[str], timeout: float = 30.0) -> dict:
    """Poll a task over HTTP until its status is one of `statuses`; its JSON."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        body = ark_http(server, "GET", f"/{task_id}").json()
        if body.get("status") in statuses or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def text_task(**params) -> dict:
    """A small, cheap create body (1.0 pro, 480p, 2 s)."""
    body = {"model": PRO, "content": [{"type": "text", "text": "A paper boat drifts on a pond."}],
            "resolution": "480p", "duration": 2}
    body.update(params)
    return body


def error_of(response, status: int, code: str, param: str, message: str) -> None:
    """The service's error answer, exactly: status, code, param, type and message with the request id."""
    reasons = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "BadRequest", 429: "TooManyRequests"}
    assert (response.status_code, response.json()) == (status, {"error": {
        "code": code, "param": param, "type": reasons[status],
        "message": f"{message} Request id: {response.headers['X-Request-Id']}"}})


def server_counts(server: LocalServer) -> dict[str, int]:
    return dict(server.ark.stats)


def counted(before: dict[str, int], server: LocalServer) -> dict[str, int]:
    """Requests the server saw since `before`, by operation (zeros left out)."""
    now = server.ark.stats
    return {k: now[k] - before.get(k, 0) for k in now if now[k] - before.get(k, 0)}


@contextlib.contextmanager
def faults_on(server, spec: str):
    """The local server injects `spec` (localark/faults.py) inside the block, and nothing after it."""
    from storyfilm.localark.faults import Faults

    server.ark.faults = Faults.parse(spec)
    try:
        yield
    finally:
        server.ark.faults = Faults.parse("")


def tasks_by_seed(server, seeds: set[int]) -> dict[int, list[str]]:
    """What the service holds for our seeds, read through its own list API (ark-api.md §9)."""
    import asyncio

    from storyfilm.ark.client import ArkClient

    async def read():
        async with ArkClient(server.base_url, "sk-test-reader") as client:
            return await client.list(page_size=500)

    found: dict[int, list[str]] = {}
    for task in asyncio.run(read()).items:
        if task.seed in seeds:
            found.setdefault(task.seed, []).append(task.id)
    return found


def paid_tasks(server, seeds: dict[int, str]) -> dict[str, list[tuple[str, str]]]:
    """Per shot (found by its pinned seed), the (task id, status) of every task the service made
    for it, read through the service's own list API; a cancelled task costs nothing and is left out."""
    import asyncio

    from storyfilm.ark.client import ArkClient

    async def read():
        async with ArkClient(server.base_url, "sk-test-reader") as client:
            return await client.list(page_size=500)

    found: dict[str, list[tuple[str, str]]] = {}
    for task in asyncio.run(read()).items:
        if task.seed in seeds and task.status != "cancelled":
            found.setdefault(seeds[task.seed], []).append((task.id, task.status))
    return found
