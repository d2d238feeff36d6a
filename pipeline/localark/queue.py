"""The local server's task queue: admission (RPM), the queue (per-model concurrency, priority,
flex), each task's life (queued → running → succeeded | failed, or cancelled / expired), and
retention (ark-api.md §8, §10.3).

Time is `clock.now()`, which tests may move forward (`LocalArk.advance`) to reach expiry and
retention without waiting hours; waits inside a task's life (queue faults, run time) are real.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import math
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable

from storyfilm.errors import Refusal, StoryfilmError
from storyfilm.localark import preview
from storyfilm.localark.checks import TaskSpec
from storyfilm.localark.faults import Dice
from storyfilm.localark.tasks import ACTIVE, LocalTask, new_task_id, task_tokens
from storyfilm.mediaio import cores

DAY = 86400.0
FAIL_CODES = (("OutputVideoSensitiveContentDetected",
               "The request failed because the output video may contain sensitive information."),
              ("InternalServiceError",
               "The service encountered an unexpected internal error. Please retry later."))


@dataclass
class Clock:
    offset: float = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@dataclass
class Limits:
    concurrency: int | None = None  # per model; None: the model table's figure
    rpm: int | None = None  # task creations per minute per model; None: the model table's figure
    flex_delay: float = 5.0  # a flex task waits this long before it may start, and yields to default ones
    retention: float = DAY  # media files, and cancelled records
    record_retention: float = 7 * DAY  # task records
    min_run: float = 0.0  # a task runs at least this long
    max_queued: int | None = None  # queued tasks per model before creates get 429 QuotaExceeded
    flex_tpd: int | None = None  # flex tokens per day per model (the service's figure is 250-500 billion)


@dataclass
class _Gate:
    """Per-model slots: waiting tasks start by (default before flex, higher priority, older)."""

    size: int
    busy: int = 0
    waiting: list[tuple[tuple, asyncio.Future[None]]] = field(default_factory=list)

    async def enter(self, rank: tuple) -> None:
        if self.busy < self.size and not self.waiting:
            self.busy += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((rank, future))
        self.waiting.sort(key=lambda w: w[0])
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.leave()  # the slot was handed over just as we were cancelled
            else:
                self.waiting = [w for w in self.waiting if w[1] is not future]
            raise

    def leave(self) -> None:
        self.busy -= 1
        while self.waiting and self.busy < self.size:
            _, future = self.waiting.pop(0)
            if not future.done():
                self.busy += 1
                future.set_result(None)


class TaskQueue:
    def __init__(self, workdir: Path, *, limits: Limits, dice: Callable[[], Dice],
                 notify: Callable[[LocalTask], None], render_slots: int = 2, clock: Clock | None = None):
        self.workdir, self.limits, self.dice, self.notify = workdir, limits, dice, notify
        self.clock = clock or Clock()
        self.tasks: dict[str, LocalTask] = {}
        self._gates: dict[str, _Gate] = {}
        self._created: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._render = asyncio.Semaphore(render_slots)
        self._jobs: dict[str, asyncio.Task[None]] = {}

    # -- admission ---------------------------------------------------------------------

    def admit(self, spec: TaskSpec, base: str) -> LocalTask:
        now = self.clock.now()
        window = self._created[spec.model.id]
        while window and window[0] <= now - 60:
            window.popleft()
        rpm = self.limits.rpm or spec.model.rpm
        if len(window) >= rpm:
            wait = max(1, math.ceil(window[0] + 60 - now))
            raise Refusal(429, "ModelAccountRpmRateLimitExceeded",
                          f"The request has exceeded the RPM limit ({rpm}) of model {spec.model.id}.", "",
                          headers={"Retry-After": str(wait)})
        self._check_quota(spec, now)
        window.append(now)
        if self.dice().hit("noseed", "task"):  # the field taken, the seed not: another one used and reported
            spec = dataclasses.replace(spec, seed=secrets.randbelow(2**31))
        task = LocalTask(id=new_task_id(now), spec=spec, created_at=int(now), updated_at=int(now), base=base)
        self.tasks[task.id] = task
        self.notify(task)
        self._start(task, self._life(task))
        return task

    def _check_quota(self, spec: TaskSpec, now: float) -> None:
        mine = [t for t in self.tasks.values() if t.spec.model.id == spec.model.id]
        limit = self.limits.max_queued
        if limit is not None and sum(t.status == "queued" for t in mine) >= limit:
            raise Refusal(429, "QuotaExceeded", "The request has exceeded the quota.")
        if spec.service_tier == "flex" and self.limits.flex_tpd is not None:
            spent = sum(t.tokens for t in mine if t.spec.service_tier == "flex" and now - t.created_at < DAY)
            if spent + task_tokens(spec) > self.limits.flex_tpd:
                raise Refusal(429, "QuotaExceeded",
                              f"The request has exceeded the flex tier's tokens per day ({self.limits.flex_tpd}) "
                              f"of model {spec.model.id}.")

    # -- delete (ark-api.md §8.2) ------------------------------------------------------

    def delete(self, task: LocalTask) -> None:
        if task.status == "queued":
            self._stop(task)
            self._set(task, "cancelled")
        elif task.status in ("succeeded", "failed", "expired"):
            self._forget(task)
        else:
            raise Refusal(400, "InvalidParameter",
                          f"The task {task.id} is {task.status}; only queued tasks can be cancelled and only "
                          "succeeded, failed or expired tasks deleted.", "id")

    # -- a task's life -----------------------------------------------------------------

    def _start(self, task: LocalTask, coro: Awaitable[None]) -> None:
        job = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._jobs[task.id] = job
        job.add_done_callback(lambda _: self._jobs.pop(task.id, None) if self._jobs.get(task.id) is job else None)

    def _stop(self, task: LocalTask) -> None:
        job = self._jobs.pop(task.id, None)
        if job is not None:
            job.cancel()

    async def _life(self, task: LocalTask) -> None:
        dice = self.dice()
        spec = task.spec
        await asyncio.sleep(dice.seconds(dice.faults.queue))
        if spec.service_tier == "flex":
            await asyncio.sleep(self.limits.flex_delay)
        gate = self._gates.setdefault(spec.model.id, _Gate(self.limits.concurrency or spec.model.concurrency))
        await gate.enter((spec.service_tier == "flex", -spec.priority, task.order))
        try:
            self._set(task, "running")
            started = time.monotonic()
            failing = dice.hit("fail", "task")  # decided now: a task that will fail renders nothing
            task.no_last_frame = dice.hit("nolast", "task")
            if not failing and not await self._render_files(task):
                return
            rest = max(self.limits.min_run, dice.seconds(dice.faults.run)) - (time.monotonic() - started)
            if rest > 0:
                await asyncio.sleep(rest)
            if failing:
                code, message = dice.choice(FAIL_CODES)
                task.error = {"code": code, "message": message}
                self._set(task, "failed")
            else:
                self._set(task, "succeeded")
        finally:
            gate.leave()

    async def _render_files(self, task: LocalTask) -> bool:
        """Render the task's files; on an FFmpeg failure the task fails (InternalServiceError)."""
        folder = self.workdir / task.files
        folder.mkdir(parents=True, exist_ok=True)
        try:
            async with self._render:
                await asyncio.to_thread(_render_on_a_core, task.spec, folder / task.video_name,
                                        folder / "last_frame.png" if task.spec.return_last_frame else None)
        except StoryfilmError as exc:
            task.error = {"code": "InternalServiceError", "message": str(exc).splitlines()[0][:300]}
            self._set(task, "failed")
            return False
        return True

    def _set(self, task: LocalTask, status: str) -> None:
        task.status = status
        task.updated_at = int(self.clock.now())
        if status not in ACTIVE:
            task.finished_at = self.clock.now()
        self.notify(task)

    # -- expiry and retention ----------------------------------------------------------

    def sweep(self) -> None:
        now = self.clock.now()
        for task in list(self.tasks.values()):
            age = now - task.created_at
            if task.status in ACTIVE and age > task.spec.execution_expires_after:
                self._stop(task)
                task.error = None
                self._set(task, "expired")
            elif task.status == "cancelled" and now - (task.finished_at or now) > self.limits.retention:
                self._forget(task)
            elif age > self.limits.record_retention:
                self._forget(task)
            elif task.status not in ACTIVE and now - (task.finished_at or now) > self.limits.retention:
                shutil.rmtree(self.workdir / task.files, ignore_errors=True)  # media URLs live 24 h

    def _forget(self, task: LocalTask) -> None:
        self._stop(task)
        self.tasks.pop(task.id, None)
        shutil.rmtree(self.workdir / task.files, ignore_errors=True)

    async def aclose(self) -> None:
        jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)


def _render_on_a_core(spec: TaskSpec, video: Path, last_frame: Path | None) -> None:
    with cores.MACHINE.foreground():  # before any background ffmpeg of this process (mediaio/cores.py)
        preview.render_task(spec, video, last_frame)
