"""Runs a plan: every shot whose inputs are ready renders at once (bounded per model, longest
remaining chain first), cached shots cost nothing, every task id is journaled the moment the
service returns it, and a killed run picks up the tasks it already paid for."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import Fingerprint, LostCreates
from storyfilm.ark.retry import RetryPolicy
from storyfilm.ark.types import Task
from storyfilm.errors import ApiRefused, ResultsGone, StoryfilmError, TaskFailed, TaskGone, TransportFailed, Unanswered
from storyfilm.mediaio import inputs
from storyfilm.plan.jobs import ShotJob
from storyfilm.render.gates import ModelGate, remaining_chain
from storyfilm.render.handoff import handoff_image
from storyfilm.render.poller import Poller
from storyfilm.render.progress import Event, Listener
from storyfilm.render.results import store_results
from storyfilm.render.store import Entry, Store

TASK_TIMEOUT = 30 * 60.0
MAX_ATTEMPTS = 3  # creates per shot per run (a failed or expired task is made again)
# a create the service refused with 429, or whose answer was lost, is sent again after these pauses
CREATE_RETRY = RetryPolicy(attempts=8, base_delay=0.25, max_delay=8.0, jitter=0.0)
THROTTLED = RetryPolicy(base_delay=0.5, max_delay=30.0, jitter=0.0)  # new creates pause after a 429


@dataclass(frozen=True)
class ShotResult:
    job: ShotJob
    key: str
    video: Path
    last_frame: Path
    frame_sha: str
    task_id: str | None
    seed: int | None
    tokens: int | None
    cached: bool



class Executor:
    def __init__(self, client: ArkClient, store: Store, *, backend: str, listener: Listener = lambda e: None,
                 concurrency: int | None = None, rpm: int | None = None, poll_interval: float = 0.25,
                 max_poll_interval: float = 10.0, task_timeout: float = TASK_TIMEOUT,
                 create_client: ArkClient | None = None, max_attempts: int = MAX_ATTEMPTS,
                 lost_creates: LostCreates | None = None):
        self.client, self.store, self.backend, self._listener = client, store, backend, listener
        # creates go through a client that does not retry by itself: a 429 must reach the gate (AIMD)
        self.creator = create_client or client
        self.lost_creates = lost_creates or (client.lost_creates if client is not None else LostCreates())
        self.concurrency, self.rpm, self.task_timeout = concurrency, rpm, task_timeout
        self.poll_interval, self.max_poll_interval, self.max_attempts = poll_interval, max_poll_interval, max_attempts
        self.gates: dict[str, ModelGate] = {}
        self.poller: Poller | None = None
        self.warnings: list[str] = []

    def emit(self, shot: str, kind: str, detail: str = "") -> None:
        if kind == "warning":
            self.warnings.append(f"{shot}: {detail}")
        self._listener(Event(shot, kind, detail, time.time()))

    async def run(self, graph: nx.DiGraph, only: set[str] | None = None) -> dict[str, ShotResult]:
        """Render the shots of `graph` (or only those in `only`, which must hold their upstreams)."""
        nodes = [n for n in nx.topological_sort(graph) if only is None or n in only]
        loop = asyncio.get_running_loop()
        done: dict[str, asyncio.Future[ShotResult]] = {n: loop.create_future() for n in nodes}
        # a shot's last frame is handed on as soon as it is stored, before its video is fetched
        frames: dict[str, asyncio.Future[tuple[Path, str]]] = {n: loop.create_future() for n in nodes}
        priority = remaining_chain(graph, lambda n: graph.nodes[n]["job"].frames)

        async def shot(node: str) -> None:
            try:
                ups = list(graph.predecessors(node))
                if ups and not frames[ups[0]].done():
                    self.emit(node, "pending", f"waiting for shot {ups[0]!r} (its last frame)")
                upstream = await frames[ups[0]] if ups else None

                def frame_ready(path: Path, sha: str) -> None:
                    if not frames[node].done():
                        frames[node].set_result((path, sha))

                done[node].set_result(await self._shot(graph.nodes[node]["job"], upstream, priority[node],
                                                       frame_ready))
            except BaseException as exc:
                done[node].set_exception(exc)
                if not frames[node].done():
                    frames[node].set_exception(exc)
                if not isinstance(exc, asyncio.CancelledError):
                    self.emit(node, "failed", str(exc))
                raise

        async with Poller(self.client, min_interval=self.poll_interval, max_interval=self.max_poll_interval) as poller:
            self.poller = poller
            tasks = [asyncio.create_task(shot(n)) for n in nodes]
            try:
                await asyncio.gather(*tasks)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                for f in [*done.values(), *frames.values()]:
                    if f.done() and not f.cancelled():
                        f.exception()  # mark retrieved: the first failure was raised by gather
        return {n: done[n].result() for n in graph.nodes if n in done}  # storyboard order

    def _gate(self, job: ShotJob) -> ModelGate:
        model = job.model
        if model.id not in self.gates:
            self.gates[model.id] = ModelGate(model.name, self.concurrency or model.concurrency, self.rpm or model.rpm)
        return self.gates[model.id]

    async def _shot(self, job: ShotJob, upstream: tuple[Path, str] | None, priority: float,
                    frame_ready: Callable[[Path, str], None]) -> ShotResult:
        # a shot's own first frame is in its request; a chained shot's comes from upstream
        frame_file, first_frame_sha = upstream if upstream is not None else (None, None)
        key = job.key(first_frame_sha, self.backend)
        entry = self.store.entry(key)
        if entry and entry.status == "done" and self.store.has(entry.video_sha) and self.store.has(entry.frame_sha):
            self.emit(job.id, "cached", key[:12])
            frame_ready(self.store.path(entry.frame_sha), entry.frame_sha)
            return self._result(job, key, entry.video_sha, entry.frame_sha, entry.task_id, entry.seed,
                                entry.tokens, cached=True)
        gate = self._gate(job)
        kind = f"{job.model.id}/{job.width}x{job.height}/{job.frames}"
        attempts, last_error = 0, ""
        while True:
            task_id = await self._paid_for(job, key, entry)
            if task_id is not None:
                gate.occupy()
                age = time.time() - (entry.task_created_at or entry.intent_at or time.time())
            else:
                if attempts >= self.max_attempts:
                    raise StoryfilmError(f"shot {job.id!r}: {attempts} tasks in a row did not succeed; the last: "
                                         f"{last_error}")
                task_id = await self._admitted_create(job, key, gate, priority, frame_file, first_frame_sha)
                attempts, age = attempts + 1, 0.0
            try:
                task = await self.poller.wait(task_id, timeout=self.task_timeout, age=max(0.0, age), kind=kind,
                                              on_status=lambda t: self.emit(job.id, t.status, f"task {t.id}"))
            except TaskFailed as exc:
                self.store.task_failed(key, exc.status, str(exc))
                retry = "; creating it again" if attempts < self.max_attempts else ""
                level = "warning" if isinstance(exc, TaskGone) or exc.status == "expired" else "retry"
                self.emit(job.id, level, f"{exc}{retry}")
                entry, last_error = None, str(exc)
                continue
            finally:
                gate.release()
            try:
                return await self._finish(job, key, task, frame_ready)
            except ResultsGone as exc:
                self.store.task_failed(key, "expired", str(exc))
                self.emit(job.id, "warning", f"{exc}; creating the task again")
                entry, last_error = None, str(exc)

    async def _paid_for(self, job: ShotJob, key: str, entry: Entry | None) -> str | None:
        """The task an earlier run created for this key, if there is one."""
        if entry and entry.status == "created" and entry.task_id:
            self.emit(job.id, "resumed", f"task {entry.task_id}, created by an earlier run")
            return entry.task_id
        if entry and entry.status == "creating":  # it stopped with a create on its way
            return await self._resolve(job, key, "an earlier run stopped while creating")
        return None

    async def _admitted_create(self, job: ShotJob, key: str, gate: ModelGate, priority: float,
                               frame_file: Path | None, first_frame_sha: str | None) -> str:
        if gate.in_flight >= int(gate.limit):
            self.emit(job.id, "waiting", f"a free slot ({gate.describe()})")
        await gate.acquire(priority)
        try:
            return await self._create(job, key, gate, await self._request(job, frame_file), first_frame_sha)
        except BaseException:
            gate.release()
            raise

    async def _request(self, job: ShotJob, frame_file: Path | None) -> dict[str, Any]:
        first_url = None
        if frame_file is not None:
            image = await asyncio.to_thread(handoff_image, Path(frame_file), self.store.scratch)
            first_url = inputs.image_data_url(image)
        return job.request(first_url, inputs.data_url)

    async def _create(self, job: ShotJob, key: str, gate: ModelGate, body: dict[str, Any],
                      first_frame_sha: str | None) -> str:
        fingerprint = Fingerprint.of(body).as_dict()
        material = job.key_material(first_frame_sha, self.backend)
        for attempt in range(CREATE_RETRY.attempts):
            await gate.rate_slot(lambda why: self.emit(job.id, "waiting", why))
            self.store.create_intent(key, job.id, material, fingerprint, job.cost)
            self.emit(job.id, "creating", f"{job.model.name}, {job.tokens:,} tokens")
            try:
                task_id = await self.creator.send_create(body)
            except ApiRefused as exc:
                self.store.create_abandoned(key)
                if exc.status != 429:
                    raise
                gate.throttled(pause=THROTTLED.delay(attempt))
                self.emit(job.id, "retry", f"429 Too Many Requests; concurrency now {int(gate.limit)}")
                continue
            except Unanswered as lost:  # it may have made the task: look before creating again
                self.emit(job.id, "retry", f"create: {lost}")
                await CREATE_RETRY.pause(attempt, lost.retry_after)
                found = await self._resolve(job, key, lost.detail, settled=lost.settled)
                if found is not None:
                    return found
                continue
            except TransportFailed as exc:  # it never reached the service
                self.emit(job.id, "retry", f"create: {exc}")
                await CREATE_RETRY.pause(attempt)
                continue
            self.store.task_created(key, job.id, task_id)
            gate.succeeded()
            self.emit(job.id, "created", f"task {task_id}")
            return task_id
        raise TransportFailed(f"shot {job.id!r}: could not create its task after {CREATE_RETRY.attempts} tries")

    async def _resolve(self, job: ShotJob, key: str, why: str, *, settled: bool = False) -> str | None:
        """A create whose answer was lost (in this run, or a killed one): the task it made, found by
        the one lost-create resolver, so it is not paid for twice; None when the service has none."""
        entry = self.store.entry(key)
        if entry is None or entry.fingerprint is None:
            return None
        fingerprint = Fingerprint.from_dict(json.loads(entry.fingerprint))
        found = await self.lost_creates.resolve(self.client.list, fingerprint, entry.intent_at or time.time(),
                                                self._claimed, settled=settled, why=why)
        if found is not None:
            self.store.task_created(key, job.id, found)
            self.emit(job.id, "adopted", f"task {found}, created before the answer was lost")
        return found

    def _claimed(self) -> set[str]:
        return self.store.claimed_task_ids() | self.client.known | self.creator.known

    async def _finish(self, job: ShotJob, key: str, task: Task,
                      frame_ready: Callable[[Path, str], None]) -> ShotResult:
        self.emit(job.id, "downloading", f"task {task.id}")
        video_sha, frame_sha = await store_results(self.client, self.store, task, frame_ready)
        tokens = task.completion_tokens
        self.store.shot_done(key, video_sha, frame_sha, task.seed, tokens)
        self.emit(job.id, "done", f"task {task.id}")
        return self._result(job, key, video_sha, frame_sha, task.id, task.seed, tokens, cached=False)

    def _result(self, job, key, video_sha, frame_sha, task_id, seed, tokens, *, cached) -> ShotResult:
        return ShotResult(job=job, key=key, video=self.store.path(video_sha), last_frame=self.store.path(frame_sha),
                          frame_sha=frame_sha, task_id=task_id, seed=seed, tokens=tokens, cached=cached)

