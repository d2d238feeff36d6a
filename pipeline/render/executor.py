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

from storyfilm.mediaio import frames, images, inputs, probe, runner
from storyfilm.seedance.media import IMAGE_SIDE
from storyfilm.ark.client import ArkClient
from storyfilm.ark.types import Task
from storyfilm.errors import ApiRefused, FfmpegError, ResultsGone, StoryfilmError, TaskFailed, TaskGone, TransportFailed
from storyfilm.plan.jobs import ShotJob
from storyfilm.render.progress import Event, Listener
from storyfilm.render.schedule import ModelGate, Poller, remaining_chain
from storyfilm.render.store import Store

TASK_TIMEOUT = 30 * 60.0
MAX_ATTEMPTS = 3  # creates per shot per run (a failed or expired task is made again)
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # under the 30 MB image limit, and a request stays far below 64 MB


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



def handoff_image(frame: Path, scratch: Callable[[str], Path], *, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """A frame as the next shot's first image within ark-api.md §3.3: as-is when small enough, else
    re-encoded as JPEG, then downscaled by halves if still too big (never upscaled, never below 300 px)."""
    data = frame.read_bytes()
    info = images.sniff(data)
    too_wide = info is not None and max(info.width, info.height) > IMAGE_SIDE[1]
    if len(data) <= max_bytes and not too_wide:
        return data
    width, height = (info.width, info.height) if info else (0, 0)
    scale = min(1.0, IMAGE_SIDE[1] / max(width, height)) if width and height else 1.0
    out = scratch("handoff.jpg")
    try:
        while True:
            w, h = max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
            size = ["-vf", f"scale={w}:{h}:flags=lanczos"] if scale < 1.0 and width else []
            runner.run(["-i", str(frame), *size, "-q:v", "2", "-frames:v", "1", "-y", str(out)],
                       what="re-encode a frame for hand-off")
            encoded = out.read_bytes()
            if len(encoded) <= max_bytes or min(w, h) * 0.5 < IMAGE_SIDE[0] or not width:
                return encoded
            scale *= 0.5
    finally:
        out.unlink(missing_ok=True)


def fingerprint(body: dict[str, Any]) -> dict[str, Any]:
    """What identifies our task among the service's tasks when a create's answer was lost."""
    return {k: body.get(k) for k in ("model", "seed", "resolution", "ratio", "duration", "frames")}


class Executor:
    def __init__(self, client: ArkClient, store: Store, *, backend: str, listener: Listener = lambda e: None,
                 concurrency: int | None = None, rpm: int | None = None, poll_interval: float = 0.25,
                 max_poll_interval: float = 10.0, task_timeout: float = TASK_TIMEOUT,
                 create_client: ArkClient | None = None, max_attempts: int = MAX_ATTEMPTS):
        self.client, self.store, self.backend, self._listener = client, store, backend, listener
        # creates go through a client that does not retry by itself: a 429 must reach the gate (AIMD)
        self.creator = create_client or client
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
        if upstream is not None:
            frame_file, first_frame_sha = upstream
        else:
            frame_file, first_frame_sha = None, None  # a shot's own first frame is in its request
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
            task_id = None
            if entry and entry.status == "created" and entry.task_id:
                task_id = entry.task_id
                self.emit(job.id, "resumed", f"task {task_id}, created by an earlier run")
            elif entry and entry.status == "creating":
                task_id = await self._adopt(job, key)
            if task_id is not None:
                gate.occupy()
                age = time.time() - (entry.task_created_at or entry.intent_at or time.time())
            else:
                if attempts >= self.max_attempts:
                    raise StoryfilmError(f"shot {job.id!r}: {attempts} tasks in a row did not succeed; the last: "
                                         f"{last_error}")
                if gate.in_flight >= int(gate.limit):
                    self.emit(job.id, "waiting", f"a free slot ({gate.describe()})")
                await gate.acquire(priority)
                try:
                    task_id = await self._create(job, key, gate, frame_file, first_frame_sha)
                except BaseException:
                    gate.release()
                    raise
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

    async def _create(self, job: ShotJob, key: str, gate: ModelGate, frame_file: Path | None,
                      first_frame_sha: str | None) -> str:
        first_url = None
        if frame_file is not None:
            image = await asyncio.to_thread(handoff_image, Path(frame_file), self.store.scratch)
            first_url = inputs.image_data_url(image)
        body = job.request(first_url, inputs.data_url)
        del first_url
        mat = job.key_material(first_frame_sha, self.backend)
        for attempt in range(8):
            await gate.rate_slot(lambda why: self.emit(job.id, "waiting", why))
            self.store.create_intent(key, job.id, mat, fingerprint(body), job.cost)
            self.emit(job.id, "creating", f"{job.model.name}, {job.tokens:,} tokens")
            try:
                task_id = await self.creator.create(body)
            except ApiRefused as exc:
                if exc.status == 429:
                    gate.throttled(pause=min(30.0, 0.5 * 2 ** attempt))
                    self.store.create_abandoned(key)
                    self.emit(job.id, "retry", f"429 Too Many Requests; concurrency now {int(gate.limit)}")
                    continue
                if exc.status < 500:
                    self.store.create_abandoned(key)
                    raise
                found = await self._adopt(job, key)  # a 5xx may still have made the task
            except TransportFailed as exc:
                self.emit(job.id, "retry", f"create: {exc}")
                found = await self._adopt(job, key)
            else:
                self.store.task_created(key, job.id, task_id)
                gate.succeeded()
                self.emit(job.id, "created", f"task {task_id}")
                return task_id
            if found:
                return found
            await asyncio.sleep(min(8.0, 0.25 * 2 ** attempt))
        raise TransportFailed(f"shot {job.id!r}: could not create its task after 8 tries")

    async def _adopt(self, job: ShotJob, key: str) -> str | None:
        """A create whose answer was lost (killed, dropped): find the task it made, by the request's
        fingerprint, among the model's recent tasks, so it is not paid for twice."""
        entry = self.store.entry(key)
        if entry is None or entry.fingerprint is None:
            return None
        want = json.loads(entry.fingerprint)
        try:
            found = await self.client.list(model=want["model"], page_size=100)
        except StoryfilmError as exc:
            self.emit(job.id, "warning", f"cannot look for an orphaned task ({exc}); creating again")
            return None
        taken = self.store.claimed_task_ids()
        since = (entry.intent_at or 0) - 2  # the service stamps whole seconds
        chosen_by_service = {"ratio": "adaptive", "duration": -1}  # the task echoes what was chosen
        candidates = []
        for task in found.items:
            if task.id in taken or (task.created_at or 0) < since or task.status == "cancelled":
                continue
            seen = {"seed": task.seed, "resolution": task.resolution, "ratio": task.ratio,
                    "duration": task.duration, "frames": task.frames,
                    "model": None if str(want["model"]).startswith("ep-") else task.model}  # an endpoint id
            if all(want[k] is None or seen[k] is None or want[k] == chosen_by_service.get(k) or want[k] == seen[k]
                   for k in want):
                candidates.append(task.id)
        # with a seed the match is ours; without one (2.5) only a single candidate can be told apart
        if not candidates or (want.get("seed") is None and len(candidates) > 1):
            if candidates:
                self.emit(job.id, "warning", f"an earlier create may have made one of {', '.join(candidates)}; "
                                             "they cannot be told apart: creating again")
            return None
        self.store.task_created(key, job.id, candidates[0])
        self.emit(job.id, "adopted", f"task {candidates[0]}, created before the answer was lost")
        return candidates[0]

    async def _finish(self, job: ShotJob, key: str, task: Task,
                      frame_ready: Callable[[Path, str], None]) -> ShotResult:
        self.emit(job.id, "downloading", f"task {task.id}")
        video_sha, frame_sha = await self._download(task, frame_ready)
        tokens = task.completion_tokens
        self.store.shot_done(key, video_sha, frame_sha, task.seed, tokens)
        self.emit(job.id, "done", f"task {task.id}")
        return self._result(job, key, video_sha, frame_sha, task.id, task.seed, tokens, cached=False)

    async def _download(self, task: Task, frame_ready: Callable[[Path, str], None]) -> tuple[str, str]:
        if not task.video_url:
            raise TaskFailed(task.id, "succeeded", "NoVideo", "the task succeeded without a video_url")
        video, frame = self.store.scratch("video.mp4"), self.store.scratch("last_frame.png")
        frame_sha = None
        try:
            if task.last_frame_url:  # the frame first: the next shot can start while the video comes
                await self._fetch(task.last_frame_url, frame)
                if images.sniff(frame.read_bytes()[:64 * 1024]) is not None:
                    frame_sha = await asyncio.to_thread(self.store.put, frame)
                    frame_ready(self.store.path(frame_sha), frame_sha)
            for attempt in range(3):
                try:
                    await self._fetch(task.video_url, video)
                except ResultsGone:
                    if frame_sha is None:
                        raise
                    raise TransportFailed(f"task {task.id}: its video URL no longer answers; run again") from None
                try:
                    info = await asyncio.to_thread(probe.probe, video, count_frames=False)
                    if info.width:
                        break
                except FfmpegError:
                    pass
                if attempt == 2:
                    raise TransportFailed(f"task {task.id}: the downloaded video does not decode")
            if frame_sha is None:
                # no last frame from the service (or not an image): take the exact one from the video
                await asyncio.to_thread(frames.extract_last_frame, video, frame)
                frame_sha = await asyncio.to_thread(self.store.put, frame)
                frame_ready(self.store.path(frame_sha), frame_sha)
            return await asyncio.to_thread(self.store.put, video), frame_sha
        finally:
            video.unlink(missing_ok=True)
            frame.unlink(missing_ok=True)

    async def _fetch(self, url: str, dest: Path) -> None:
        try:
            await self.client.download(url, dest)
        except TransportFailed as exc:
            if exc.status in (403, 404, 410):
                raise ResultsGone(f"its result URL no longer answers ({exc}); media URLs last 24 h") from exc
            raise

    def _result(self, job, key, video_sha, frame_sha, task_id, seed, tokens, *, cached) -> ShotResult:
        return ShotResult(job=job, key=key, video=self.store.path(video_sha), last_frame=self.store.path(frame_sha),
                          frame_sha=frame_sha, task_id=task_id, seed=seed, tokens=tokens, cached=cached)

