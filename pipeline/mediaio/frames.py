"""Single frames out of a video, as PNG (lossless, so a frame handed on is the frame decoded)."""

from __future__ import annotations

from pathlib import Path

from storyfilm.mediaio import runner


def last_frame_args(video: Path, png: Path) -> list[str]:
    """ffmpeg arguments that decode the last second of `video` and keep only its final frame."""
    return ["-sseof", "-1", "-i", str(video), "-map", "0:v:0", "-update", "1", "-fps_mode", "passthrough",
            "-y", str(png)]


def extract_last_frame(video: Path, png: Path) -> None:
    """Decode the video and keep its final frame, losslessly, as PNG."""
    runner.run(last_frame_args(video, png), what="extract the last frame")
