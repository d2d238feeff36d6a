"""A clip's last frame (handed on as the next shot's first frame) from a clip whose MP4 has an edit
list hiding its first frames: the frame a player shows last, and never a silent nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import frames, runner


def _decoded(video: Path, n: int, png: Path) -> bytes:
    runner.run(["-i", str(video), "-vf", f"select=eq(n\\,{n})", "-frames:v", "1", "-f", "rawvideo",
                "-pix_fmt", "rgb24", "-y", str(png)], what="decode one frame")
    return png.read_bytes()


def test_the_last_frame_of_a_clip_with_an_edit_list(tmp_path: Path) -> None:
    whole, cut = tmp_path / "whole.mp4", tmp_path / "cut.mp4"
    runner.run(["-f", "lavfi", "-i", "testsrc2=s=160x96:r=24", "-frames:v", "48", "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", str(whole)], what="make a test clip")
    runner.run(["-ss", "0.5", "-i", str(whole), "-c", "copy", "-y", str(cut)], what="cut it by stream copy")
    frames.extract_last_frame(cut, tmp_path / "last.png")  # a player shows 36 frames, the boxes hold 48
    taken = runner.run(["-i", str(tmp_path / "last.png"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                       what="read the frame").stdout
    assert taken == _decoded(cut, 35, tmp_path / "frame35.rgb")
    with pytest.raises(FfmpegError, match="it shows fewer frames than expected"):
        frames.extract_last_frame(cut, tmp_path / "told.png", frames=48, fps=24.0)  # a caller's count, wrong
