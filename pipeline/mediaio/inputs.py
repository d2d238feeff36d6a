"""The rim where a storyboard meets the file system: the storyboard file itself, and the media it
names (first/last frames, references, music): where each is and whether the service would take it
(ark-api.md §3.3). Checked before any request, so nothing is spent on a file the service would refuse.
The storyboard language and the plan stay pure: they get `Media` values from here."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from storyfilm import storyboard
from storyfilm.errors import MediaProblem, Problem, StoryboardError
from storyfilm.mediaio import images
from storyfilm.seedance.media import (AUDIO, AUDIO_MAX_BYTES, IMAGE, IMAGE_ASPECT, IMAGE_MAX_BYTES, IMAGE_SIDE,
                                      KINDS, VIDEO, VIDEO_MAX_BYTES, Media)

def image_data_url(data: bytes) -> str:
    """An image as a base64 data URL with its real, lower-case format (ark-api.md §3.1)."""
    info = images.sniff(data)
    mime = info.mime if info else "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def resolve(source: str, base: Path) -> Media:
    """An asset name, a path relative to the storyboard, or an https URL → checked Media."""
    written = source
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
        return Media(kind=kind, source=source, path=path, sha256=sha, width=width, height=height, size=len(data))
    if kind == VIDEO and len(data) > VIDEO_MAX_BYTES:
        raise MediaProblem(f"{written} is {len(data) / 2**20:.1f} MB; the service takes videos up to 50 MB")
    if kind == AUDIO and len(data) > AUDIO_MAX_BYTES:
        raise MediaProblem(f"{written} is {len(data) / 2**20:.1f} MB; the service takes audio up to 15 MB")
    return Media(kind=kind, source=source, path=path, sha256=sha, size=len(data))


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


def data_url(item: Media) -> str:
    """What goes in the request: the URL as given, or the file as a base64 data URL."""
    if item.url:
        return item.url
    assert item.path is not None
    data = item.path.read_bytes()
    if item.kind == IMAGE:
        return image_data_url(data)
    mime = f"{item.kind}/{item.path.suffix.lstrip('.').lower().replace('jpg', 'jpeg')}"
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def load_storyboard(path: str | Path) -> storyboard.Storyboard:
    """Read a storyboard file and resolve the media it names: StoryboardError for every fault."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoryboardError([Problem(shown, 1, 1, "no such storyboard file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoryboardError([Problem(shown, 1, 1, f"cannot read the storyboard: {exc}")]) from None
    return storyboard.parse(text, path, resolve)
