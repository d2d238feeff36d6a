"""ffmpeg's `-progress` reports reach the caller as frame counts; the run's deadline still holds,
and a listener that fails stops hearing but never stalls the run."""

from __future__ import annotations

import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner

SOURCE = ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=2", "-c:v", "libx264", "-preset", "ultrafast",
          "-threads", "1", "-f", "null", "-"]


def test_progress_hears_the_frames_written() -> None:
    heard: list[int] = []
    runner.run(SOURCE, what="encode", progress=heard.append)
    assert heard and heard[-1] == 48 and heard == sorted(heard)


def test_a_failing_listener_does_not_stall_the_run() -> None:
    calls: list[int] = []

    def broken(frames: int) -> None:
        calls.append(frames)
        raise RuntimeError("listener bug")

    assert runner.run(SOURCE, what="encode", progress=broken).returncode == 0
    assert len(calls) == 1


def test_the_deadline_holds_while_progress_is_read() -> None:
    endless = ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24", "-c:v", "libx264", "-preset", "ultrafast",
               "-f", "null", "-"]
    with pytest.raises(FfmpegError, match="did not spin within 1 s"):
        runner.run(endless, what="spin", timeout=1, progress=lambda frames: None)
