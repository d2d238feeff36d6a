"""How a render ends when a shot fails. Most failures end it at once: the other shots are
cancelled, and their tasks, journaled, are picked up by the next run. A create that could not be
resolved (its answer lost where the task cannot be looked for) ends only the creating: no shot
is created from then on, and the tasks already paid for are polled, fetched and stored before the
render stops with that failure, so the user does not wait for them a second time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from storyfilm.errors import CreateUnresolved

DRAINS = (CreateUnresolved,)  # failures that stop the creating, not the work already paid for


async def settle(shots: dict[str, asyncio.Task[None]], stop_creating: Callable[[str], None]) -> None:
    """Wait for the shots' tasks; the first failure (in `shots`' order) is raised, at once, or, for
    one of DRAINS, once `stop_creating(shot)` was called and every other shot has ended."""
    pending: set[asyncio.Task[None]] = set(shots.values())
    first: BaseException | None = None
    while pending:
        ended, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
        if first is not None:
            continue
        failed = [(shot, task.exception()) for shot, task in shots.items()
                  if task in ended and not task.cancelled() and task.exception() is not None]
        if failed:
            shot, first = failed[0]
            if not isinstance(first, DRAINS):
                raise first
            stop_creating(shot)
    if first is not None:
        raise first
