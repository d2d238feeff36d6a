"""How tasks in flight are watched: one batched list request (`filter.task_ids`) per round for
every task in flight, at an interval that adapts to the tasks' age; a deadline per task; failed
rounds back off by the one retry policy."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from storyfilm.ark.client import ArkClient
from storyfilm.ark.retry import RetryPolicy
from storyfilm.ark.types import Task
from storyfilm.errors import ApiRefused, ArkError, TaskFailed, TaskGone, TaskOverdue

log = logging.getLogger(__name__)


@dataclass
class _Watch:
    future: asyncio.Future[Task]
    started: float
    deadline: float
    on_status: Callable[[Task], None]
    kind: str = ""  # tasks of one kind (model, size) take about as long as each other
    last_status: str = ""
    polled: float = 0.0


class Poller:
    """Watches every task in flight with one `list` request per round (chunks of `batch` ids)."""

    def __init__(self, client: ArkClient, *, min_interval: float = 0.25, max_interval: float = 10.0,
                 batch: int = 100):
        self.client, self.min_interval, self.max_interval, self.batch = client, min_interval, max_interval, batch
        self._backoff = RetryPolicy(base_delay=min_interval, max_delay=max_interval, jitter=0.0)
        self._watches: dict[str, _Watch] = {}
        self._took: dict[str, float] = {}  # kind → the shortest time a task of that kind took
        self._wakeup = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Poller":
        self._runner = asyncio.create_task(self._loop(), name="storyfilm-poller")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)

    async def wait(self, task_id: str, *, timeout: float, on_status: Callable[[Task], None] = lambda t: None,
                   age: float = 0.0, kind: str = "") -> Task:
        """Until the task is terminal: the Task if it succeeded, else TaskFailed (TaskGone if the
        service forgot it); TaskOverdue after `timeout` seconds. `age`: how long it has existed."""
        now = time.monotonic()
        watch = _Watch(asyncio.get_running_loop().create_future(), now - age, now + timeout, on_status, kind,
                       polled=0.0 if age else now)  # a resumed task is looked at at once
        self._watches[task_id] = watch
        self._wakeup.set()
        try:
            return await watch.future
        finally:
            self._watches.pop(task_id, None)

    def _interval(self, watch: _Watch, now: float) -> float:
        age = now - watch.started
        took = self._took.get(watch.kind)
        if took is not None and age < 0.9 * took:
            # its kind took `took` before: little can happen until then, then look often
            return min(self.max_interval, max(self.min_interval, 0.9 * took - age))
        if took is not None:  # due: look often, a little less so the later it is
            return min(self.max_interval, self.min_interval + 0.05 * (age - 0.9 * took))
        # nothing known (or slower than before): polled about ten times over its life so far
        return min(self.max_interval, max(self.min_interval, 0.1 * age))

    async def _loop(self) -> None:
        failures = 0
        while True:
            if not self._watches:
                self._wakeup.clear()
                await self._wakeup.wait()
            now = time.monotonic()
            # one round sees every task: the more in flight, the likelier a round finds news
            spread = math.sqrt(len(self._watches))
            due_at = min(w.polled + max(self.min_interval, self._interval(w, now) / spread)
                         for w in self._watches.values())
            if due_at > now:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=due_at - now)
                except TimeoutError:
                    pass
                continue
            try:
                await self._round()
                failures = 0
            except ArkError as exc:
                if isinstance(exc, ApiRefused) and exc.status != 429 and exc.status < 500:
                    self._fail_all(exc)  # the service will not let us look (401, 403...): nothing to wait for
                    continue
                failures += 1
                log.warning("polling failed (%s); trying again", exc)
                await self._backoff.pause(failures)

    def _fail_all(self, exc: Exception) -> None:
        for watch in self._watches.values():
            if not watch.future.done():
                watch.future.set_exception(exc)

    async def _round(self) -> None:
        ids = [t for t, w in self._watches.items() if not w.future.done()]
        for start in range(0, len(ids), self.batch):
            chunk = ids[start:start + self.batch]
            found = await self.client.list(task_ids=chunk, page_size=len(chunk))
            now = time.monotonic()
            seen = {task.id: task for task in found.items}
            for task_id in chunk:
                watch = self._watches.get(task_id)
                if watch is None or watch.future.done():
                    continue
                watch.polled = now
                task = seen.get(task_id)
                if task is None:
                    await self._missing(task_id, watch)
                else:
                    self._update(task, watch, now)

    def _update(self, task: Task, watch: _Watch, now: float) -> None:
        if task.status != watch.last_status:
            watch.last_status = task.status
            watch.on_status(task)
        if task.done:
            took = now - watch.started
            if task.status == "succeeded" and watch.kind:
                self._took[watch.kind] = min(took, self._took.get(watch.kind, took))
            if task.status == "succeeded":
                watch.future.set_result(task)
            else:
                err = task.error
                watch.future.set_exception(TaskFailed(task.id, task.status, err.code if err else "",
                                                      err.message if err else ""))
        elif now > watch.deadline:
            watch.future.set_exception(TaskOverdue(
                f"task {task.id} is still {task.status} after its deadline; run again to keep waiting"))

    async def _missing(self, task_id: str, watch: _Watch) -> None:
        """A task absent from the list: ask for it alone; a 404 means the service forgot it."""
        try:
            task = await self.client.get(task_id)
        except ApiRefused as exc:
            if exc.status == 404:
                watch.future.set_exception(TaskGone(task_id, "expired", exc.code, "the service no longer knows it"))
                return
            raise
        self._update(task, watch, time.monotonic())
