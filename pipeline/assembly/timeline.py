"""Where every clip lands in the film, in whole frames at the film's fps (pure arithmetic, no I/O).

A clip keeps frames [start, start + frames) of its own stream once converted to the film's fps.
A chained clip's frame 0 repeats the previous clip's last frame, so by default it starts at 1.
A crossfade or fade through black overlaps a clip with the one before by `overlap` frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyfilm.assembly import captions
from storyfilm.assembly.spec import AssemblyError, ClipIn, FilmSpec


@dataclass(frozen=True)
class Segment:
    index: int
    clip: ClipIn
    source_frames: int  # the clip's length at the film's fps
    start: int  # first kept frame of the clip
    frames: int  # frames kept
    overlap: int  # frames shared with the previous segment (0 for a cut)
    film_start: int  # the film frame where this segment begins
    dropped_repeat: bool  # the repeated first frame of a chained clip was left out

    @property
    def film_end(self) -> int:
        return self.film_start + self.frames


def source_frames(frames: int | None, duration: float, clip_fps: float | None, fps: int) -> int:
    """A clip's frame count once its stream runs at the film's fps."""
    if frames is not None and clip_fps and abs(clip_fps - fps) < 0.01:
        return frames
    if frames is not None and clip_fps:
        return max(1, round(frames * fps / clip_fps))
    return max(1, round(duration * fps))


def segments(clips: list[ClipIn], lengths: list[int], spec: FilmSpec) -> list[Segment]:
    """The segments of the film; `lengths` are the clips' frame counts at the film's fps. The
    first clip's transition has nothing to enter from and is not used."""
    if not clips:
        raise AssemblyError("no clips to assemble")
    laid: list[Segment] = []
    for i, (clip, length) in enumerate(zip(clips, lengths, strict=True)):
        start, frames, dropped = _kept_frames(clip, length, spec, first=i == 0)
        overlap = _overlap(clip, laid[-1], frames, spec.fps) if laid else 0
        film_start = laid[-1].film_end - overlap if laid else 0
        laid.append(Segment(i, clip, length, start, frames, overlap, film_start, dropped))
    return laid


def _kept_frames(clip: ClipIn, length: int, spec: FilmSpec, *, first: bool) -> tuple[int, int, bool]:
    """(first kept frame, frames kept, repeated first frame dropped) of a clip `length` frames long."""
    fault = clip.trim.fault(length, spec.fps)
    if fault is not None:
        raise AssemblyError(f"shot {clip.shot_id!r}: {fault.message}")
    start, end = clip.trim.span(length, spec.fps)
    dropped = not first and clip.chained and spec.drop_repeated_frame and start == 0
    if dropped:
        start = 1
    if end - start < 1:
        raise AssemblyError(f"shot {clip.shot_id!r}: nothing left after dropping its repeated first frame")
    return start, end - start, dropped


def _overlap(clip: ClipIn, prev: Segment, frames: int, fps: int) -> int:
    """Frames the clip shares with the segment before: its transition's length, which must fit in
    the frames of both that no other transition uses."""
    if clip.transition.kind == "cut":
        return 0
    overlap = max(1, round(clip.transition.duration * fps))
    room = min(prev.frames - prev.overlap, frames)
    if overlap > room:
        raise AssemblyError(
            f"shot {clip.shot_id!r}: a {clip.transition.duration:g} s {clip.transition.kind} needs {overlap} frames "
            f"but only {room} are free between it and shot {prev.clip.shot_id!r}")
    return overlap


def film_frames(segments: list[Segment]) -> int:
    return segments[-1].film_end


def chapters(segments: list[Segment], fps: int) -> list[tuple[str, float, float]]:
    """(shot id, start s, end s): a shot's chapter runs from its first frame on screen to the next's."""
    out = []
    for seg, nxt in zip(segments, [*segments[1:], None]):
        end = nxt.film_start if nxt else seg.film_end
        out.append((seg.clip.shot_id, seg.film_start / fps, end / fps))
    return out


def cues(segments: list[Segment], fps: int) -> list[tuple[float, float, str]]:
    """(start s, end s, text) for every captioned shot (a caption that shows nothing is none),
    on screen as long as its chapter."""
    return [(start, end, seg.clip.caption)
            for seg, (_, start, end) in zip(segments, chapters(segments, fps)) if captions.lines(seg.clip.caption)]
