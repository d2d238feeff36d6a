"""Media a storyboard names (first/last frames, references, music): where it is and whether the
service would take it (ark-api.md §3.3). Checked before any request, so nothing is spent on a
file the service would refuse."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from storyfilm.mediaio import images

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


class MediaProblem(Exception):
    """A media reference that cannot be used; the message says why."""


@dataclass(frozen=True)
class Media:
    kind: str  # image | video | audio
    source: str  # as written in the storyboard
    path: Path | None = None  # a local file
    url: str | None = None  # an https URL
    sha256: str = ""  # of the file's bytes, or of the URL
    width: int = 0  # images only
    height: int = 0

    def data_url(self) -> str:
        """What goes in the request: the URL as given, or the file as a base64 data URL."""
        if self.url:
            return self.url
        assert self.path is not None
        data = self.path.read_bytes()
        if self.kind == IMAGE:
            return image_data_url(data)
        mime = f"{self.kind}/{self.path.suffix.lstrip('.').lower().replace('jpg', 'jpeg')}"
        return f"data:{mime};base64," + base64.b64encode(data).decode()

    @property
    def request_bytes(self) -> int:
        """How much this item adds to a request body (base64 is 4/3 of the file)."""
        if self.url or self.path is None:
            return len(self.url or "")
        return (self.path.stat().st_size + 2) // 3 * 4


def image_data_url(data: bytes) -> str:
    """An image as a base64 data URL with its real, lower-case format (ark-api.md §3.1)."""
    info = images.sniff(data)
    mime = info.mime if info else "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def resolve(source: str, base: Path, assets: dict[str, str]) -> Media:
    """An asset name, a path relative to the storyboard, or an https URL → checked Media."""
    written = assets.get(source, source)
    if written.startswith("https://"):
        kind = KINDS.get(Path(written.split("?", 1)[0]).suffix.lower(), IMAGE)
        return Media(kind=kind, source=source, url=written, sha256=hashlib.sha256(written.encode()).hexdigest())
    if written.startswith(("http://", "ftp://", "data:")):
        raise MediaProblem(f"{written[:40]!r}: use a local file or an https URL")
    path = (base / written).resolve()
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise MediaProblem(f"{written}: unknown media type {path.suffix or '(no extension)'!r} "
                           f"(images: png, jpeg, webp, bmp, tiff, gif; video: mp4, mov; audio: wav, mp3)")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MediaProblem(f"file not found: {written}") from None
    except IsADirectoryError:
        raise MediaProblem(f"{written} is a directory, not a file") from None
    except OSError as exc:
        raise MediaProblem(f"cannot read {written}: {exc.strerror}") from None
    sha = hashlib.sha256(data).hexdigest()
    if kind == IMAGE:
        width, height = check_image(data, written)
        return Media(kind=kind, source=source, path=path, sha256=sha, width=width, height=height)
    if kind == VIDEO and len(data) > VIDEO_MAX_BYTES:
        raise MediaProblem(f"{written} is {len(data) / 2**20:.1f} MB; the service takes videos up to 50 MB")
    if kind == AUDIO and len(data) > AUDIO_MAX_BYTES:
        raise MediaProblem(f"{written} is {len(data) / 2**20:.1f} MB; the service takes audio up to 15 MB")
    return Media(kind=kind, source=source, path=path, sha256=sha)


def check_image(data: bytes, shown: str, *, heic_ok: bool = True) -> tuple[int, int]:
    """The image's size, or MediaProblem naming the limit of ark-api.md §3.3 it breaks."""
    info = images.sniff(data)
    if info is None:
        raise MediaProblem(f"{shown} is not an image the service reads (jpeg, png, webp, bmp, tiff, gif)")
    if info.format == "heic":
        if not heic_ok:
            raise MediaProblem(f"{shown} is HEIC; this model takes jpeg, png, webp, bmp, tiff or gif")
        return 0, 0
    if len(data) >= IMAGE_MAX_BYTES:
        raise MediaProblem(f"{shown} is {len(data) / 2**20:.1f} MB; the service takes images under 30 MB")
    low, high = IMAGE_SIDE
    if not (low <= info.width <= high and low <= info.height <= high):
        raise MediaProblem(f"{shown} is {info.width}x{info.height}; each side must be {low}–{high} px")
    aspect = info.width / info.height
    if not IMAGE_ASPECT[0] <= aspect <= IMAGE_ASPECT[1]:
        raise MediaProblem(f"{shown} is {info.width}x{info.height} (aspect {aspect:.2f}); "
                           f"the service takes width/height from {IMAGE_ASPECT[0]} to {IMAGE_ASPECT[1]}")
    return info.width, info.height
