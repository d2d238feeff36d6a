"""What a stopped render tells the user: when interrupted (Ctrl-C, SIGTERM), the tasks it leaves
on the service, paid for, and the creates on their way (the journal holds all of them for the next
run); when a shot failed, the shots that never started because they wait on it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from storyfilm.errors import Interrupted, NotCreated, NotStarted


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
