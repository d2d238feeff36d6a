"""The review's frames, each taken once: a clip's first, middle and last frame (and the frame a
chained join compares) as thumbnails padded like the film, with their mean Y, U, V.

Taken as cheaply as ffmpeg allows, a dozen frames per ffmpeg run and two runs at a time (memory
stays flat whatever the number of shots): the clip's first frame reads one frame; a later frame
seeks to the keyframe at or before it and decodes up to it (the local server's clips have a
keyframe every second); the clip's last frame is the PNG the render stored, when the clip carries
one. The frames the review page shows, a clip's first and last, are also written as a JPEG in the
same run (`jpeg()`): the page takes no frames of its own. With a cache folder, every frame is kept
there under a key of the clip's bytes, the frame number and the thumbnail size, so the next review
(a re-film after one edit, or the film's review after the render took its frames as each clip
landed: review_ahead.py) decodes only the clips that changed.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly.ffmpeg_graph import Source, unique_input
from storyfilm.assembly.join_cache import content_sha
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner, scratch

THUMB_WIDTH = 320
BATCH = 12  # frames per ffmpeg run: each open decoder holds its reference frames (12: ~150 MB at 720p)
PARALLEL = 2  # ffmpeg runs at once: one per core of a small machine
VERSION = 2  # of how a thumbnail is made: a change here leaves the cached ones behind
JPEG_QUALITY = 4  # the review page's thumbnails (ffmpeg -q: 2 best .. 31)
_STAT = re.compile(r"lavfi\.signalstats\.([YUV]AVG)=([\d.]+)")

Frames = dict[int, Path]  # frame number in the clip → thumbnail PNG
Means = dict[int, tuple[float, ...]]  # frame number in the clip → mean (Y, U, V)


def thumb_size(spec: FilmSpec) -> tuple[int, int]:
    width = min(THUMB_WIDTH, spec.width)
    return width, max(2, round(spec.height * width / spec.width / 2) * 2)


def take(segments: list[Segment], sources: list[Source], wanted: list[list[int]], spec: FilmSpec, work: Path,
         cache: Path | None = None) -> tuple[list[Frames], list[Means]]:
    """The `wanted` frame numbers of each segment's clip, from the cache or decoded."""
    pngs: list[Frames] = [{} for _ in segments]
    means: list[Means] = [{} for _ in segments]
    keys: list[dict[int, str]] = [{} for _ in segments]
    outputs, taken = [], []
    if cache:
        scratch.sweep_dead_partials(cache)  # what a review killed mid-write left there
    for seg, src, numbers in zip(segments, sources, wanted):
        digest = _digest(src.path, spec) if cache else ""
        missing = []
        for n in numbers:
            keys[seg.index][n] = f"{digest}-{n}"
            if cache and _from_cache(cache, keys[seg.index][n], n, pngs[seg.index], means[seg.index],
                                     with_jpeg=n in page_frames(seg)):
                continue
            missing.append(n)
        for tag, (video, got) in enumerate(_decoded(seg, src, missing, spec)):
            name = f"c{seg.index}_{tag}"
            outputs.append(_outputs(_thumbnail(video, spec, work / f"{name}.txt"), work / name,
                                    jpeg=bool(page_frames(seg).intersection(got))))
            taken.append((seg, name, got))
    batches = [ff.merge_outputs(*(o for group in outputs[k:k + BATCH] for o in group)).overwrite_output().get_args()
               for k in range(0, len(outputs), BATCH)]
    with ThreadPoolExecutor(PARALLEL) as pool:  # list(): the first failure is raised here
        list(pool.map(lambda args: runner.run(args, what="take the review frames"), batches))
    for seg, name, got in taken:
        _collect(work, seg, name, got, pngs[seg.index], means[seg.index])
        if cache:
            for n in got:
                if _to_cache(cache, keys[seg.index][n], pngs[seg.index][n], means[seg.index].get(n)):
                    pngs[seg.index][n] = cache / f"{keys[seg.index][n]}.png"
    return pngs, means


def page_frames(seg: Segment) -> set[int]:
    """The frames of a clip the review page shows: its first and its last (the one handed on)."""
    return {0, seg.source_frames - 1}


def jpeg(png: Path) -> Path | None:
    """The JPEG taken beside a page frame's thumbnail (None for the others)."""
    path = png.with_suffix(".jpg")
    return path if path.is_file() else None


def _outputs(thumbnail, stem: Path, *, jpeg: bool) -> list:
    """The thumbnail as numbered PNGs, and for a frame the page shows, as a JPEG beside its PNG."""
    if not jpeg:
        return [thumbnail.output(f"{stem}_%02d.png", fps_mode="passthrough")]
    # rgb24 first, the PNG's own pixels: else the split would make both outputs agree on the JPEG's 4:2:0
    both = thumbnail.filter("format", "rgb24").filter_multi_output("split", 2)
    return [both[0].output(f"{stem}_%02d.png", fps_mode="passthrough"),
            both[1].output(f"{stem}_%02d.jpg", fps_mode="passthrough", q=JPEG_QUALITY)]


def _digest(clip: Path, spec: FilmSpec) -> str:
    """The key of a clip's thumbnails: its bytes' sha256 (remembered from the join, which hashed it
    already), the thumbnail size and the fps."""
    tw, th = thumb_size(spec)
    return hashlib.sha256(f"v{VERSION} {tw}x{th} {spec.fps}\n{content_sha(clip)}".encode()).hexdigest()


def _from_cache(cache: Path, key: str, n: int, pngs: Frames, means: Means, *, with_jpeg: bool) -> bool:
    """A cached frame counts only when its PNG (and JPEG, for a page frame) still has the sha256
    its sidecar wrote down."""
    png, stats = cache / f"{key}.png", cache / f"{key}.yuv"
    try:
        y, u, v, *shas = _checked(stats.read_text(), stats.name).split()
        mean = (float(y), float(u), float(v))
        files = [png, png.with_suffix(".jpg")][:len(shas)]
        whole = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files] == shas
    except (OSError, ValueError):
        return False
    if not whole or len(shas) < (2 if with_jpeg else 1):
        return False
    pngs[n], means[n] = png, mean
    return True


def _to_cache(cache: Path, key: str, png: Path, mean: tuple[float, ...] | None) -> bool:
    """The PNG (and its JPEG) first, then its stats and sha256s (each written atomically, under a
    name of this process's and thread's: the render's frames and a review, or two films in two
    terminals, may write the same frame at once)."""
    if mean is None:
        return False
    try:
        cache.mkdir(parents=True, exist_ok=True)
        files = [(f.read_bytes(), f"{key}{f.suffix}") for f in (png, jpeg(png)) if f is not None]
        figures = " ".join([*map(str, mean), *(hashlib.sha256(data).hexdigest() for data, _ in files)])
        sidecar = _summed(figures, f"{key}.yuv").encode()
        for data, name in (*files, (sidecar, f"{key}.yuv")):
            scratch.replace_with(cache / name, data, durable=False)  # the sidecar's sha256s find a torn one
    except OSError:  # a cache that cannot be written (full, read-only) only costs the next review time
        return False
    return True


def keep_score(path: Path, score: tuple[float, float]) -> None:
    try:
        scratch.replace_with(path, _summed(f"{score[0]} {score[1]}", path.name).encode(), durable=False)
    except OSError:  # as for the frames: the cache only saves time
        pass


def cached_score(cache: Path | None, a: Path, b: Path) -> tuple[Path | None, tuple[float, ...] | None]:
    """Where the score of two cached frames is kept, and the score when it is there: both frames'
    names are keys of their content, so the pair's score never changes."""
    if cache is None or a.parent != cache or b.parent != cache:
        return None, None
    path = cache / f"{a.stem}--{b.stem}.score"
    try:
        values = tuple(float(v) for v in _checked(path.read_text(), path.name).split())
    except (OSError, ValueError):
        return path, None
    return path, values if len(values) == 2 else None


def _summed(text: str, name: str) -> str:
    """A cached line of figures (a frame's means, a join's scores) with a checksum of it and of the
    file's name: a figure changed on disk, or another frame's file copied over this one, would
    otherwise be read as the truth and shown in the review."""
    return f"{text} {_checksum(text, name)}"


def _checksum(text: str, name: str) -> str:
    return hashlib.sha256(f"{name}\n{text}".encode()).hexdigest()[:16]


def _checked(line: str, name: str) -> str:
    """The figures of a `_summed` line; ValueError when its checksum does not match (or is missing)."""
    text, _, checksum = line.rpartition(" ")
    if not text or _checksum(text, name) != checksum:
        raise ValueError("a damaged cache line")
    return text


def _thumbnail(video, spec: FilmSpec, stats: Path):
    tw, th = thumb_size(spec)
    return (video.filter("scale", "trunc(iw*sar/2)*2", "ih").filter("setsar", 1)
            .filter("scale", tw, th, force_original_aspect_ratio="decrease")
            .filter("pad", tw, th, "(ow-iw)/2", "(oh-ih)/2").filter("setsar", 1)
            .filter("signalstats").filter("metadata", mode="print", file=str(stats)))


def _collect(work: Path, seg: Segment, name: str, numbers: list[int], pngs: Frames, means: Means) -> None:
    stats = work / f"{name}.txt"
    values = [float(v) for _, v in _STAT.findall(stats.read_text() if stats.is_file() else "")]
    means.update(zip(numbers, (tuple(values[i:i + 3]) for i in range(0, len(values) - 2, 3))))
    for k, n in enumerate(numbers, 1):
        png = work / f"{name}_{k:02d}.png"
        if not png.is_file():
            raise FfmpegError(f"no frame {n} in {seg.clip.path.name}: the clip is shorter than probed")
        pngs[n] = png


def _decoded(seg: Segment, src: Source, numbers: list[int], spec: FilmSpec):
    """(stream, the frame numbers it yields) for these frames of a segment's clip. A clip at another
    frame rate is decoded whole through the film's fps (its frame n is not at n/fps of the clip)."""
    if not numbers:
        return []
    if not src.fps or abs(src.fps - spec.fps) >= 0.01:
        video = (unique_input(str(src.path), seg.index).video.filter("fps", spec.fps)
                 .filter("tpad", stop=2, stop_mode="clone"))
        pick = "+".join(f"not(n-{n})" for n in numbers)  # no commas: they would split the graph
        return [(video.filter("select", pick), numbers)]
    streams = []
    if {0, 1} <= set(numbers) and seg.source_frames > 2:  # a chained clip's first two: one input, two frames
        streams.append((_one_frame(seg, src, 0, spec.fps).filter("trim", end_frame=2), [0, 1]))
        numbers = [n for n in numbers if n > 1]
    for n in numbers:
        stored = seg.clip.last_frame
        if n == seg.source_frames - 1 and stored is not None and Path(stored).is_file():
            stream = ff.input(str(stored), thread_queue_size=64 + seg.index).video
        else:
            stream = _one_frame(seg, src, n, spec.fps)
        streams.append((stream.filter("trim", end_frame=1), [n]))
    return streams


def _one_frame(seg: Segment, src: Source, n: int, fps: float):
    """Frame n of the clip. Seeking half a frame past n lands on the keyframe at or before n, and
    the input's timestamps then count from the seek point: frame n is the first at t >= -1 frame.
    ffmpeg stops reading an input once the one frame its output wants has passed."""
    if n == 0:
        return unique_input(str(src.path), seg.index, threads=1).video
    video = unique_input(str(src.path), seg.index, ss=f"{(n + 0.5) / fps:.6f}", noaccurate_seek=None, threads=1).video
    return video.filter("trim", start=f"{-1 / fps:.6f}")
