"""Decode a storyboard's media, bounded: the proof that the service (and our own renderer) can
read it. Headers are not enough: a PNG cut in half keeps a valid header, and a file named `.wav`
may hold anything.

    decoded_seconds(path, kind, shown) -> float    what was decoded, in seconds; else MediaProblem

One ffmpeg run per file, with a deadline, one thread, a cap on the pixels a frame may have, and
a cap on how much is decoded: the first frame of an image, the first seconds of a video, the
whole of an audio file (its length is what the service limits).
"""

from __future__ import annotations

import re
from pathlib import Path

from storyfilm.errors import FfmpegError, MediaProblem
from storyfilm.mediaio import runner
from storyfilm.seedance.media import AUDIO, IMAGE, IMAGE_SIDE

TIMEOUT = 20.0  # seconds one file may take to decode
VIDEO_SECONDS = 2  # decoded of a video: enough to prove it decodes
MAX_PIXELS = IMAGE_SIDE[1] * IMAGE_SIDE[1]
_DECODED = re.compile(r"^out_time_us=(\d+)$", re.M)
_CODE = re.compile(r"code:? -?\d+ \(([^)]+)\)")


def decoded_seconds(path: Path, kind: str, shown: str) -> float:
    """Seconds of `kind` decoded from `path` (0 for an image); MediaProblem naming `shown` when
    it does not decode, holds no such stream (or audio without a sample), or takes longer than TIMEOUT."""
    stream = {IMAGE: "0:v:0", AUDIO: "0:a:0"}.get(kind, "0:v:0")
    limit = ["-frames:v", "1"] if kind == IMAGE else [] if kind == AUDIO else ["-t", str(VIDEO_SECONDS)]
    args = ["-v", "error", "-xerror", "-threads", "1", "-max_pixels", str(MAX_PIXELS), "-i", str(path),
            "-map", stream, *limit, "-progress", "pipe:1", "-nostats", "-f", "null", "-"]
    try:
        out = runner.run(args, what=f"decode {shown}", timeout=TIMEOUT).stdout.decode(errors="replace")
    except FfmpegError as exc:
        raise MediaProblem(f"{shown} does not decode as {_a(kind)} ({_reason(str(exc), kind)})") from None
    times = _DECODED.findall(out)
    seconds = int(times[-1]) / 1e6 if times and kind != IMAGE else 0.0
    if kind == AUDIO and not seconds:  # a WAV header and no samples: the mix would wait for them for ever
        raise MediaProblem(f"{shown} holds no sound (0 samples)")
    return seconds


def _reason(text: str, kind: str) -> str:
    """ffmpeg's own words for why, from the last lines it printed."""
    if "matches no streams" in text:
        return f"it holds no {kind if kind != IMAGE else 'picture'}"
    found = _CODE.search(text)
    if found:
        return found[1]
    last = text.strip().splitlines()[-1]
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", last.strip()).rstrip(".")


def _a(kind: str) -> str:
    return {IMAGE: "an image", AUDIO: "audio"}.get(kind, "a video")
