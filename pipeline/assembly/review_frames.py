"""The review's frames, each taken once: a clip's first, middle and last frame (and the frame a
chained join compares) as thumbnails padded like the film, with their mean Y, U, V.

Taken as cheaply as ffmpeg allows, a dozen frames per ffmpeg run and two runs at a time (memory
stays flat whatever the number of shots): the clip's first frame reads one frame; a later frame
seeks to the keyframe at or before it and decodes up to it (the local server's clips have a
keyframe every second); the clip's last frame is the PNG the render stored, when the clip carries
one. With a cache folder, every frame is kept there under a key of the clip's bytes, the frame
number and the thumbnail size, so the next review (a re-film after one edit) decodes only the
clips that changed.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly.ffmpeg_graph import Source, unique_input
from storyfilm.assembly.join_cache import content_sha
from storyfilm.assembly.spec import FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.errors import FfmpegError
from storyfilm.mediaio import runner

THUMB_WIDTH = 320
BATCH = 12  # frames per ffmpeg run: each open decoder holds its reference frames (12: ~150 MB at 720p)
PARALLEL = 2  # ffmpeg runs at once: one per core of a small machine
VERSION = 1  # of how a thumbnail is made: a change here leaves the cached ones behind
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
    for seg, src, numbers in zip(segments, sources, wanted):
        digest = _digest(src.path, spec) if cache else ""
        missing = []
        for n in numbers:
            keys[seg.index][n] = f"{digest}-{n}"
            if cache and _from_cache(cache, keys[seg.index][n], n, pngs[seg.index], means[seg.index]):
                continue
            missing.append(n)
        for tag, (video, got) in enumerate(_decoded(seg, src, missing, spec)):
            name = f"c{seg.index}_{tag}"
            outputs.append(_thumbnail(video, spec, work / f"{name}.txt").output(
                str(work / f"{name}_%02d.png"), fps_mode="passthrough"))
            taken.append((seg, name, got))
    batches = [ff.merge_outputs(*outputs[k:k + BATCH]).overwrite_output().get_args()
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


def _digest(clip: Path, spec: FilmSpec) -> str:
    """The key of a clip's thumbnails: its bytes' sha256 (remembered from the join, which hashed it
    already), the thumbnail size and the fps."""
    tw, th = thumb_size(spec)
    return hashlib.sha256(f"v{VERSION} {tw}x{th} {spec.fps}\n{content_sha(clip)}".encode()).hexdigest()


def _from_cache(cache: Path, key: str, n: int, pngs: Frames, means: Means) -> bool:
    """A cached frame counts only when its PNG still has the sha256 its sidecar wrote down."""
    png, stats = cache / f"{key}.png", cache / f"{key}.yuv"
    try:
        *values, sha = stats.read_text().split()
        mean = tuple(float(v) for v in values)
        whole = hashlib.sha256(png.read_bytes()).hexdigest() == sha
    except (OSError, ValueError):
        return False
    if len(mean) != 3 or not whole:
        return False
    pngs[n], means[n] = png, mean
    return True


def _to_cache(cache: Path, key: str, png: Path, mean: tuple[float, ...] | None) -> bool:
    """The PNG first, then its stats and sha256 (each written atomically)."""
    if mean is None:
        return False
    try:
        cache.mkdir(parents=True, exist_ok=True)
        data = png.read_bytes()
        sidecar = " ".join([*map(str, mean), hashlib.sha256(data).hexdigest()]).encode()
        for data, name in ((data, f"{key}.png"), (sidecar, f"{key}.yuv")):
            partial = cache / f".{name}.partial"
            partial.write_bytes(data)
            os.replace(partial, cache / name)
    except OSError:  # a cache that cannot be written (full, read-only) only costs the next review time
        return False
    return True


def keep_score(path: Path, score: tuple[float, float]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(f"{score[0]} {score[1]}")
        os.replace(partial, path)
    except OSError:  # as for the frames: the cache only saves time
        pass


def cached_score(cache: Path | None, a: Path, b: Path) -> tuple[Path | None, tuple[float, ...] | None]:
    """Where the score of two cached frames is kept, and the score when it is there: both frames'
    names are keys of their content, so the pair's score never changes."""
    if cache is None or a.parent != cache or b.parent != cache:
        return None, None
    path = cache / f"{a.stem}--{b.stem}.score"
    try:
        values = tuple(float(v) for v in path.read_text().split())
    except (OSError, ValueError):
        return path, None
    return path, values if len(values) == 2 else None


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
