"""The last frame a preview task returns is decoded from the clip's last GOP only: it must be the
clip's final frame exactly, whatever the clip's length against its one-second GOPs."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm.localark import lastframe
from storyfilm.mediaio import h264, runner

FPS = 24


def _clip(path: Path, frames: int) -> Path:
    """A moving picture (each frame unlike its neighbours) in the preview's own encoding."""
    video = [a for k, v in h264.video_options(FPS).items() for a in (f"-{k}", str(v))]
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s=160x96:r={FPS}", "-frames:v", str(frames), *video,
                "-movflags", "+faststart", "-y", str(path)], what="make a test clip")
    return path


def _decoded(video: Path, index: int) -> bytes:
    return runner.run(["-i", str(video), "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
                       "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read a frame").stdout


@pytest.mark.parametrize("frames", [1, 23, 24, 25, 49])
def test_the_returned_frame_is_the_final_frame_decoded(tmp_path: Path, frames: int) -> None:
    video, png = _clip(tmp_path / "clip.mp4", frames), tmp_path / "last.png"
    lastframe.extract(video, frames, png)
    got = runner.run(["-i", str(png), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], what="read the PNG").stdout
    assert got == _decoded(video, frames - 1)
    if frames > 1:  # the picture moves: the frame before is another picture
        assert got != _decoded(video, frames - 2)
