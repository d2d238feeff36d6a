"""A shot's last frame as the next shot's first image, within the service's image limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storyfilm.mediaio import images, runner
from storyfilm.seedance.media import IMAGE_SIDE

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # under the 30 MB image limit, and a request stays far below 64 MB
FRAME_TIMEOUT = 60.0  # one image in, one out: a run longer than this is stuck on a damaged frame


def handoff_image(frame: Path, scratch: Callable[[str], Path], *, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """A frame as the next shot's first image within ark-api.md §3.3: as-is when small enough, else
    re-encoded as JPEG, then downscaled by halves if still too big (never upscaled, never below 300 px)."""
    data = frame.read_bytes()
    info = images.sniff(data)
    too_wide = info is not None and max(info.width, info.height) > IMAGE_SIDE[1]
    if len(data) <= max_bytes and not too_wide:
        return data
    width, height = (info.width, info.height) if info else (0, 0)
    scale = min(1.0, IMAGE_SIDE[1] / max(width, height)) if width and height else 1.0
    out = scratch("handoff.jpg")
    try:
        while True:
            w, h = max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
            size = ["-vf", f"scale={w}:{h}:flags=lanczos"] if scale < 1.0 and width else []
            runner.run(["-i", str(frame), *size, "-q:v", "2", "-frames:v", "1", "-y", str(out)],
                       what="re-encode a frame for hand-off", timeout=FRAME_TIMEOUT)
            encoded = out.read_bytes()
            if len(encoded) <= max_bytes or min(w, h) * 0.5 < IMAGE_SIDE[0] or not width:
                return encoded
            scale *= 0.5
    finally:
        out.unlink(missing_ok=True)
