"""Every wait ends: a gateway that refuses the list call is polled task by task, one that refuses
both fails at once with one message, a silent service cannot stretch a task's deadline, and an
unreachable service is named in one message before anything is spent."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from helpers import IN_PROCESS_BASE, TASKS, in_process_ark, run_cli, text_task
from storyfilm.ark.client import ArkClient, RetryPolicy
from storyfilm.errors import ArkError, TaskOverdue, TransportFailed
from storyfilm.rendering.poller import Poller

NO_WAIT = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0)


class Gateway(httpx.AsyncBaseTransport):
    """A gateway in front of the service: it answers `refuse` (a set of "list", "get") with 404
    and, once `silent` is set, lets no request through at all (connection refused)."""

    def __init__(self, inner, refuse: set[str]):
        self.inner, self.refuse, self.silent = inner, refuse, False
        self.seen: list[str] = []

    async def handle_async_request(self, request):
        path = request.url.path
        op = "list" if request.method == "GET" and path.endswith(TASKS) else \
            "get" if request.method == "GET" and TASKS + "/" in path else request.method.lower()
        self.seen.append(op)
        if self.silent:
            raise httpx.ConnectError("connection refused", request=request)
        if op in self.refuse:
            return httpx.Response(404, json={"error": {"code": "NotFound", "message": "no such route"}})
        return await self.inner.handle_async_request(request)


def watched(refuse: set[str], *, faults: str = "", timeout: float = 60.0, silent_after_create: bool = False,
            **poller):
    """Create one task through the gateway and wait for it as a render does: (outcome, ops seen)."""
    async def main():
        gateways: list[Gateway] = []

        def wrap(inner):
            gateways.append(Gateway(inner, refuse))
            return gateways[0]

        async with in_process_ark(wrap=wrap, faults=faults) as (_, http):
            client = ArkClient(IN_PROCESS_BASE, "sk-test", http=http, retry=NO_WAIT)
            task_id = await client.create(text_task())
            gateways[0].silent = silent_after_create
            async with Poller(client, min_interval=0.01, max_interval=0.05, **poller) as watch:
                try:
                    outcome = await asyncio.wait_for(watch.wait(task_id, timeout=timeout), 60)
                except ArkError as exc:
                    outcome = exc
            return task_id, outcome, gateways[0].seen[1:]

    return asyncio.run(main())


def test_a_refused_list_falls_back_to_one_get_per_task() -> None:
    task_id, task, seen = watched({"list"})
    assert task.id == task_id and task.status == "succeeded"
    assert seen[0] == "list" and set(seen[1:]) == {"get"}  # refused once, then never asked again


def test_a_service_that_refuses_list_and_get_fails_at_once_with_one_message() -> None:
    task_id, error, seen = watched({"list", "get"})
    assert seen == ["list", "get"]
    assert str(error) == (
        "the service refused to show the tasks in flight: the task list answered Ark refused the request (HTTP 404 "
        "NotFound): no such route, and reading one task answered Ark refused the request (HTTP 404 NotFound): no "
        f"such route. Tasks {task_id} are still running there and are paid for; check ARK_BASE_URL and "
        "ARK_TASKS_PATH, then run the same command again to pick them up")


def test_a_deadline_holds_when_the_service_stops_answering() -> None:
    task_id, error, seen = watched(set(), faults="queue=60", timeout=0.2, silent_after_create=True)
    assert isinstance(error, TaskOverdue) and str(error).startswith(
        f"task {task_id} was not seen finished before its deadline (the service does not answer: ")
    assert set(seen) == {"list"}


def test_a_silent_service_ends_the_wait_and_names_the_tasks() -> None:
    task_id, error, _ = watched(set(), faults="queue=60", silent_after_create=True, give_up_after=0.2)
    assert type(error) is TransportFailed and f"tasks {task_id} may still be running there and are paid for: " \
        "run the same command again to pick them up" in str(error)


@pytest.mark.parametrize("host", ["127.0.0.1", "no-such-host.invalid"])
def test_an_unreachable_service_is_one_message_and_costs_nothing(tmp_path, host: str) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://{host}:{port}/api/v3"
    story = tmp_path / "s.yaml"
    story.write_text("title: Nobody there\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, "
                     "duration: 2}\nshots:\n  - {id: a, prompt: A lantern.}\n  - {id: b, prompt: A kite., cut: true}\n")
    done = run_cli("film", str(story), cwd=tmp_path, env={"ARK_API_KEY": "sk-test-unreachable", "ARK_BASE_URL": base})
    assert done.returncode == 1
    reason = "All connection attempts failed" if host == "127.0.0.1" else "[Errno -2] Name or service not known"
    assert done.stderr == (f"cannot reach the video service at {host} (ConnectError: {reason}); nothing was sent, "
                           f"nothing was spent. Check the network, or ARK_BASE_URL (now {base}).\n")
    assert "orphan" not in done.stdout + done.stderr and ": failed" not in done.stdout
