"""Single frames out of a video, as PNG (lossless, so a frame handed on is the frame decoded).

    extract_last_frame(video, png)    the final frame: decoded from the keyframe before it when the
                                      frame count and rate are known (the MP4's boxes, or the
                                      caller who just encoded it), else from the last second
"""

from __future__ import annotations

from pathlib import Path

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import mp4box, runner


def last_frame_args(video: Path, png: Path, frames: int | None = None, fps: float | None = None,
                    *, png_level: int | None = None) -> list[str]:
    """ffmpeg arguments that write only the final frame of `video`. With its frame count and rate:
    an accurate seek to half a frame before that frame (so timestamp rounding cannot drop it), which
    decodes from the keyframe before it and keeps the first frame from there. Without them: decode
    the last second and keep overwriting the PNG, so the last frame written is the final one."""
    level = [] if png_level is None else ["-compression_level", str(png_level)]
    if frames and fps:
        at = max(0.0, (frames - 1.5) / fps)
        return ["-threads", "1", "-ss", f"{at:.6f}", "-i", str(video), "-map", "0:v:0", "-frames:v", "1",
                "-fps_mode", "passthrough", *level, "-y", str(png)]
    return ["-sseof", "-1", "-i", str(video), "-map", "0:v:0", "-update", "1", "-fps_mode", "passthrough",
            *level, "-y", str(png)]


def extract_last_frame(video: Path, png: Path, frames: int | None = None, fps: float | None = None,
                       *, png_level: int | None = None) -> None:
    """Decode the video's final frame, losslessly, as PNG (`png_level`: zlib's level, else ffmpeg's default)."""
    if not (frames and fps):
        track = mp4box.video_track(video)
        if track is not None and track.frames and track.fps and not track.edited:  # edited: fewer frames shown
            frames, fps = track.frames, track.fps
    png.unlink(missing_ok=True)
    runner.run(last_frame_args(video, png, frames, fps, png_level=png_level), what="extract the last frame")
    if not png.is_file():  # a seek past the end writes nothing, and ffmpeg still exits 0
        raise FfmpegError(f"no last frame could be taken from {video}: it shows fewer frames than expected")
