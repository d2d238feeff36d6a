"""How a render stops and what it tells the user: SIGTERM cancels it as Ctrl-C does; when
interrupted, the tasks it leaves on the service, paid for, and the creates on their way (the journal
holds all of them for the next run); when a shot failed, the shots that never started because they
wait on it."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from storyfilm.errors import Interrupted, NotCreated, NotStarted

T = TypeVar("T")


async def stopped_by_sigterm(render: Coroutine[Any, Any, T]) -> T:
    """`render`, cancelled by SIGTERM as by Ctrl-C also where SIGINT is ignored (a script's
    `storyfilm film … &`): asyncio then installs no Ctrl-C handler for the CLI's SIGTERM to go
    through, and its KeyboardInterrupt would stop the loop under the render instead of cancelling it."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN or threading.current_thread() is not threading.main_thread():
        return await render
    this, loop, rendered = asyncio.current_task(), asyncio.get_running_loop(), []

    def cancel(signum: int, frame: object) -> None:
        if rendered:  # too late to cancel: stop as Ctrl-C does outside a render
            raise KeyboardInterrupt
        this.cancel()
        loop.call_soon_threadsafe(lambda: None)  # wake the loop from its wait

    previous = signal.signal(signal.SIGTERM, cancel)
    try:
        result = await render
        rendered.append(True)
        return result
    finally:
        signal.signal(signal.SIGTERM, previous)


def not_started(shots: list[str], waits_on: Callable[[str], str | None],
                ended: Mapping[str, asyncio.Future[Any]]) -> list[NotStarted]:
    """The shots (in `shots`' order) that never started: not created once the render had stopped
    creating, or waiting on a shot (its last frame, or its render: `waits_on`) that failed, was not
    created, or itself never started; each names the one that failed. `ended`: each shot's outcome
    (its last frame), a failure as its exception."""
    def outcome(shot: str) -> BaseException | None:
        return ended[shot].exception() if ended[shot].done() and not ended[shot].cancelled() else None

    def ended_itself(shot: str) -> bool:
        failure = outcome(shot)
        return isinstance(failure, NotCreated) or (isinstance(failure, Exception)
                                                   and not isinstance(failure, NotStarted))

    failed = {shot: shot for shot in shots if ended_itself(shot)}  # shot → the failed shot it waits on
    grown = True
    while grown:  # a shot may wait on a later one (the twin that renders first): until nothing is added
        grown = False
        for shot in shots:
            upstream = waits_on(shot)
            if shot not in failed and upstream in failed:
                failed[shot], grown = failed[upstream], True
    told: list[NotStarted] = []
    for shot in (s for s in shots if s in failed):
        root = outcome(failed[shot])
        if failed[shot] != shot:
            ended_as = "was not created: the film had stopped creating tasks" if isinstance(root, NotCreated) else "failed"
            told.append(NotStarted(shot, waits_on(shot) or shot, failed[shot], ended=ended_as))
        elif isinstance(root, NotCreated):
            told.append(root)
    return told


def told(paid: dict[str, tuple[str, str]], sending: list[str]) -> Interrupted:
    """`paid`: shot → (task id, "running" | "downloading"), not yet stored; `sending`: the shots
    whose create was sent and not answered."""
    running = [f"{shot} (task {task})" for shot, (task, state) in paid.items() if state == "running"]
    fetched = [f"{shot} (task {task})" for shot, (task, state) in paid.items() if state != "running"]
    lines = ["interrupted."]
    if running:
        lines.append("Still running on the service, and paid for: " + ", ".join(running) + ".")
    if fetched:
        lines.append("Finished on the service, not yet downloaded: " + ", ".join(fetched) + ".")
    if sending:
        lines.append("A create was on its way for: " + ", ".join(sending) + " (the next run looks for its task "
                     "before creating one).")
    if not (running or fetched or sending):
        lines.append("No task was running on the service.")
    lines.append("Run `storyfilm film` again with the same storyboard to pick them up; nothing is paid twice.")
    return Interrupted("\n".join(lines), tuple(task for task, _ in paid.values()))
