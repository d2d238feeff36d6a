"""How tasks in flight are watched: one batched list request (`filter.task_ids`) per round for
every task in flight, at an interval that adapts to the tasks' age; failed rounds (also rounds
unanswered after `round_timeout`) back off by the one retry policy.

Every wait ends: a task's deadline holds whether or not the service answers, and a service that
has not answered for `give_up_after` seconds ends the wait with a message naming the tasks still
running there. A gateway whose profile has no list call (seedance/gateways.py), or that refuses it
(4xx other than 429), is polled by GET per task instead, a few at a time and rate limited; one that
refuses both ends the wait at once.
"""

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
from storyfilm.errors import (ApiRefused, ArkError, ListUnreadable, ServiceUnreachable, TaskFailed, TaskGone,
                              TaskOverdue, TransportFailed)
from storyfilm.rendering.unseen import names_the_task, unseen_yet

log = logging.getLogger(__name__)

# A service on this machine answers a list in a few milliseconds and has no rate limit to respect:
# it is looked at up to 20 times a second, so the next shot of a chain starts as soon as its first
# frame exists (at 0.25 s a finished clip waited 0.125 s on average, per shot of the chain). A remote
# service keeps the interval it is given (ark-api.md).
LOOPBACK_INTERVAL = 0.05

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
                 batch: int = 100, give_up_after: float = 120.0, round_timeout: float = 60.0, gets_at_once: int = 4,
                 gets_per_second: float = 10.0):
        self.client, self.min_interval, self.max_interval, self.batch = client, min_interval, max_interval, batch
        self.give_up_after = give_up_after  # seconds without an answer before the wait ends
        self.round_timeout = round_timeout  # a round still unanswered after this long counts as failed
        self.gets_at_once, self.gets_per_second = gets_at_once, gets_per_second
        # set once the list call is refused (or answers what cannot be read): GET per task since
        self.list_refused: ApiRefused | ListUnreadable | None = None
        self._unknown_words: set[str] = set()  # status words not known, each told once
        self._get_answered = False  # a GET per task has found a task: its 404 now means "forgotten"
        self._backoff = RetryPolicy(base_delay=min_interval, max_delay=max_interval, jitter=0.0)
        if client is not None and client.on_this_machine:
            self.min_interval = min(min_interval, LOOPBACK_INTERVAL)
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

    def _live(self) -> dict[str, _Watch]:
        return {t: w for t, w in self._watches.items() if not w.future.done()}

    async def _loop(self) -> None:
        failures, silent_since = 0, 0.0
        while True:
            live = self._live()
            if not live:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            now = time.monotonic()
            # one round sees every task: the more in flight, the likelier a round finds news
            spread = math.sqrt(len(live))
            due_at = min(w.polled + max(self.min_interval, self._interval(w, now) / spread) for w in live.values())
            if due_at > now:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=due_at - now)
                except TimeoutError:
                    pass
                continue
            try:
                async with asyncio.timeout(self.round_timeout):
                    await (self._round(list(live)) if self._lists else self._round_by_get(list(live)))
                failures, silent_since = 0, 0.0
            except TimeoutError:
                failures, silent_since = await self._failed(
                    TransportFailed(f"no answer within {self.round_timeout:g} s"), failures, silent_since)
            except ApiRefused as exc:
                if exc.status == 429 or exc.status >= 500:
                    failures, silent_since = await self._failed(exc, failures, silent_since)
                elif self._lists:
                    self.list_refused = exc
                    log.warning("the service refused the task list (%s); asking for each task instead", exc)
                else:
                    self._fail_all(self._refused_both(exc))
            except ServiceUnreachable as exc:  # never answered at all: nothing to wait for
                self._fail_all(exc)
            except ListUnreadable as exc:  # a list in a shape we cannot read: each task is read alone
                self.list_refused = exc
                log.warning("the task list cannot be read (%s); asking for each task instead", exc)
            except ArkError as exc:
                failures, silent_since = await self._failed(exc, failures, silent_since)

    async def _failed(self, exc: ArkError, failures: int, silent_since: float) -> tuple[int, float]:
        """A round without an answer: deadlines still hold, and so does the patience for silence."""
        now = time.monotonic()
        silent_since = silent_since or now
        for task_id, watch in self._live().items():
            if now > watch.deadline:
                watch.future.set_exception(TaskOverdue(
                    f"task {task_id} was not seen finished before its deadline (the service does not answer: "
                    f"{exc}); it may still be running there: run again to keep waiting", unanswered=True))
        if now - silent_since >= self.give_up_after:
            running = ", ".join(self._live())
            self._fail_all(TransportFailed(
                f"the service has not answered for {now - silent_since:.0f} s ({exc}); tasks {running} may still "
                "be running there and are paid for: run the same command again to pick them up"))
            return 0, 0.0
        log.warning("polling failed (%s); trying again", exc)
        await self._backoff.pause(failures + 1)
        return failures + 1, silent_since

    @property
    def _lists(self) -> bool:
        return self.client.lists and self.list_refused is None

    def _refused_both(self, exc: ApiRefused) -> ArkError:
        running = ", ".join(self._live())
        listed = (f"the task list answered {self.list_refused}" if self.list_refused is not None
                  else f"gateway {self.client.gateway.name} offers no task list")
        return ArkError(f"the service refused to show the tasks in flight: {listed}, and reading one task "
                        f"answered {exc}. Tasks {running} are still "
                        "running there and are paid for; check ARK_BASE_URL and ARK_TASKS_PATH, then run the "
                        "same command again to pick them up")

    def _fail_all(self, exc: Exception) -> None:
        for watch in self._live().values():
            watch.future.set_exception(exc)

    async def _round(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self.batch):
            chunk = ids[start:start + self.batch]
            seen = await self._listed(chunk)
            now = time.monotonic()
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

    async def _listed(self, chunk: list[str]) -> dict[str, Task]:
        """The chunk's tasks by id. A list without filter.service_tier shows the default tier only
        (ark-api.md §9.1): the ids it lacks are asked for once more among the flex tasks."""
        found = await self.client.list(task_ids=chunk, page_size=len(chunk))
        seen = {task.id: task for task in found.items}
        rest = [task_id for task_id in chunk if task_id not in seen]
        if rest:
            flex = await self.client.list(task_ids=rest, page_size=len(rest), service_tier="flex")
            seen.update({task.id: task for task in flex.items if task.id in rest})
        return seen

    async def _round_by_get(self, ids: list[str]) -> None:
        """One GET per task, `gets_at_once` at a time, at most `gets_per_second`. A 404 counts as
        "forgotten" only once some GET has found a task: until then it says this is no tasks API."""
        not_found: ApiRefused | None = None
        for start in range(0, len(ids), self.gets_at_once):
            chunk = ids[start:start + self.gets_at_once]
            began = time.monotonic()
            answers = await asyncio.gather(*(self.client.get(t) for t in chunk), return_exceptions=True)
            now = time.monotonic()
            for task_id, answer in zip(chunk, answers):
                watch = self._watches.get(task_id)
                if watch is None or watch.future.done():
                    continue
                if isinstance(answer, ApiRefused) and answer.status == 404:
                    if self._not_visible_yet(task_id, watch, now, answer):
                        continue
                    not_found = answer
                    if self._get_answered:
                        watch.future.set_exception(TaskGone(task_id, "expired", answer.code,
                                                            "the service no longer knows it"))
                    continue
                if isinstance(answer, BaseException):
                    raise answer
                self._get_answered = True
                watch.polled = now
                self._update(answer, watch, now)
            if isinstance(not_found, ApiRefused) and not self._get_answered:
                raise not_found
            await asyncio.sleep(max(0.0, len(chunk) / self.gets_per_second - (time.monotonic() - began)))

    @staticmethod
    def _not_visible_yet(task_id: str, watch: _Watch, now: float, exc: ApiRefused) -> bool:
        """A 404 for a task created under UNSEEN_GRACE seconds ago: not shown yet (still looked at,
        deadline and all)."""
        if not names_the_task(exc):
            return False
        watch.polled = now
        if now > watch.deadline:
            watch.future.set_exception(TaskOverdue(
                f"task {task_id} was not seen by the service before its deadline; run again to keep waiting"))
            return True
        return unseen_yet(exc, now - watch.started)

    def _update(self, task: Task, watch: _Watch, now: float) -> None:
        unknown = task.unknown_status
        if unknown is not None and unknown not in self._unknown_words:  # told once: not success, nor the end
            self._unknown_words.add(unknown)
            log.warning("task %s: the service says status %r, a word storyfilm does not know: read as still queued "
                        "until its deadline", task.id, unknown)
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
            said = f" (the service says status {unknown!r}, a word storyfilm does not know)" if unknown else ""
            watch.future.set_exception(TaskOverdue(
                f"task {task.id} is still {task.status} after its deadline{said}; run again to keep waiting"))

    async def _missing(self, task_id: str, watch: _Watch) -> None:
        """A task absent from the list: ask for it alone; a 404 means the service forgot it."""
        try:
            task = await self.client.get(task_id)
        except ApiRefused as exc:
            if exc.status == 404:
                if not self._not_visible_yet(task_id, watch, time.monotonic(), exc):
                    watch.future.set_exception(TaskGone(task_id, "expired", exc.code,
                                                        "the service no longer knows it"))
                return
            raise
        self._update(task, watch, time.monotonic())
