"""The ffmpeg binary: where it is, and whether it is an ffmpeg storyfilm can use, found out once
per process (two short runs, some 20 ms) before anything is spent.

    checked() -> Binary     FFMPEG, else ffmpeg on PATH, else imageio-ffmpeg's: its path and version
                            line, once it said it is ffmpeg MIN_VERSION or newer and encoded a trial
                            frame with libx264; else FfmpegUnusable (exit 2), one line naming it

Without the trial, a binary that runs and is no ffmpeg (FFMPEG=/bin/true exits 0 having done
nothing) makes every media file look valid and fails the render late, after shots are paid.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from storyfilm.errors import FfmpegError, FfmpegUnusable

MIN_VERSION = (5, 1)
TRIAL_SECONDS = 15.0  # both runs take milliseconds; a binary that hangs is no ffmpeg
_VERSION = re.compile(r"^ffmpeg version n?(\d+)\.(\d+)")  # "n7.1-…" (git tags), "5.1.6-0+deb12u1"
_TRIAL = ["-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=64x64:r=25",
          "-frames:v", "1", "-c:v", "libx264", "-f", "h264", "pipe:1"]


@dataclass(frozen=True)
class Binary:
    path: str
    version: str  # the first line of `ffmpeg -version`


@functools.cache
def checked() -> Binary:
    """The ffmpeg every run uses, checked once per process (a failed check is not cached)."""
    path, named = _located()
    version = _version_line(path, named)
    _trial(path, named)
    return Binary(path, version)


def _located() -> tuple[str, str]:
    """(path, how it is named in a message): FFMPEG, else ffmpeg on PATH, else the wheel's binary."""
    explicit = os.environ.get("FFMPEG")
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise FfmpegError(f"FFMPEG={explicit} is not an executable file")
        return explicit, f"FFMPEG={explicit}"
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path, f"{on_path} (ffmpeg on PATH)"
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a broken install
        raise FfmpegError("no ffmpeg: set FFMPEG, put ffmpeg on PATH or pip install imageio-ffmpeg") from exc
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    return exe, f"{exe} (imageio-ffmpeg's)"


def _version_line(path: str, named: str) -> str:
    printed = _run([path, "-hide_banner", "-version"], named).stdout.decode(errors="replace").splitlines()
    first = printed[0].strip() if printed else ""
    if not first.startswith("ffmpeg version"):
        raise FfmpegUnusable(f"{named} is not ffmpeg: `-version` printed {repr(first[:80]) if first else 'nothing'}")
    found = _VERSION.match(first)
    if found and (int(found[1]), int(found[2])) < MIN_VERSION:
        raise FfmpegUnusable(f"{named} is ffmpeg {found[1]}.{found[2]}, older than {_version(MIN_VERSION)}: "
                             f"set FFMPEG to ffmpeg {_version(MIN_VERSION)} or newer (pip install imageio-ffmpeg "
                             "brings one)")
    return first


def _trial(path: str, named: str) -> None:
    """One tiny frame encoded as storyfilm encodes every clip: a binary that answers `-version` and
    cannot render (a stub, a build without libx264) is told now, not after the shots are paid."""
    done = _run([path, *_TRIAL], named)
    if done.returncode != 0 or not done.stdout.startswith((b"\0\0\0\1", b"\0\0\1")):
        said = done.stderr.decode(errors="replace").strip().splitlines()
        reason = said[-1][:200] if said else f"exit status {done.returncode}, no H.264 written"
        raise FfmpegUnusable(f"{named} cannot encode a trial frame with libx264 ({reason}); set FFMPEG to an "
                             "ffmpeg that can")


def _run(command: list[str], named: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=TRIAL_SECONDS)
    except subprocess.TimeoutExpired:
        raise FfmpegUnusable(f"{named} did not answer within {TRIAL_SECONDS:g} s: it is no working ffmpeg") from None
    except OSError as exc:
        raise FfmpegUnusable(f"{named} cannot be run: {exc.strerror or exc}") from None


def _version(numbers: tuple[int, int]) -> str:
    return ".".join(map(str, numbers))
