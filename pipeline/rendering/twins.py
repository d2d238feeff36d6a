"""Shots of one render with the same content key (two identical `cut` shots, say): the first of
them renders, the others wait for it and take its clip and last frame. Nothing is made or paid
twice; `planning.same_render` prices them so before the render."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storyfilm.errors import NotStarted, ServiceUnreachable
from storyfilm.planning.jobs import ShotJob

if TYPE_CHECKING:
    from storyfilm.rendering.executor import ShotResult


class SameRenders:
    def __init__(self, emit: Callable[[str, str, str], None]):
        self.emit = emit
        self.first: dict[str, str] = {}  # key → the shot that renders it
        self.twins: dict[str, str] = {}  # shot → the shot whose render it takes
        self.done: dict[str, asyncio.Future[ShotResult]] = {}  # the render's shots, as they end

    def first_of(self, key: str, shot: str) -> str | None:
        """The shot that renders `key` in this run, when another than `shot` (which then takes its clip)."""
        first = self.first.setdefault(key, shot)
        if first == shot:
            return None
        self.twins[shot] = first
        return first

    async def take(self, job: ShotJob, first: str, frame_ready: Callable[[Path, str], None]) -> ShotResult:
        """`job`'s result, once `first` has rendered: the same clip, cached (nothing paid for it).
        When `first` fails, `job` never starts (NotStarted names the shot that failed)."""
        self.emit(job.id, "pending", f"the same render as shot {first!r}: made once, waiting for it")
        try:
            made = await asyncio.shield(self.done[first])  # a cancelled twin leaves the render going
        except Exception as exc:
            if isinstance(exc, ServiceUnreachable):
                raise
            raise NotStarted(job.id, first, exc.failed if isinstance(exc, NotStarted) else first) from None
        frame_ready(made.last_frame, made.frame_sha)
        self.emit(job.id, "cached", f"the same render as shot {first!r}, paid once")
        return dataclasses.replace(made, job=job, cached=True)
