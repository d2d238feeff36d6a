"""The ffmpeg binary: find it, and run it with option values of any length.

    ffmpeg_exe() -> str                         FFMPEG, else ffmpeg on PATH, else imageio-ffmpeg's
    run(args, what=...) -> CompletedProcess     raises FfmpegError with ffmpeg's last lines
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from storyfilm.errors import FfmpegError

LONG_OPTION = 16 * 1024  # an option value longer than this is passed in a file (`-/option path`)


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


def argv(args: list[str]) -> list[str]:
    """The full command line for `args`: the binary, then the options every run takes."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]


def run(args: list[str], *, what: str, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (without the binary); raise FfmpegError with its last lines on failure,
    or when it is not done within `timeout` seconds (then it is killed).

    The filter graph of a film with hundreds of shots is longer than one argument may be (Linux:
    128 KiB), so long option values go to files that ffmpeg reads (`-/filter_complex graph.txt`)."""
    with tempfile.TemporaryDirectory(prefix="storyfilm-ffmpeg-") as tmp:
        try:
            proc = subprocess.run(argv(spill_long_options(args, Path(tmp))), capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise FfmpegError(f"ffmpeg did not {what} within {timeout:g} s; it was stopped") from None
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-6:]
        raise FfmpegError(f"ffmpeg failed to {what}:\n  " + "\n  ".join(tail))
    return proc


def run_unchecked(args: list[str]) -> str:
    """Run ffmpeg and return what it printed to stderr, whatever its exit status (probing with
    `ffmpeg -i` always ends in 'At least one output file must be specified')."""
    return subprocess.run(argv(args), capture_output=True).stderr.decode(errors="replace")


def spill_long_options(args: list[str], folder: Path) -> list[str]:
    """`args` with every option value over LONG_OPTION written to a file in `folder` and passed
    as `-/option file`, the form in which ffmpeg reads an option's value from a file."""
    out: list[str] = []
    for i, arg in enumerate(args):
        option = out[-1] if out else ""
        if len(arg) > LONG_OPTION and i and option.startswith("-") and not option.startswith("-/"):
            path = folder / f"option{i}.txt"
            path.write_text(arg, encoding="utf-8")
            out[-1] = "-/" + option[1:]
            out.append(str(path))
        else:
            out.append(arg)
    return out
