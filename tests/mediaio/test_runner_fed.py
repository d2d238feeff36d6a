"""runner.Fed: one ffmpeg reading what this process writes into its stdin. Its close tells what it
printed, or why it failed: killed before its input ended, or not done within the deadline."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner

from helpers import ffmpeg_children

MARK = "volumedetect"  # the filter that tells the test's ffmpeg from any other
ARGS = ["-f", "f32le", "-ar", "48000", "-ac", "2", "-i", "pipe:0", "-af", MARK, "-f", "null", "-"]
ONE_SECOND = bytes(48000 * 2 * 4)  # digital silence, 48 kHz stereo float

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")


def test_close_returns_what_it_printed() -> None:
    fed = runner.Fed(ARGS, what="measure silence")
    for _ in range(3):
        fed.write(ONE_SECOND)
    printed = fed.close(30)
    assert "mean_volume: -91.0 dB" in printed  # volumedetect's floor: every sample was zero
    assert not ffmpeg_children(MARK.encode())


def test_killed_before_its_input_ended_close_names_the_signal() -> None:
    fed = runner.Fed(ARGS, what="measure silence")
    fed.write(ONE_SECOND)
    [pid] = ffmpeg_children(MARK.encode())
    os.kill(pid, signal.SIGKILL)
    while pid in ffmpeg_children(MARK.encode()):
        time.sleep(0.01)
    fed.write(b"\0" * 64)  # held in the pipe's buffer: close's flush meets the dead reader
    with pytest.raises(FfmpegError) as err:
        fed.close(30)
    assert str(err.value).startswith("ffmpeg failed to measure silence:")
    assert "(ffmpeg was killed by SIGKILL)" in str(err.value)


def test_one_that_does_not_end_is_stopped_at_the_deadline() -> None:
    fed = runner.Fed(ARGS, what="measure silence")
    fed.write(ONE_SECOND)
    [pid] = ffmpeg_children(MARK.encode())
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    with pytest.raises(FfmpegError) as err:
        fed.close(0.5)
    assert str(err.value) == "ffmpeg did not measure silence within 0.5 s; it was stopped"
    assert time.monotonic() - started < 20
    assert not ffmpeg_children(MARK.encode())
