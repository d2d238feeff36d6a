"""What a stopped render tells the user: when interrupted (Ctrl-C, SIGTERM), the tasks it leaves
on the service, paid for, and the creates on their way (the journal holds all of them for the next
run); when a shot failed, the shots that never started because they wait on it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from storyfilm.errors import Interrupted, NotStarted


def not_started(shots: list[str], waits_on: Callable[[str], str | None],
                ended: Mapping[str, asyncio.Future[Any]]) -> list[NotStarted]:
    """The shots (in `shots`' order) that never started because the shot they wait on (its last
    frame, or its render: `waits_on`) failed or itself never started; each names the one that
    failed. `ended`: each shot's outcome (its last frame), a failure as its exception."""
    def failed_itself(shot: str) -> bool:
        outcome = ended[shot]
        return (outcome.done() and not outcome.cancelled() and isinstance(outcome.exception(), Exception)
                and not isinstance(outcome.exception(), NotStarted))

    failed = {shot: shot for shot in shots if failed_itself(shot)}  # shot → the failed shot it waits on
    grown = True
    while grown:  # a shot may wait on a later one (the twin that renders first): until nothing is added
        grown = False
        for shot in shots:
            upstream = waits_on(shot)
            if shot not in failed and upstream in failed:
                failed[shot], grown = failed[upstream], True
    return [NotStarted(shot, waits_on(shot) or shot, failed[shot]) for shot in shots
            if shot in failed and failed[shot] != shot]


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
