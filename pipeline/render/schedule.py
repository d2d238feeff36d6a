"""When shots may start and how their tasks are watched.

- `remaining_chain`: a shot's priority, the longest chain of work that still hangs on it, so the
  critical path starts first.
- `ModelGate`: per model, how many tasks may be in flight (AIMD: halve on 429, grow back by one
  per window of successes) and how many creates a minute may be sent (the account's RPM).
- `Poller`: one batched list request (`filter.task_ids`) per round for every task in flight, at an
  interval that adapts to the tasks' age; a deadline per task.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from storyfilm.ark.client import ArkClient
from storyfilm.ark.types import Task
from storyfilm.errors import ApiRefused, ArkError, TaskFailed, TaskGone, TaskOverdue

log = logging.getLogger(__name__)


def remaining_chain(graph: nx.DiGraph, weight: Callable[[str], float]) -> dict[str, float]:
    """For every shot: its own weight plus the heaviest chain of shots that wait on it."""
    longest: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        longest[node] = weight(node) + max((longest[s] for s in graph.successors(node)), default=0.0)
    return longest


class ModelGate:
    """Admission for one model: a priority queue of shots waiting for an in-flight slot, AIMD on the
    slot count, and a sliding one-minute window of creates for the RPM limit."""

    def __init__(self, name: str, limit: int, rpm: int, *, clock: Callable[[], float] = time.monotonic):
        self.name, self.max_limit, self.rpm, self.clock = name, max(1, limit), max(1, rpm), clock
        self.limit = float(self.max_limit)
        self.in_flight = 0
        self.throttled_until = 0.0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._creates: deque[float] = deque()

    def describe(self) -> str:
        return f"{self.name}: {self.in_flight}/{int(self.limit)} tasks in flight"

    async def acquire(self, priority: float) -> None:
        """Wait for an in-flight slot; the waiter with the highest priority goes first."""
        if self.in_flight < int(self.limit) and not self._waiters:
            self.in_flight += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._seq), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # a slot was handed over just as we were cancelled
            raise

    def occupy(self) -> None:
        """Count a task that is already in flight (resumed) without waiting."""
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < int(self.limit):
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self.in_flight += 1
                future.set_result(None)

    def throttled(self, pause: float) -> None:
        """The service said 429: halve the concurrency and pause new creates for a while."""
        self.limit = max(1.0, math.floor(self.limit / 2))
        self.throttled_until = max(self.throttled_until, self.clock() + pause)

    def succeeded(self) -> None:
        """A create went through: grow back by one slot per `limit` successes (additive increase)."""
        if self.limit < self.max_limit:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)
            self._wake()

    def rate_wait(self) -> tuple[float, str]:
        """Seconds to wait before the next create may be sent, and why ("" when it may go now)."""
        now = self.clock()
        while self._creates and self._creates[0] <= now - 60.0:
            self._creates.popleft()
        if self.throttled_until > now:
            return self.throttled_until - now, f"{self.name}: backing off after 429 Too Many Requests"
        if len(self._creates) >= self.rpm:
            return self._creates[0] + 60.0 - now, f"{self.name}: {self.rpm} creates/min limit"
        return 0.0, ""

    async def rate_slot(self, waiting: Callable[[str], None]) -> None:
        """Wait until a create is allowed by the RPM window and any 429 back-off, then record it."""
        while True:
            delay, why = self.rate_wait()
            if delay <= 0:
                self._creates.append(self.clock())
                return
            waiting(why)
            await asyncio.sleep(delay)


@dataclass
class _Watch:
    future: asyncio.Future[Task]
    started: float
    deadline: float
    on_status: Callable[[Task], None]
    kind: str = ""  # tasks of one kind (model, size) take about as long as each other
    last_status: str = ""
    polled: float = 0.0
    missing: int = 0


@dataclass
class PollStats:
    rounds: int = 0
    requests: int = 0
    noticed: list[float] = field(default_factory=list)  # seconds from start to noticing, per task


class Poller:
    """Watches every task in flight with one `list` request per round (chunks of `batch` ids)."""

    def __init__(self, client: ArkClient, *, min_interval: float = 0.25, max_interval: float = 10.0,
                 batch: int = 100):
        self.client, self.min_interval, self.max_interval, self.batch = client, min_interval, max_interval, batch
        self.stats = PollStats()
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
            except ApiRefused as exc:
                if exc.status in (429,) or exc.status >= 500:
                    failures += 1
                    log.warning("polling answered %s; trying again", exc)
                    await asyncio.sleep(min(self.max_interval, self.min_interval * 2 ** failures))
                else:  # the service will not let us look (401, 403...): nothing to wait for
                    for watch in self._watches.values():
                        if not watch.future.done():
                            watch.future.set_exception(exc)
            except ArkError as exc:
                failures += 1
                log.warning("polling failed (%s); trying again", exc)
                await asyncio.sleep(min(self.max_interval, self.min_interval * 2 ** failures))

    async def _round(self) -> None:
        ids = [t for t, w in self._watches.items() if not w.future.done()]
        self.stats.rounds += 1
        for start in range(0, len(ids), self.batch):
            chunk = ids[start:start + self.batch]
            self.stats.requests += 1
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
        watch.missing = 0
        if task.status != watch.last_status:
            watch.last_status = task.status
            watch.on_status(task)
        if task.done:
            took = now - watch.started
            self.stats.noticed.append(took)
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
