"""Runs a plan: every shot whose inputs are ready renders at once (bounded per model, longest
remaining chain first), cached shots cost nothing, every task id is journaled the moment the
service returns it, and a killed run picks up the tasks it already paid for (creates.py).

A stored result that is missing or damaged is fetched again from its task (fetch_again.py). A
failed shot ends the render as draining.py says. An interrupted run (Ctrl-C, SIGTERM) stops its
ffmpeg runs and raises Interrupted naming the tasks still paid for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from storyfilm.ark.client import ArkClient
from storyfilm.ark.lost_create import LostCreates
from storyfilm.ark.types import Task
from storyfilm.errors import (Interrupted, NotCreated, NotStarted, ResultsGone, ServiceUnreachable, ShotGaveUp,
                              TaskFailed, TaskGone, WrongTasksPath)
from storyfilm.mediaio import inputs, runner
from storyfilm.planning.jobs import ShotJob
from storyfilm.rendering import draining, interruption
from storyfilm.rendering.creates import Creates
from storyfilm.rendering.gates import CreatesStopped, ModelGate, remaining_chain
from storyfilm.rendering.fetch_again import fetch_again
from storyfilm.rendering.handoff import handoff_image
from storyfilm.rendering.poller import Poller
from storyfilm.rendering.progress import Event, Listener
from storyfilm.rendering.results import gone_too_soon, returned, store_results
from storyfilm.rendering.store import Entry, Store
from storyfilm.rendering.twins import SameRenders

TASK_TIMEOUT = 30 * 60.0
MAX_ATTEMPTS = 3  # creates per shot per run (a failed or expired task is made again)
WHOLE_RUN = (ServiceUnreachable, WrongTasksPath)  # the settings' fault, not a shot's: told once, as the run's end


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
    returned: dict[str, Any] | None = None  # what the task answered (results.returned); None when cached


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
        self.creates = Creates(client, self.creator, store, self.lost_creates, self.emit) if client else None
        self.paid: dict[str, tuple[str, str]] = {}  # shot → (task id, "running" | "downloading"), not yet stored
        self.creating: dict[str, str] = {}  # shot → key: its journal row tells a create on its way
        self.same = SameRenders(self.emit)  # shots with one key: rendered once
        self.stopped: str | None = None  # the shot whose failure stopped the creating (draining.py)

    def emit(self, shot: str, kind: str, detail: str = "") -> None:
        if kind == "warning":
            self.warnings.append(f"{shot}: {detail}")
        self._listener(Event(shot, kind, detail, time.time()))

    async def run(self, graph: nx.DiGraph, only: set[str] | None = None) -> dict[str, ShotResult]:
        """Render the shots of `graph` (or only those in `only`, which must hold their upstreams)."""
        nodes = [n for n in nx.topological_sort(graph) if only is None or n in only]
        loop = asyncio.get_running_loop()
        done: dict[str, asyncio.Future[ShotResult]] = {n: loop.create_future() for n in nodes}
        self.same.done = done
        # a shot's last frame is handed on as soon as it is stored, before its video is fetched
        frames: dict[str, asyncio.Future[tuple[Path, str]]] = {n: loop.create_future() for n in nodes}
        priority = remaining_chain(graph, lambda n: graph.nodes[n]["job"].frames)

        async def shot(node: str) -> None:
            try:
                ups = list(graph.predecessors(node))
                if ups and not frames[ups[0]].done():
                    self.emit(node, "pending", f"waiting for shot {ups[0]!r} (its last frame)")
                try:
                    upstream = await frames[ups[0]] if ups else None
                except WHOLE_RUN:
                    raise
                except Exception as exc:  # the shot it starts from failed (or never started): it never starts
                    raise NotStarted(node, ups[0], exc.failed if isinstance(exc, NotStarted) else ups[0]) from None

                def frame_ready(path: Path, sha: str) -> None:
                    if not frames[node].done():
                        frames[node].set_result((path, sha))

                done[node].set_result(await self._shot(graph.nodes[node]["job"], upstream, priority[node],
                                                       frame_ready))
            except BaseException as exc:
                done[node].set_exception(exc)
                if not frames[node].done():
                    frames[node].set_exception(exc)
                if not isinstance(exc, (asyncio.CancelledError, *WHOLE_RUN, NotStarted)):
                    self.emit(node, "failed", str(exc))
                raise

        async with Poller(self.client, min_interval=self.poll_interval, max_interval=self.max_poll_interval) as poller:
            self.poller = poller
            tasks: dict[str, asyncio.Task[None]] = {}
            try:
                # an interrupted render leaves no ffmpeg behind: its shots' worker threads see this group
                with runner.stopped_on_exit():
                    tasks.update((n, asyncio.create_task(shot(n))) for n in nodes)
                    await draining.settle(tasks, self._stop_creating)
            except asyncio.CancelledError:
                raise self.interrupted() from None
            except Exception as exc:  # told as the shot that failed, whichever follower gave up first
                failure = frames[exc.failed].exception() if isinstance(exc, NotStarted) else exc
                if not isinstance(failure, WHOLE_RUN):
                    self._tell_not_started(graph, nodes, frames, failure)
                raise failure
            finally:
                for t in tasks.values():
                    t.cancel()
                await asyncio.gather(*tasks.values(), return_exceptions=True)
                for f in [*done.values(), *frames.values()]:
                    if f.done() and not f.cancelled():
                        f.exception()  # mark retrieved: the first failure was raised by gather
        return {n: done[n].result() for n in graph.nodes if n in done}  # storyboard order

    def _tell_not_started(self, graph: nx.DiGraph, nodes: list[str], frames: dict[str, asyncio.Future],
                          failure: BaseException) -> None:
        """`failure` stopped the render: each shot that waits on a failed shot (its last frame, or
        its render) is told "not started", in the progress and in the message."""
        def waits_on(node: str) -> str | None:
            return self.same.twins.get(node) or next(iter(graph.predecessors(node)), None)

        for told in interruption.not_started(nodes, waits_on, frames):
            self.emit(told.shot, "not_started", told.reason)
            failure.add_note(f"{told.shot}: not started: {told.reason}")

    def _stop_creating(self, failed: str) -> None:
        self.stopped = failed
        for gate in self.gates.values():
            gate.stop(failed)

    def _gate(self, job: ShotJob) -> ModelGate:
        model = job.model
        if model.id not in self.gates:
            self.gates[model.id] = ModelGate(model.name, self.concurrency or model.concurrency, self.rpm or model.rpm)
            if self.stopped is not None:
                self.gates[model.id].stop(self.stopped)
        return self.gates[model.id]

    async def _shot(self, job: ShotJob, upstream: tuple[Path, str] | None, priority: float,
                    frame_ready: Callable[[Path, str], None]) -> ShotResult:
        # a shot's own first frame is in its request; a chained shot's comes from upstream
        frame_file, first_frame_sha = upstream if upstream is not None else (None, None)
        key = job.key(first_frame_sha, self.backend)
        first = self.same.first_of(key, job.id)
        if first is not None:
            return await self.same.take(job, first, frame_ready)
        self.creating[job.id] = key
        entry = self.store.entry(key)
        if entry and entry.status == "done":
            if self.store.has(entry.video_sha) and self.store.has(entry.frame_sha):
                self.emit(job.id, "cached", key[:12])
                frame_ready(self.store.path(entry.frame_sha), entry.frame_sha)
                return self._result(job, key, entry.video_sha, entry.frame_sha, entry.task_id, entry.seed,
                                    entry.tokens, cached=True)
            fetched = await fetch_again(self.client, job, entry, lambda task: self._finish(
                job, key, task, frame_ready, recorded=entry.video_sha), self.emit)
            if fetched is not None:
                return fetched
        gate = self._gate(job)
        kind = f"{job.model.id}/{job.width}x{job.height}/{job.frames}"
        attempts, last_error = 0, ""
        while True:
            task_id = await self._paid_for(job, key, entry)
            if task_id is not None:
                gate.occupy()
                age = time.time() - (entry.created_at or entry.sent_at or time.time()) if entry else 0.0
            else:
                if attempts >= self.max_attempts:
                    raise ShotGaveUp(f"shot {job.id!r}: {attempts} tasks in a row did not succeed; the last: "
                                     f"{last_error}")
                task_id = await self._admitted_create(job, key, gate, priority, frame_file, first_frame_sha)
                attempts, age = attempts + 1, 0.0
            self.paid[job.id] = (task_id, "running")
            created = time.time() - max(0.0, age)  # on our clock: how long its result URLs have been there, at most
            try:
                task = await self.poller.wait(task_id, timeout=self.task_timeout, age=max(0.0, age), kind=kind,
                                              on_status=lambda t: self.emit(job.id, t.status, f"task {t.id}"))
            except TaskFailed as exc:
                self.paid.pop(job.id, None)
                self.store.task_failed(key, exc.status, str(exc))
                retry = "; creating it again" if attempts < self.max_attempts else ""
                level = "warning" if isinstance(exc, TaskGone) or exc.status == "expired" else "retry"
                self.emit(job.id, level, f"{exc}{retry}")
                entry, last_error = None, str(exc)
                continue
            finally:
                gate.release()
            await self.creates.late_duplicates(job, key, task.id)
            try:
                return await self._finish(job, key, task, frame_ready)
            except ResultsGone as exc:
                young = gone_too_soon(exc, job.id, task.id, created=created)
                if young is not None:
                    raise young from None
                self.store.task_failed(key, "expired", str(exc))
                self.emit(job.id, "warning", f"{exc}; creating the task again")
                entry, last_error = None, str(exc)

    async def _paid_for(self, job: ShotJob, key: str, entry: Entry | None) -> str | None:
        """The task an earlier run created for this key, if there is one."""
        if entry and entry.status == "created" and entry.task_id:
            self.emit(job.id, "resumed", f"task {entry.task_id}, created by an earlier run")
            return entry.task_id
        if entry and entry.status == "creating":  # it stopped with a create on its way
            return await self.creates.resolve(job, key, "an earlier run stopped while creating")
        return None

    async def _admitted_create(self, job: ShotJob, key: str, gate: ModelGate, priority: float,
                               frame_file: Path | None, first_frame_sha: str | None) -> str:
        try:
            if gate.in_flight >= int(gate.limit) and gate.stopped is None:
                self.emit(job.id, "waiting", f"a free slot ({gate.describe()})")
            await gate.acquire(priority)
            try:
                body = await self._request(job, frame_file)
                return await self.creates.create(job, key, gate, body, job.key_material(first_frame_sha, self.backend))
            except BaseException:
                gate.release()
                raise
        except CreatesStopped as stop:
            raise NotCreated(job.id, stop.failed) from None

    async def _request(self, job: ShotJob, frame_file: Path | None) -> dict[str, Any]:
        first_url = None
        if frame_file is not None:
            image = await asyncio.to_thread(handoff_image, Path(frame_file), self.store.scratch)
            first_url = inputs.image_data_url(image)
        return job.request(first_url, inputs.data_url)

    def interrupted(self) -> Interrupted:
        """What an interrupted render leaves on the service (`interruption.told`); the creates on
        their way are read in the journal (a cancelled one has already left Creates.sending)."""
        sending = [shot for shot, key in self.creating.items()
                   if shot not in self.paid and getattr(self.store.entry(key), "status", None) == "creating"]
        return interruption.told(self.paid, sending)

    async def _finish(self, job: ShotJob, key: str, task: Task, frame_ready: Callable[[Path, str], None], *,
                      recorded: str | None = None) -> ShotResult | None:
        """The task's results stored and the shot done; `recorded`: the video a finished shot had,
        fetched again: another one is not this shot's (None is returned, its frame never handed on)."""
        self.emit(job.id, "downloading", f"task {task.id}")
        self.paid[job.id] = (task.id, "downloading")
        hand_on = frame_ready if recorded is None else lambda path, sha: None
        video_sha, frame_sha, seconds = await store_results(self.client, self.store, task, hand_on)
        if recorded is not None:
            self.paid.pop(job.id, None)
            if video_sha != recorded:
                return None
            frame_ready(self.store.path(frame_sha), frame_sha)
        tokens = task.completion_tokens
        # the seed the task used is recorded; one the model refused is told (also after a resume)
        self.creates.seed_not_honoured(job, key, task)
        self.store.shot_done(key, video_sha, frame_sha, task.seed, tokens)
        self.paid.pop(job.id, None)
        self.emit(job.id, "done", f"task {task.id}")
        return self._result(job, key, video_sha, frame_sha, task.id, task.seed, tokens, cached=False,
                            answer=returned(task, seconds))

    def _result(self, job, key, video_sha, frame_sha, task_id, seed, tokens, *, cached, answer=None) -> ShotResult:
        return ShotResult(job=job, key=key, video=self.store.path(video_sha), last_frame=self.store.path(frame_sha),
                          frame_sha=frame_sha, task_id=task_id, seed=seed, tokens=tokens, cached=cached,
                          returned=answer)
