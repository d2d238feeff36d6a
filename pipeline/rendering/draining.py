"""How a render ends when a shot fails. A failure that is the shot's own (`drains`) ends only the
creating: no shot is created from then on, and the tasks already paid for are polled, fetched and
stored before the render stops with that failure, so the user does not wait for them a second
time (and their result URLs, which last 24 h, are not left to expire). Any other failure says the
service cannot be used (the key refused, no tasks API at that URL, no answer at all: every poll
would fail too) and ends the render at once: the other shots are cancelled, and their tasks,
journaled, are picked up by the next run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from storyfilm.errors import (ApiRefused, CreateUnresolved, MediaChanged, NotStarted, ResultsUnusable, ShotGaveUp,
                              TaskFailed, TaskOverdue)

# one shot's failures: its create unresolved, its task failed for good (or succeeded without a
# video, or with one that never came whole), ran past its deadline, a media file of its request
# edited meanwhile
DRAINS = (CreateUnresolved, ShotGaveUp, TaskFailed, TaskOverdue, MediaChanged, ResultsUnusable)


def drains(failure: BaseException) -> bool:
    """Whether `failure` stops the creating only, not the work already paid for."""
    if isinstance(failure, ApiRefused):  # 400: this request is bad; 401/403/404/429/5xx: the service's
        return failure.status == 400
    if isinstance(failure, TaskOverdue) and failure.unanswered:  # no poll answered: nothing to wait for
        return False
    return isinstance(failure, DRAINS)


async def settle(shots: dict[str, asyncio.Task[None]], stop_creating: Callable[[str], None]) -> None:
    """Wait for the shots' tasks; the first failure (in `shots`' order) is raised, at once, or, for
    one that `drains`, once `stop_creating(shot)` was called and every other shot has ended. A
    failure that does not drain, met while draining, is raised at once: the service has become
    unusable, and the shots' own failures were told as they came."""
    pending: set[asyncio.Task[None]] = set(shots.values())
    first: BaseException | None = None
    while pending:
        ended, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
        failed = [(shot, task.exception()) for shot, task in shots.items()
                  if task in ended and not task.cancelled() and task.exception() is not None]
        if first is not None:
            # a shot that never started (it waits on a failed one, or was never created) is no news
            later = [exc for _, exc in failed if not drains(exc) and not isinstance(exc, NotStarted)]
            if later:
                raise later[0]
            continue
        if failed:
            shot, first = failed[0]
            if not drains(first):
                raise first
            stop_creating(shot)
    if first is not None:
        raise first
