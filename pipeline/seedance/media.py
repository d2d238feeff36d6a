"""The media a Seedance request carries (first/last frames, references) and the service's limits
on them (ark-api.md §3.3). Pure: a `Media` is what the rim found out about a file or URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

IMAGE = "image"
VIDEO = "video"
AUDIO = "audio"

KINDS = {".png": IMAGE, ".jpg": IMAGE, ".jpeg": IMAGE, ".webp": IMAGE, ".bmp": IMAGE, ".gif": IMAGE,
         ".tif": IMAGE, ".tiff": IMAGE, ".heic": IMAGE, ".heif": IMAGE,
         ".mp4": VIDEO, ".mov": VIDEO,
         ".wav": AUDIO, ".mp3": AUDIO, ".m4a": AUDIO, ".flac": AUDIO, ".ogg": AUDIO}
SERVICE_AUDIO = (".wav", ".mp3")  # what the service takes as reference audio; music may be more

IMAGE_FORMATS = ("jpeg", "png", "webp", "bmp", "tiff", "gif")
IMAGE_MAX_BYTES = 30 * 1024 * 1024
IMAGE_SIDE = (300, 6000)
IMAGE_ASPECT = (0.4, 2.5)
VIDEO_MAX_BYTES = 50 * 1024 * 1024
AUDIO_MAX_BYTES = 15 * 1024 * 1024
REQUEST_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Media:
    kind: str  # image | video | audio
    source: str  # as written in the storyboard
    path: Path | None = None  # a local file
    url: str | None = None  # an https URL
    sha256: str = ""  # of the file's bytes, or of the URL
    width: int = 0  # images only
    height: int = 0
    size: int = 0  # bytes of the local file

    @property
    def request_bytes(self) -> int:
        """How much this item adds to a request body (base64 is 4/3 of the file)."""
        if self.url or self.path is None:
            return len(self.url or "")
        return (self.size + 2) // 3 * 4
