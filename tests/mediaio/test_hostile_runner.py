"""ffmpeg killed by a signal (a file size limit, the OOM killer) prints nothing of why: the error
says which signal, and for a file size limit, what it means."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner


def test_an_ffmpeg_run_past_the_file_size_limit_says_so(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, hard))  # ulimit -f 16: inherited by ffmpeg
    try:
        with pytest.raises(FfmpegError) as failed:
            runner.run(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=24", "-frames:v", "48", "-c:v", "libx264",
                        "-preset", "ultrafast", "-y", str(tmp_path / "big.mp4")], what="encode a test clip")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    message = str(failed.value)
    assert message.startswith("ffmpeg failed to encode a test clip:")
    assert "ulimit -f" in message
