"""The cut for an editor: `build/<name>.otio` (OpenTimelineIO), and beside it the same cut as
`build/<name>.xml` (Final Cut Pro 7 XML, which Premiere, DaVinci Resolve and Final Cut import) and
`build/<name>.edl` (CMX 3600, one event per shot), written by OTIO's own adapter packages.

One clip per shot on the video track with its source range as the film uses it (trims and the
dropped repeated first frame of a chained shot already taken off), a transition for every
crossfade or fade through black, the soundtrack on its own audio track, a marker for each
caption, and the shot's prompt, seed, task id and key as metadata. The frame arithmetic is
timeline.py's, so the track lasts exactly as many frames as the film. In the EDL each shot's reel
is SHOTnnn (its place in the film; a reel name has at most 8 characters) and a fade through black
is a dissolve (CMX 3600 has no fade-through-black event); the soundtrack is only in the XML and .otio.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Any

import opentimelineio as otio

from storyfilm.assembly import captions, timeline
from storyfilm.assembly.side_files import EXPORTS
from storyfilm.assembly.spec import ClipIn, FilmSpec
from storyfilm.mediaio import probe, scratch

TRANSITION = {"crossfade": otio.schema.TransitionTypes.SMPTE_Dissolve, "fade_black": "FadeThroughBlack"}


def _rt(frames: int, fps: int) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, fps)


def _range(start: int, frames: int, fps: int) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_rt(start, fps), _rt(frames, fps))


def build(clips: list[ClipIn], lengths: list[int], spec: FilmSpec, name: str, shots: dict[str, dict[str, Any]],
          relative_to: Path, music_frames: int | None = None) -> otio.schema.Timeline:
    """The timeline; `lengths` are the clips' frame counts at the film's fps, `shots` the lock
    file's entries by shot id, `music_frames` the soundtrack file's length. Media paths are
    written relative to `relative_to`."""
    fps = spec.fps
    segments = timeline.segments(clips, lengths, spec)
    # one line: an EDL writes the name as its `TITLE:` line, where a newline would start a bogus event
    cut = otio.schema.Timeline(name=_one_line(name), global_start_time=_rt(0, fps))
    video = otio.schema.Track(name="Shots", kind=otio.schema.TrackKind.Video)
    for number, (seg, nxt) in enumerate(zip(segments, [*segments[1:], None]), 1):
        # an overlap is split around the cut: half before it from this clip, half after from the next
        before = seg.overlap // 2
        after_next = (nxt.overlap - nxt.overlap // 2) if nxt else 0
        if seg.overlap:
            video.append(otio.schema.Transition(name=seg.clip.transition.kind,
                                                transition_type=TRANSITION[seg.clip.transition.kind],
                                                in_offset=_rt(before, fps), out_offset=_rt(seg.overlap - before, fps)))
        kept = _range(seg.start + before, seg.frames - before - after_next, fps)
        clip = _clip(seg, kept, shots.get(seg.clip.shot_id, {}), relative_to, fps)
        clip.metadata["cmx_3600"] = {"reel": f"SHOT{number:03d}"}
        video.append(clip)
    cut.tracks.append(video)
    if spec.soundtrack:
        cut.tracks.append(_music(spec, timeline.film_frames(segments), music_frames, relative_to))
    return cut


def _clip(seg: timeline.Segment, kept: otio.opentime.TimeRange, entry: dict[str, Any], relative_to: Path,
          fps: int) -> otio.schema.Clip:
    media = _media(Path(seg.clip.path), relative_to, _range(0, seg.source_frames, fps))
    clip = otio.schema.Clip(name=seg.clip.shot_id, media_reference=media, source_range=kept)
    clip.metadata["storyfilm"] = {"shot": seg.clip.shot_id, "prompt": _whole(entry.get("prompt")),
                                  "seed": entry.get("seed"), "task_id": _whole(entry.get("task_id")),
                                  "key": entry.get("key"), "model": _whole(entry.get("model")),
                                  "chained": seg.clip.chained, "dropped_repeated_frame": seg.dropped_repeat}
    if captions.lines(seg.clip.caption):  # a caption of blank lines is none, as in the film
        # one line: an EDL writes the name as one `* LOC:` comment line (the caption stays whole below)
        clip.markers.append(otio.schema.Marker(name=_one_line(seg.clip.caption), marked_range=kept,
                                               color=otio.schema.MarkerColor.YELLOW,
                                               metadata={"storyfilm": {"caption": _whole(seg.clip.caption)}}))
    return clip


def _whole(text: Any) -> Any:
    """`text` with each NUL shown as ␀ (U+2400): OTIO's writer ends a string at its first NUL, and
    lost the rest of a prompt (YAML's "\\0") without a word."""
    return text.replace("\0", "\u2400") if isinstance(text, str) else text


def _one_line(text: str) -> str:
    """`text` as one line of printable characters: an EDL line ends at a newline, and XML 1.0 has
    no way to write most control characters (an editor refuses the whole file)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _music(spec: FilmSpec, frames: int, music_frames: int | None, relative_to: Path) -> otio.schema.Track:
    track = otio.schema.Track(name="Soundtrack", kind=otio.schema.TrackKind.Audio)
    # an editor's importer (FCP XML) needs the file's own length; the film uses at most `frames` of it
    media = _media(Path(spec.soundtrack.path), relative_to, _range(0, max(frames, music_frames or 0), spec.fps))
    music = otio.schema.Clip(name="soundtrack", media_reference=media, source_range=_range(0, frames, spec.fps))
    music.metadata["storyfilm"] = {"volume_db": getattr(spec.soundtrack, "volume_db", None)}
    track.append(music)
    return track


def _media(path: Path, relative_to: Path, available: otio.opentime.TimeRange) -> otio.schema.ExternalReference:
    """The file, by its URL; named as it is (FCP XML's adapter would name it by the URL's last part,
    `mus%20%26%20ic.wav` for `mus & ic.wav`)."""
    media = otio.schema.ExternalReference(target_url=_url(path, relative_to), available_range=available)
    media.name = _one_line(path.name)
    return media


def _url(path: Path, relative_to: Path) -> str:
    """A URL (an editor reads FCP XML's pathurl as one): a file named `take #2 %41.m4a` is not
    `take ` with a fragment, nor `take #2 A.m4a`."""
    try:
        return urllib.parse.quote(Path(os.path.relpath(Path(path).resolve(), relative_to.resolve())).as_posix())
    except ValueError:  # another drive
        return Path(path).resolve().as_uri()


def write(out: Path, clips: list[ClipIn], spec: FilmSpec, name: str, shots: dict[str, dict[str, Any]]) -> Path:
    """Probe the clips' lengths, build the timeline and write it to `out` and, beside it, as FCP XML
    and CMX 3600 EDL; each file atomically."""
    infos = probe.probe_many([Path(c.path) for c in clips])
    lengths = [timeline.source_frames(i.frames, i.duration, i.fps, spec.fps) for i in infos]
    music_frames = None
    if spec.soundtrack:
        music_frames = round(probe.probe(Path(spec.soundtrack.path), count_frames=False).duration * spec.fps)
    cut = build(clips, lengths, spec, name, shots, out.parent, music_frames)
    _write(cut, out, "otio_json")
    for suffix, adapter in EXPORTS.items():
        _write(cut, out.with_suffix(suffix), adapter)
    return out


def _write(cut: otio.schema.Timeline, path: Path, adapter: str) -> None:
    partial = scratch.partial_beside(path, keep_suffix=True)
    try:
        otio.adapters.write_to_file(cut, str(partial), adapter_name=adapter)
    except (OSError, otio.exceptions.OTIOError, ValueError, AttributeError, KeyError, TypeError) as exc:
        # an adapter plug-in's refusal is a file not written (a warning for the caller), not a crash
        partial.unlink(missing_ok=True)
        raise OSError(f"cannot write {path.name} ({adapter}): {exc}") from exc
    try:
        scratch.move_into_place(partial, path)
    finally:
        partial.unlink(missing_ok=True)
