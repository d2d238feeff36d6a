"""ffmpeg runs end: past their deadline they are stopped, and an interrupted caller (a cancelled
render, Ctrl-C) leaves none of them running, also when they run in worker threads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner

from helpers import ffmpeg_children

ENDLESS = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "null", "-"]  # never ends by itself


def test_a_run_past_its_deadline_is_stopped() -> None:
    with pytest.raises(FfmpegError) as err:
        runner.run(ENDLESS, what="render an endless test pattern", timeout=0.5)
    assert str(err.value) == ("ffmpeg did not render an endless test pattern within 0.5 s (a damaged input?); "
                              "it was stopped")
    assert ffmpeg_children() == []


def test_a_cancelled_render_stops_the_runs_of_its_worker_threads() -> None:
    async def render() -> None:
        with runner.stopped_on_exit():
            await asyncio.gather(*(asyncio.to_thread(runner.run, ENDLESS, what="run for ever") for _ in range(2)))

    async def main() -> list[int]:
        task = asyncio.create_task(render())
        while len(ffmpeg_children()) < 2:
            await asyncio.sleep(0.02)
        running = ffmpeg_children()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):  # a killed process takes a moment to go; one left running stays
            if not ffmpeg_children():
                break
            await asyncio.sleep(0.05)
        return running, ffmpeg_children()

    running, left = asyncio.run(main())
    assert len(running) == 2 and left == []


def test_deadlines_scale_with_the_media(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 3_000_000)
    assert runner.deadline(["-i", "x.mp4", "out.mp4"], 30.0) == runner.BASE_TIMEOUT + 30 * runner.PER_MEDIA_SECOND
    assert runner.deadline(["-i", str(clip), "out.mp4"], None) == runner.BASE_TIMEOUT + 3 * runner.PER_INPUT_MB
    assert runner.deadline(["-f", "lavfi", "-i", "testsrc", "out.mp4"], None) == runner.BASE_TIMEOUT
