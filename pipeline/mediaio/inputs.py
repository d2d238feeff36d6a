"""The rim where a storyboard meets the file system: the storyboard file itself, and the media it
names (first/last frames, references, music): where each is and whether the service would take it
(ark-api.md §3.3). Checked before any request, so nothing is spent on a file the service would refuse.
The storyboard language and the plan stay pure: they get `Media` values from here.

Every file is opened without blocking (a FIFO named `x.png` is refused, not waited on), must be a
regular file, and is read only up to its kind's size limit. Media are decoded, not sniffed
(`decode`), each distinct file once per process. https URLs are judged as written
(`seedance.media.url_problem`): no DNS lookup, so validation stays offline and quick.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from pathlib import Path

from storyfilm import storyboard
from storyfilm.errors import MediaChanged, MediaProblem, Problem, StoryboardError, UsageError
from storyfilm.mediaio import decode, images
from storyfilm.seedance import media as limits
from storyfilm.seedance.media import AUDIO, IMAGE, IMAGE_MAX_BYTES, KINDS, MB, VIDEO, Media

STORYBOARD_MAX_BYTES = 2 * MB
Identity = tuple[int, int, int, int, str]  # device, inode, size, mtime, the kind it was read as
_SEEN: dict[Identity, tuple[str, int, int, float]] = {}  # → sha256, width, height, seconds decoded
_REFUSED: dict[tuple[Identity, str], str] = {}  # (file, as written) → why it was refused
def image_data_url(data: bytes) -> str:
    """An image as a base64 data URL with its real, lower-case format (ark-api.md §3.1)."""
    info = images.sniff(data)
    mime = info.mime if info else "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def resolve(source: str, base: Path) -> Media:
    """An asset name, a path relative to the storyboard, or an https URL → checked Media."""
    if source.startswith("https://"):
        problem = limits.url_problem(source)
        if problem is not None:
            raise MediaProblem(f"{source[:80]!r} {problem}")
        kind = KINDS.get(Path(source.split("?", 1)[0]).suffix.lower(), IMAGE)
        return Media(kind=kind, source=source, url=source, sha256=hashlib.sha256(source.encode()).hexdigest())
    if source.startswith("asset://") and len(source) > len("asset://") and not any(c.isspace() for c in source):
        # an opaque id in the service's asset library (2.x): passed through, never fetched here
        kind = KINDS.get(Path(source).suffix.lower(), IMAGE)
        return Media(kind=kind, source=source, url=source, sha256=hashlib.sha256(source.encode()).hexdigest())
    if source.startswith(("http://", "ftp://", "data:")) or "://" in source:
        raise MediaProblem(f"{source[:40]!r}: use a local file or an https URL")
    named = base / source
    path = Path(os.path.realpath(named))  # not resolve(): a loop of links is refused by the read, not raised here
    kind = KINDS.get(named.suffix.lower())  # the name as written: a link's target may be named anything
    if kind is None:
        raise MediaProblem(f"{source}: unknown media type {named.suffix or '(no extension)'!r} "
                           f"(images: png, jpeg, webp, bmp, tiff, gif; video: mp4, mov; audio: wav, mp3)")
    sha, size, (width, height, seconds) = _inspect(path, kind, source)
    return Media(kind=kind, source=source, path=path, sha256=sha, size=size, width=width, height=height,
                 seconds=seconds)


def _inspect(path: Path, kind: str, shown: str) -> tuple[str, int, tuple[int, int, float]]:
    """(sha256, size, (width, height, seconds)) of a local media file: read once, its header
    checked against the service's limits, then decoded, once per process however often it is named."""
    data, identity = read_regular(path, limits.max_bytes(kind), shown, kind)
    key = (*identity, kind)
    if (key, shown) in _REFUSED:
        raise MediaProblem(_REFUSED[key, shown])
    if key not in _SEEN:
        try:
            width, height = _image_header(data, shown) if kind == IMAGE else (0, 0)
            heic = kind == IMAGE and not width  # not every ffmpeg decodes HEIC: its header is all we check
            seconds = 0.0 if heic else decode.decoded_seconds(path, kind, shown)
        except MediaProblem as exc:
            _REFUSED[key, shown] = exc.message
            raise
        _SEEN[key] = (hashlib.sha256(data).hexdigest(), width, height, seconds)
    sha, width, height, seconds = _SEEN[key]
    return sha, len(data), (width, height, seconds)


def read_regular(path: Path, limit: int, shown: str, kind: str = "file") -> tuple[bytes, tuple[int, int, int, int]]:
    """The bytes of a regular file of at most `limit` bytes, and its identity (device, inode, size,
    mtime). Opened without blocking and checked after opening, so a FIFO or a device is refused
    whatever replaced the name in between."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise MediaProblem(f"file not found: {shown}") from None
    except IsADirectoryError:
        raise MediaProblem(f"{shown} is a directory, not a file") from None
    except OSError as exc:
        raise MediaProblem(f"cannot read {shown}: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise MediaProblem(f"{shown} is a directory, not a file")
        raise MediaProblem(f"{shown} is not a regular file (a pipe, socket or device)")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise MediaProblem(_too_big(shown, info.st_size, limit, kind))
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise MediaProblem(_too_big(shown, len(data), limit, kind))
    return data, (info.st_dev, info.st_ino, len(data), info.st_mtime_ns)


def _too_big(shown: str, size: int, limit: int, kind: str) -> str:
    service = {IMAGE: "the service takes images under", VIDEO: "the service takes videos up to",
               AUDIO: "storyfilm reads audio up to", "storyboard": "storyfilm reads storyboards up to"}
    return f"{shown} is {size / MB:.1f} MB; {service.get(kind, 'the limit is')} {limit // MB} MB"


def _image_header(data: bytes, shown: str) -> tuple[int, int]:
    """The size the header claims (0, 0 for HEIC), checked before anything is decoded: a format
    the service reads, and a size within its limits (a header claiming 60000x60000 is never decoded)."""
    info = images.sniff(data)
    if info is None:
        raise MediaProblem(f"{shown} is not an image the service reads (jpeg, png, webp, bmp, tiff, gif)")
    if len(data) >= IMAGE_MAX_BYTES:
        raise MediaProblem(f"{shown} is {len(data) / MB:.1f} MB; the service takes images under "
                           f"{IMAGE_MAX_BYTES // MB} MB")
    if info.format == "heic":
        return 0, 0
    problem = limits.image_problem(info.width, info.height)
    if problem is not None:
        raise MediaProblem(f"{shown} {problem}")
    return info.width, info.height


def data_url(item: Media) -> str:
    """What goes in the request: the URL as given, or the file as a base64 data URL, read again now
    and sent only if it still holds the bytes checked and keyed when the storyboard was read
    (MediaChanged: an edit saved during the render waits for the next run's checks and key)."""
    if item.url:
        return item.url
    assert item.path is not None
    data = _as_checked(item)
    if item.kind == IMAGE:
        return image_data_url(data)
    mime = f"{item.kind}/{item.path.suffix.lstrip('.').lower().replace('jpg', 'jpeg')}"
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _as_checked(item: Media) -> bytes:
    assert item.path is not None
    again = "run the same command again to check it and send it as it is now"
    try:
        data, _ = read_regular(item.path, limits.max_bytes(item.kind), item.source, item.kind)
    except MediaProblem as exc:
        raise MediaChanged(f"{item.source} changed after it was checked ({exc.message}): it was not sent; "
                           f"{again}") from None
    if len(data) != item.size or hashlib.sha256(data).hexdigest() != item.sha256:
        raise MediaChanged(f"{item.source} ({item.path}) changed after it was checked (now {len(data):,} bytes, "
                           f"sha256 {hashlib.sha256(data).hexdigest()[:12]}; checked: {item.size:,} bytes, "
                           f"{item.sha256[:12]}): it was not sent; {again}")
    return data


def load_storyboard(path: str | Path) -> storyboard.Storyboard:
    """Read a storyboard file and resolve the media it names: StoryboardError for every fault.
    The file's size is checked before it is read: a huge file costs nothing to refuse."""
    path = Path(path)
    shown = str(path)
    try:
        data, _ = read_regular(path, STORYBOARD_MAX_BYTES, "the storyboard", "storyboard")
        text = data.decode("utf-8")
    except MediaProblem as exc:
        message = "no such storyboard file" if _no_such_name(path) else exc.message
        raise StoryboardError([Problem(shown, 1, 1, message)]) from None
    except UnicodeDecodeError as exc:
        raise StoryboardError([_not_utf8(shown, data, exc.start)]) from None
    if "\0" in text and (binary := _binary_kind(data)):  # NUL: a video or sound that happens to be UTF-8
        raise StoryboardError([Problem(shown, 1, 1, f"this is {binary}, not a storyboard (YAML text)")])
    board = storyboard.parse(text, path, resolve)
    problem = _output_problem(board.output, path) if board.output is not None else None
    if problem:  # found now, not by ffmpeg once every shot is paid
        raise StoryboardError([Problem(shown, *_top_level_key(text, "output"), problem)])
    return board


def _no_such_name(path: Path) -> bool:
    """Nothing at all by that name (not even a dangling link); False for a name too long, which
    the read's own message tells better."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def check_not_own_output(board: storyboard.Storyboard, story: Path, output: Path) -> None:
    """A shot's media and the soundtrack must not be one of the files this film writes (the film,
    `<film>.contact.png`, any `<film>.*` beside it), by name or through a link: every film would
    change it, so the shot would render, and be paid for, again on every run (the film be joined
    again), and `--watch` would film for ever."""
    folder, prefix = Path(os.path.realpath(output.parent)), output.stem + "."  # beside the name, wherever it links

    def written_by_film(path: Path | None) -> bool:
        return path is not None and path.parent == folder and path.name.startswith(prefix)

    for shot in board.shots:
        for field, item in (("first_frame", shot.first_frame), ("last_frame", shot.last_frame),
                            *(("references", m) for m in shot.references)):
            if item is not None and written_by_film(item.path):
                raise UsageError(f"{story}: shot {shot.id!r} {field}: {item.source} is written by this film (beside "
                                 f"{output}): each film would change it and render the shot again (with a key, paid "
                                 "again); use a copy under another name")
    if board.soundtrack is not None and written_by_film(board.soundtrack.path):
        raise UsageError(f"{story}: soundtrack: {board.soundtrack.path} is written by this film (beside {output}): "
                         "each film would change its music and be joined again; use a copy under another name")


def _output_problem(output: Path, story: Path) -> str | None:
    try:
        return _output_folder_problem(output, story)
    except OSError as exc:  # a name too long, a loop of links: pathlib's is_dir() lets these out
        return f"`output` {output}: {exc.strerror}"


def _output_folder_problem(output: Path, story: Path) -> str | None:
    if output.is_dir():
        return f"`output` {output} is a folder; name the film's file, e.g. {output / (story.stem + '.mp4')}"
    folder = output.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return None if folder.is_dir() else f"`output` {output}: {folder} is a file, not a folder"


def _top_level_key(text: str, key: str) -> tuple[int, int]:
    """Line and column of a top-level key's value (the storyboard parsed, so the key is there once)."""
    found = re.search(rf"^{key}:[ \t]*", text, re.M)
    if not found:
        return 1, 1
    return text.count("\n", 0, found.start()) + 1, found.end() - found.start() + 1


def _not_utf8(shown: str, data: bytes, at: int) -> Problem:
    """Where a storyboard stops being UTF-8 text, and what it seems to be instead."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(shown, 1, 1, "the storyboard is UTF-16 text; save it as UTF-8")
    binary = _binary_kind(data)
    if binary:
        return Problem(shown, 1, 1, f"this is {binary}, not a storyboard (YAML text)")
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    col = len(data[line_start:at].decode("utf-8", "replace")) + 1
    return Problem(shown, line, col, f"the byte 0x{data[at]:02x} is not UTF-8 text; save the storyboard as UTF-8")


_SIGNATURES = ((b"RIFF", 8, b"WAVE", "a WAV sound"), (b"ID3", 0, b"", "an MP3 sound"),
               (b"\x1f\x8b", 0, b"", "a gzip archive"), (b"PK\x03\x04", 0, b"", "a zip archive"),
               (b"%PDF", 0, b"", "a PDF document"), (b"\x7fELF", 0, b"", "a program"))


def _binary_kind(data: bytes) -> str | None:
    """What a file given as a storyboard seems to be, when it is a known binary format; None if not."""
    image = images.sniff(data)
    if image is not None:
        return f"a {image.format.upper()} image"
    if data[4:8] == b"ftyp":
        return "a video (MP4/MOV)"
    for head, at, mark, kind in _SIGNATURES:
        if data.startswith(head) and data[at:at + len(mark)] == mark:
            return kind
    return None
