"""Runs a plan: every shot whose inputs are ready renders at once (bounded per model), cached
shots cost nothing, and every task id is journaled the moment the service returns it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from pipeline import ffmpeg, images
from pipeline.ark.client import ArkClient
from pipeline.errors import TaskFailed
from pipeline.plan import ShotJob
from pipeline.store import Store

TASK_TIMEOUT = 30 * 60.0


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


@dataclass(frozen=True)
class Event:
    shot: str
    kind: str  # cached | created | resumed | waiting | downloading | done
    detail: str = ""


Listener = Callable[[Event], None]


def data_url(png_or_image: bytes) -> str:
    info = images.sniff(png_or_image)
    mime = info.mime if info else "image/png"
    return f"data:{mime};base64," + base64.b64encode(png_or_image).decode()


class Executor:
    def __init__(self, client: ArkClient, store: Store, *, backend: str, listener: Listener = lambda e: None,
                 concurrency: int = 10, poll_interval: float = 1.0, task_timeout: float = TASK_TIMEOUT):
        self.client, self.store, self.emit, self.backend = client, store, listener, backend
        self.poll_interval, self.task_timeout = poll_interval, task_timeout
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._concurrency = concurrency

    async def run(self, graph: nx.DiGraph) -> dict[str, ShotResult]:
        done: dict[str, asyncio.Future[ShotResult]] = {n: asyncio.get_running_loop().create_future() for n in graph}

        async def shot(node: str) -> None:
            try:
                ups = [await done[p] for p in graph.predecessors(node)]
                done[node].set_result(await self._shot(graph.nodes[node]["job"], ups[0] if ups else None))
            except BaseException as exc:
                done[node].set_exception(exc)
                raise

        tasks = [asyncio.create_task(shot(n)) for n in nx.topological_sort(graph)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for f in done.values():
                if f.done() and not f.cancelled():
                    f.exception()  # mark retrieved: the first failure was raised by gather
        return {n: done[n].result() for n in graph}

    async def _shot(self, job: ShotJob, upstream: ShotResult | None) -> ShotResult:
        if upstream is not None:
            frame = upstream.last_frame.read_bytes()
            first_frame_sha = upstream.frame_sha
        else:
            frame, first_frame_sha = None, None
        key = job.key(first_frame_sha, self.backend)
        entry = self.store.entry(key)
        if entry and entry.status == "done" and self.store.has(entry.video_sha) and self.store.has(entry.frame_sha):
            self.emit(Event(job.id, "cached", key[:12]))
            return self._result(job, key, entry.video_sha, entry.frame_sha, entry.task_id, entry.seed,
                                entry.tokens, cached=True)

        async with self._slot(job.model.id):
            if entry and entry.status == "created" and entry.task_id:
                task_id = entry.task_id
                self.emit(Event(job.id, "resumed", task_id))
            else:
                task_id = await self.client.create(job.request(data_url(frame) if frame else None))
                self.store.task_created(key, job.id, task_id)
                self.emit(Event(job.id, "created", task_id))
            self.emit(Event(job.id, "waiting", task_id))
            try:
                task = await self.client.wait(task_id, timeout=self.task_timeout, interval=self.poll_interval)
            except TaskFailed as exc:
                self.store.task_failed(key, exc.status)
                raise
        self.emit(Event(job.id, "downloading", task_id))
        video_sha, frame_sha = await self._download(task.video_url, task.last_frame_url)
        tokens = task.completion_tokens
        self.store.shot_done(key, video_sha, frame_sha, task.seed, tokens)
        self.emit(Event(job.id, "done", task_id))
        return self._result(job, key, video_sha, frame_sha, task_id, task.seed, tokens, cached=False)

    async def _download(self, video_url: str | None, frame_url: str | None) -> tuple[str, str]:
        if not video_url:
            raise TaskFailed("?", "succeeded", "NoVideo", "the task succeeded without a video_url")
        video = self.store.scratch("video.mp4")
        await self.client.download(video_url, video)
        frame = self.store.scratch("last_frame.png")
        if frame_url:
            await self.client.download(frame_url, frame)
        else:  # the model returned no last frame: take the exact one from the video
            await asyncio.to_thread(ffmpeg.extract_last_frame, video, frame)
        return self.store.put(video), self.store.put(frame)

    def _slot(self, model: str) -> asyncio.Semaphore:
        return self._slots.setdefault(model, asyncio.Semaphore(self._concurrency))

    def _result(self, job, key, video_sha, frame_sha, task_id, seed, tokens, *, cached) -> ShotResult:
        return ShotResult(job=job, key=key, video=self.store.path(video_sha), last_frame=self.store.path(frame_sha),
                          frame_sha=frame_sha, task_id=task_id, seed=seed, tokens=tokens, cached=cached)
