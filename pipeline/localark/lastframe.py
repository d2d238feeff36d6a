"""A clip's final frame out of the ffmpeg run that encodes it, decoded back from the encoded stream.

FFmpeg 7.1 and later decode an output stream inside the same run (a loopback decoder, `-dec`):
the clip's final frame as a player shows it, without a second ffmpeg that opens the clip and decodes
its last second again (and, with `-update`, wrote each of those frames as PNG to keep the last).
"""

from __future__ import annotations

import functools
from pathlib import Path

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner


def decoded_final_frame_args(frames: int, png: Path) -> list[str]:
    """Arguments to append after output file 0 (video its first stream): its frame `frames - 1`,
    decoded, written to `png`. One decoder thread: frame threads keep frames of their own (5 MB more
    beside the encoder, measured), and the encoder is the slower of the two anyway."""
    return ["-threads", "1", "-dec", "0:0", "-filter_complex", f"[dec:0]trim=start_frame={frames - 1}[final]",
            "-map", "[final]", "-frames:v", "1", "-update", "1", "-y", str(png)]


@functools.cache
def loopback_decoding() -> bool:
    """Whether this ffmpeg has loopback decoders (asked once, by a one-frame run)."""
    probe = ["-v", "error", "-f", "lavfi", "-i", "color=s=16x16:d=0.04", "-c:v", "rawvideo", "-f", "null", "-",
             "-dec", "0:0", "-filter_complex", "[dec:0]null[o]", "-map", "[o]", "-f", "null", "-"]
    try:
        runner.run(probe, what="check for loopback decoders", timeout=30)
    except FfmpegError:
        return False
    return True
