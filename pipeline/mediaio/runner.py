"""Finding the ffmpeg binary, running it, and probing media with it.

The imageio-ffmpeg wheel ships ffmpeg but not ffprobe, so probing reads what
`ffmpeg -i` prints; an exact frame count comes from a stream-copy pass.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from storyfilm.mediaio import mp4box
from storyfilm.errors import FfmpegError


@functools.cache
def ffmpeg_exe() -> str:
    """FFMPEG from the environment, else ffmpeg on PATH, else the imageio-ffmpeg wheel's binary."""
    explicit = os.environ.get("FFMPEG")
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise FfmpegError(f"FFMPEG={explicit} is not an executable file")
        return explicit
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a broken install
        raise FfmpegError("no ffmpeg: set FFMPEG, put ffmpeg on PATH or pip install imageio-ffmpeg") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


LONG_OPTION = 16 * 1024  # an option value longer than this is passed in a file (`-/option path`)


def run(args: list[str], *, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (without the binary); raise FfmpegError with its last lines on failure.

    The filter graph of a film with hundreds of shots is longer than one argument may be (Linux:
    128 KiB), so long option values go to files that ffmpeg reads (`-/filter_complex graph.txt`)."""
    with tempfile.TemporaryDirectory(prefix="storyfilm-ffmpeg-") as tmp:
        argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", *_spill_long_options(args, Path(tmp))]
        proc = subprocess.run(argv, capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-6:]
        raise FfmpegError(f"ffmpeg failed to {what}:\n  " + "\n  ".join(tail))
    return proc


def _spill_long_options(args: list[str], folder: Path) -> list[str]:
    out: list[str] = []
    for i, arg in enumerate(args):
        option = out[-1] if out else ""
        if len(arg) > LONG_OPTION and i and option.startswith("-") and not option.startswith("-/"):
            path = folder / f"option{i}.txt"
            path.write_text(arg, encoding="utf-8")
            out[-1] = "-/" + option[1:]
            out.append(str(path))
        else:
            out.append(arg)
    return out


def extract_last_frame(video: Path, png: Path) -> None:
    """Decode the video and keep its final frame, losslessly, as PNG."""
    run(["-sseof", "-1", "-i", str(video), "-map", "0:v:0", "-update", "1", "-fps_mode", "passthrough",
         "-y", str(png)], what="extract the last frame")


def extract_frame(video: Path, index: int, png: Path) -> None:
    """Decode frame number `index` (0-based) of a video to PNG."""
    run(["-i", str(video), "-map", "0:v:0", "-vf", f"select=eq(n\\,{index})", "-fps_mode", "passthrough",
         "-frames:v", "1", "-y", str(png)], what=f"extract frame {index}")


_PSNR = re.compile(r"PSNR .*?average:(inf|[\d.]+)")


def psnr(a: Path, b: Path) -> float:
    """Peak signal-to-noise ratio (dB, average over planes) of two same-size images; inf when identical."""
    proc = run(["-i", str(a), "-i", str(b), "-filter_complex",
                "[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr", "-f", "null", "-"],
               what="compare two frames")
    m = _PSNR.search(proc.stderr.decode(errors="replace"))
    if not m:
        raise FfmpegError(f"no PSNR figure comparing {a} and {b}")
    return float(m[1])


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
_MUXED = re.compile(r"Output stream #(\d+):\d+ \(video\): (\d+) packets muxed")


def probe(path: Path, *, count_frames: bool = True) -> MediaInfo:
    """Size, fps, duration, audio and (by a cheap stream-copy pass) the exact video frame count."""
    return probe_many([path], count_frames=count_frames)[0]


def probe_many(paths: list[Path], *, count_frames: bool = True) -> list[MediaInfo]:
    """Probe several files with one ffmpeg process for the headers and one stream-copy pass for
    the exact frame counts (process start-up dominates for short clips)."""
    if not paths:
        return []
    inputs = [a for p in paths for a in ("-i", str(p))]
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *inputs], capture_output=True)
    text = proc.stderr.decode(errors="replace")
    heads = {int(m[1]): m.end() for m in _INPUT.finditer(text)}
    if len(heads) != len(paths):
        bad = next((p for i, p in enumerate(paths) if i not in heads), paths[-1])
        raise FfmpegError(f"cannot read media {bad}: " + (text.strip().splitlines() or ["no output"])[-1])
    bounds = sorted(heads.values()) + [len(text)]
    infos = [_parse_head(text[bounds[i]:bounds[i + 1]], path) for i, path in enumerate(paths)]
    if count_frames:
        from_boxes = {str(p): t.frames for p in paths if (t := mp4box.video_track(p)) and t.frames}
        counts = from_boxes | _count_frames([p for p, info in zip(paths, infos)
                                             if info.width and str(p) not in from_boxes])
        infos = [replace(info, frames=counts.get(str(p))) if info.width else info for p, info in zip(paths, infos)]
    return infos


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


def _count_frames(paths: list[Path]) -> dict[str, int]:
    """Exact video frame counts: each file's video is stream-copied to a null output of its own."""
    if not paths:
        return {}
    args = [a for p in paths for a in ("-i", str(p))]
    for i in range(len(paths)):
        args += ["-map", f"{i}:v:0", "-c", "copy", "-f", "null", "-"]
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "verbose", *args], capture_output=True)
    text = proc.stderr.decode(errors="replace")
    muxed = {int(m[1]): int(m[2]) for m in _MUXED.finditer(text)}
    if len(paths) == 1 and not muxed:  # older ffmpeg: fall back on the progress line
        frames = _FRAMES.findall(text)
        muxed = {0: int(frames[-1])} if frames else {}
    return {str(p): muxed[i] for i, p in enumerate(paths) if i in muxed}


def avc_config(path: Path) -> bytes | None:
    """The H.264 decoder configuration (the avcC box) of an MP4: clips may be joined by stream copy
    only when theirs are identical, since MP4 keeps SPS/PPS out of band, once per track."""
    track = mp4box.video_track(path)
    return track.avcc if track else None


_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")


def decoded_seconds(path: Path, stream: str = "a") -> float:
    """How long a file's first audio ("a") or video ("v") stream plays once decoded."""
    proc = run(["-i", str(path), "-map", f"0:{stream}:0", "-f", "null", "-"], what=f"decode {path.name}")
    times = _TIME.findall(proc.stderr.decode(errors="replace"))
    if not times:
        raise FfmpegError(f"no {stream} stream decoded from {path}")
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def _channels(layout: str) -> int | None:
    named = {"mono": 1, "stereo": 2}
    if layout in named:
        return named[layout]
    m = re.match(r"(\d+)", layout)
    return int(m[1]) if m else None


_PEAK = re.compile(r"Parsed_volumedetect_(\d+) @ [^\]]*\] max_volume: (-?[\d.]+|-inf) dB")


def peak_levels(paths: list[Path]) -> list[float]:
    """The peak level (dBFS, -inf for digital silence) of each file's first audio stream, decoded
    by one ffmpeg process."""
    if not paths:
        return []
    args = [a for p in paths for a in ("-i", str(p))]
    graph = ";".join(f"[{i}:a:0]volumedetect[o{i}]" for i in range(len(paths)))
    outputs = [a for i in range(len(paths)) for a in ("-map", f"[o{i}]", "-f", "null", "-")]
    text = run([*args, "-filter_complex", graph, *outputs], what="measure audio levels").stderr.decode(errors="replace")
    peaks = {int(m[1]): float(m[2]) for m in _PEAK.finditer(text)}
    return [peaks.get(i, float("-inf")) for i in range(len(paths))]
