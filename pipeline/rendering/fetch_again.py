"""A finished shot whose stored clip or last frame is missing or damaged: fetched again from its
task while the service still serves its results (free), else rendered again, and the user told
why and what that costs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from storyfilm.ark.client import ArkClient
from storyfilm.ark.types import Task
from storyfilm.errors import ApiRefused, ResultsGone
from storyfilm.planning.jobs import ShotJob
from storyfilm.rendering.store import Entry

Result = TypeVar("Result")
WHY = "its stored clip or last frame is missing or damaged"


async def fetch_again(client: ArkClient | None, job: ShotJob, entry: Entry,
                      finish: Callable[[Task], Awaitable[Result | None]],
                      emit: Callable[[str, str, str], Any]) -> Result | None:
    """The shot's result, its task's results stored again by `finish` (None from it: the task made
    another video than the one recorded); None when it must render again."""
    if entry.task_id and client is not None:
        try:
            task = await client.get(entry.task_id)
            if task.status == "succeeded" and task.video_url:
                result = await finish(task)
                if result is not None:
                    emit(job.id, "warning", f"{WHY}; fetched again from task {task.id}, nothing paid")
                    return result
                gone = f"task {task.id} made another video than the one recorded (another shot's task?)"
            else:
                gone = f"task {task.id} is {task.status}"
        except ResultsGone as exc:
            gone = str(exc)
        except ApiRefused as exc:
            if exc.status != 404:
                raise
            gone = f"the service no longer knows task {entry.task_id}"
    else:
        gone = "no task is known for it"
    emit(job.id, "warning", f"{WHY}, and {gone}: rendering it again costs {job.cost:.2f} CNY")
    return None
