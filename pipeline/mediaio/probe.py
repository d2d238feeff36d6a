"""What a media file holds, read from what ffmpeg prints.

The imageio-ffmpeg wheel ships ffmpeg but not ffprobe, so the headers come from `ffmpeg -i`; an
exact frame count comes from the MP4 boxes or, failing that, from a stream-copy pass. What was
read is remembered for the process, under the file's identity and modification time: a film run
reads each clip when it lands (the review's frames), again at the join and for the review page.

    probe(path) / probe_many(paths) -> MediaInfo    size, fps, frames, sound, text tracks, chapters
    peak_levels(paths) -> [dBFS]                    each file's loudest audio sample
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import mp4box, runner


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    width: int | None
    height: int | None
    fps: float | None
    frames: int | None
    has_audio: bool
    audio_rate: int | None
    audio_channels: int | None
    video_codec: str | None = None  # as ffmpeg names it with its profile, e.g. "h264 (High)"
    pix_fmt: str | None = None
    sar: str | None = None
    audio_codec: str | None = None
    subtitle_codecs: tuple[str, ...] = ()
    chapters: tuple[tuple[str, float, float], ...] = ()  # (title, start s, end s)


_INPUT = re.compile(r"^Input #(\d+), ", re.M)
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+(?: \([^)]*\))?).*?, (\w+)(?:\([^)]*\))?, (\d{2,5})x(\d{2,5})"
                    r"(?: \[SAR (\d+:\d+))?")
_FPS = re.compile(r"Stream #\S+.*?: Video: .*?, ([\d.]+) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)")
_SUBTITLE = re.compile(r"Stream #\S+.*?: Subtitle: (\w+)")
_CHAPTER = re.compile(r"Chapter #\S+: start (-?[\d.]+), end (-?[\d.]+)\n(?:\s+Metadata:\n\s+title\s+: ?(.*))?")
_FRAMES = re.compile(r"frame=\s*(\d+)")
_MUXED = re.compile(r"Output stream #(\d+):\d+ \(video\): (?:\d+ frames encoded; )?(\d+) packets muxed")
_PEAK = re.compile(r"Parsed_volumedetect_(\d+) @ [^\]]*\] max_volume: (-?[\d.]+|-inf) dB")


def probe(path: Path, *, count_frames: bool = True) -> MediaInfo:
    """Size, fps, duration, audio and (by a cheap stream-copy pass) the exact video frame count."""
    return probe_many([path], count_frames=count_frames)[0]


def probe_many(paths: list[Path], *, count_frames: bool = True) -> list[MediaInfo]:
    """Probe several files with one ffmpeg process for the headers and one stream-copy pass for
    the exact frame counts (process start-up dominates for short clips); files read before (and
    unchanged since) are not read again."""
    keys = [_identity(path, count_frames) for path in paths]
    with _SEEN_LOCK:
        known = {key: _SEEN[key] for key in keys if key is not None and key in _SEEN}
    # each file once, however often it is named
    unknown = list({str(p): p for p, key in zip(paths, keys) if key is None or key not in known}.values())
    read = dict(zip(map(str, unknown), _probe_many(unknown, count_frames=count_frames)))
    with _SEEN_LOCK:
        for path, key in zip(paths, keys):
            if key is not None and str(path) in read:
                _SEEN[key] = read[str(path)]
                _SEEN.move_to_end(key)
        while len(_SEEN) > _SEEN_MAX:
            _SEEN.popitem(last=False)
    return [known[key] if key in known else read[str(path)] for path, key in zip(paths, keys)]


_SEEN: OrderedDict[tuple, MediaInfo] = OrderedDict()
_SEEN_LOCK = threading.Lock()
_SEEN_MAX = 1024


def _identity(path: Path, count_frames: bool) -> tuple | None:
    """A regular file's identity and modification time (None for anything else: a pipe, a device)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, count_frames


def _probe_many(paths: list[Path], *, count_frames: bool) -> list[MediaInfo]:
    if not paths:
        return []
    text = runner.run_unchecked(input_args(paths))
    heads = {int(m[1]): m.end() for m in _INPUT.finditer(text)}
    if len(heads) != len(paths):
        bad = next((p for i, p in enumerate(paths) if i not in heads), paths[-1])
        raise FfmpegError(f"cannot read media {bad}: " + (text.strip().splitlines() or ["no output"])[-1])
    bounds = sorted(heads.values()) + [len(text)]
    infos = [_parse_head(text[bounds[i]:bounds[i + 1]], path) for i, path in enumerate(paths)]
    if count_frames:
        tracks = {str(p): mp4box.video_track(p) for p in paths}
        from_boxes = {p: t.frames for p, t in tracks.items() if t and t.frames and not t.edited}
        edited = {p for p, t in tracks.items() if t and t.edited}  # only a decoder honours an edit list
        counts = from_boxes | _count_frames([p for p, info in zip(paths, infos)
                                             if info.width and str(p) not in from_boxes], edited)
        infos = [replace(info, frames=counts.get(str(p))) if info.width else info for p, info in zip(paths, infos)]
    return infos


def input_args(paths: list[Path]) -> list[str]:
    """`-i` for each path, in order: input i of the command is paths[i]."""
    return [a for p in paths for a in ("-i", str(p))]


def _parse_head(head: str, path: Path) -> MediaInfo:
    m = _DURATION.search(head)
    if not m:
        raise FfmpegError(f"cannot read media {path}: no duration")
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    video, fps, audio = _VIDEO.search(head), _FPS.search(head), _AUDIO.search(head)
    chapters = tuple((c[3] or "").strip() for c in _CHAPTER.finditer(head))
    return MediaInfo(
        duration=duration,
        width=int(video[3]) if video else None,
        height=int(video[4]) if video else None,
        fps=float(fps[1]) if fps else None,
        frames=None,
        has_audio=audio is not None,
        audio_rate=int(audio[2]) if audio else None,
        audio_channels=_channels(audio[3].strip()) if audio else None,
        video_codec=video[1] if video else None,
        pix_fmt=video[2] if video else None,
        sar=video[5] if video else None,
        audio_codec=audio[1] if audio else None,
        subtitle_codecs=tuple(s[1] for s in _SUBTITLE.finditer(head)),
        chapters=tuple((t, float(c[1]), float(c[2])) for t, c in zip(chapters, _CHAPTER.finditer(head))),
    )


def _channels(layout: str) -> int | None:
    named = {"mono": 1, "stereo": 2}
    if layout in named:
        return named[layout]
    m = re.match(r"(\d+)", layout)
    return int(m[1]) if m else None


def count_frames_args(paths: list[Path], decode: frozenset[int] = frozenset()) -> list[str]:
    """Stream-copy each file's first video stream (decode it, for the indices in `decode`: a copy
    keeps the frames an edit list hides) to a null output of its own, verbosely (the muxer then
    reports every output's packet count)."""
    outputs = [a for i in range(len(paths))
               for a in ("-map", f"{i}:v:0", *(() if i in decode else ("-c", "copy")), "-f", "null", "-")]
    return ["-v", "verbose", *input_args(paths), *outputs]


def _count_frames(paths: list[Path], edited: set[str] = set()) -> dict[str, int]:
    """Exact video frame counts, by path (`edited`: paths whose edit list hides frames)."""
    if not paths:
        return {}
    text = runner.run_unchecked(count_frames_args(paths, frozenset(i for i, p in enumerate(paths) if str(p) in edited)))
    muxed = {int(m[1]): int(m[2]) for m in _MUXED.finditer(text)}
    if len(paths) == 1 and not muxed:  # older ffmpeg: fall back on the progress line
        frames = _FRAMES.findall(text)
        muxed = {0: int(frames[-1])} if frames else {}
    return {str(p): muxed[i] for i, p in enumerate(paths) if i in muxed}


def peak_levels_args(paths: list[Path]) -> list[str]:
    """Decode each file's first audio stream through volumedetect into a null output of its own."""
    graph = ";".join(f"[{i}:a:0]volumedetect[o{i}]" for i in range(len(paths)))
    outputs = [a for i in range(len(paths)) for a in ("-map", f"[o{i}]", "-f", "null", "-")]
    return [*input_args(paths), "-filter_complex", graph, *outputs]


def peak_levels(paths: list[Path]) -> list[float]:
    """The peak level (dBFS, -inf for digital silence) of each file's first audio stream, decoded
    by one ffmpeg process."""
    if not paths:
        return []
    text = runner.run(peak_levels_args(paths), what="measure audio levels").stderr.decode(errors="replace")
    peaks = {int(m[1]): float(m[2]) for m in _PEAK.finditer(text)}
    return [peaks.get(i, float("-inf")) for i in range(len(paths))]
