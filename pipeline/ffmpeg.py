"""Finding the ffmpeg binary, running it, and probing media with it.

The imageio-ffmpeg wheel ships ffmpeg but not ffprobe, so probing reads what
`ffmpeg -i` prints; an exact frame count comes from a stream-copy pass.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import FfmpegError


@functools.cache
def ffmpeg_exe() -> str:
    """FFMPEG from the environment, else ffmpeg on PATH, else the imageio-ffmpeg wheel's binary."""
    explicit = os.environ.get("FFMPEG")
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise FfmpegError(f"FFMPEG={explicit} is not an executable file")
        return explicit
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a broken install
        raise FfmpegError("no ffmpeg: set FFMPEG, put ffmpeg on PATH or pip install imageio-ffmpeg") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(args: list[str], *, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (without the binary); raise FfmpegError with its last lines on failure."""
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    proc = subprocess.run(argv, capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-6:]
        raise FfmpegError(f"ffmpeg failed to {what}:\n  " + "\n  ".join(tail))
    return proc


def extract_last_frame(video: Path, png: Path) -> None:
    """Decode the video and keep its final frame, losslessly, as PNG."""
    run(["-sseof", "-1", "-i", str(video), "-map", "0:v:0", "-update", "1", "-fps_mode", "passthrough",
         "-y", str(png)], what="extract the last frame")


def extract_frame(video: Path, index: int, png: Path) -> None:
    """Decode frame number `index` (0-based) of a video to PNG."""
    run(["-i", str(video), "-map", "0:v:0", "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
         "-frames:v", "1", "-y", str(png)], what=f"extract frame {index}")


_PSNR = re.compile(r"PSNR .*?average:(inf|[\d.]+)")


def psnr(a: Path, b: Path) -> float:
    """Peak signal-to-noise ratio (dB, average over planes) of two same-size images; inf when identical."""
    proc = run(["-i", str(a), "-i", str(b), "-filter_complex",
                "[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr", "-f", "null", "-"],
               what="compare two frames")
    m = _PSNR.search(proc.stderr.decode(errors="replace"))
    if not m:
        raise FfmpegError(f"no PSNR figure comparing {a} and {b}")
    return float(m[1])


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    width: int | None
    height: int | None
    fps: float | None
    frames: int | None
    has_audio: bool
    audio_rate: int | None
    audio_channels: int | None


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: .*?, (\d{2,5})x(\d{2,5})[ ,\[]")
_FPS = re.compile(r"Stream #\S+.*?: Video: .*?, ([\d.]+) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: [^,]+(?:\([^)]*\))?[^,]*, (\d+) Hz, ([^,]+)")
_FRAMES = re.compile(r"frame=\s*(\d+)")


def probe(path: Path, *, count_frames: bool = True) -> MediaInfo:
    """Size, fps, duration, audio and (by a cheap stream-copy pass) the exact video frame count."""
    if count_frames:
        args = ["-i", str(path), "-map", "0:v:0?", "-c", "copy", "-f", "null", "-"]
    else:
        args = ["-i", str(path)]
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True)
    text = proc.stderr.decode(errors="replace")
    head = text.split("Stream mapping:")[0]
    m = _DURATION.search(head)
    if not m:
        raise FfmpegError(f"cannot read media {path}: " + (text.strip().splitlines() or ["no output"])[-1])
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    video, fps, audio = _VIDEO.search(head), _FPS.search(head), _AUDIO.search(head)
    frames = [int(f) for f in _FRAMES.findall(text)] if count_frames else []
    channels = _channels(audio[2].strip()) if audio else None
    return MediaInfo(
        duration=duration,
        width=int(video[1]) if video else None,
        height=int(video[2]) if video else None,
        fps=float(fps[1]) if fps else None,
        frames=frames[-1] if frames else None,
        has_audio=audio is not None,
        audio_rate=int(audio[1]) if audio else None,
        audio_channels=channels,
    )


def _channels(layout: str) -> int | None:
    named = {"mono": 1, "stereo": 2}
    if layout in named:
        return named[layout]
    m = re.match(r"(\d+)", layout)
    return int(m[1]) if m else None
