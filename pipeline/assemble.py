"""Joining shot clips into one film with FFmpeg (the command is built with ffmpeg-python)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ff

from pipeline import ffmpeg
from pipeline.models import FPS

ENCODE = {"c:v": "libx264", "preset": "veryfast", "crf": 16, "pix_fmt": "yuv420p", "threads": 2,
          "movflags": "+faststart", "map_metadata": -1, "fflags": "+bitexact", "flags:v": "+bitexact"}


@dataclass(frozen=True)
class FilmFormat:
    width: int
    height: int
    fps: int = FPS


def join_args(clips: list[Path], out: Path, fmt: FilmFormat) -> list[str]:
    """The ffmpeg argv (without the binary) that joins the clips at the film's format."""
    parts = []
    for clip in clips:
        video = ff.input(str(clip)).video
        video = (video.filter("scale", fmt.width, fmt.height, force_original_aspect_ratio="decrease")
                 .filter("pad", fmt.width, fmt.height, "(ow-iw)/2", "(oh-ih)/2")
                 .filter("setsar", 1).filter("fps", fmt.fps).filter("format", "yuv420p"))
        parts.append(video)
    joined = ff.concat(*parts, v=1, a=0)
    return ff.output(joined, str(out), r=fmt.fps, **ENCODE).overwrite_output().get_args()


def join(clips: list[Path], out: Path, fmt: FilmFormat) -> Path:
    """Write the film; the finished file replaces `out` atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    ffmpeg.run(join_args(clips, partial, fmt), what="join the clips")
    os.replace(partial, out)
    return out
