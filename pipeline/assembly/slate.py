"""The slate strip burned across the top of a preview film: shot number, id, take, model and
duration, with the running timecode of the film.

It is drawn at join time, for films from the local backend only: the request a preview renders
from must stay byte-for-byte what Seedance would receive, and only assembly knows where a shot
sits in the film. A paid render is never slated.

The strip shows for the first SECONDS of each shot, less one frame (or the whole shot, if shorter):
long enough to read, and short enough that a smart join re-encodes only those frames and copies
the rest. The frame less ends the strip before the shot's keyframe one second in (the join encodes
with a keyframe every second), also when a chained shot enters one frame into its clip.
"""

from __future__ import annotations

import dataclasses

from storyfilm.assembly.spec import ClipIn, FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio import text

STRIP = 1 / 14  # of the film's height
SECONDS = 1.0  # on screen at the head of each shot


@dataclasses.dataclass(frozen=True)
class ShotFacts:
    number: int  # 1-based place in the storyboard
    take: int
    model: str
    seconds: float


def _safe(value: str) -> str:
    """Characters drawtext shows as they are through ffmpeg's two levels of escaping."""
    return "".join(c if c.isalnum() or c in " -_.#·/" else "_" for c in value)


def label(clip: ClipIn, facts: ShotFacts) -> str:
    return _safe(f"#{facts.number:02d}  {clip.shot_id}  ·  take {facts.take}  ·  {facts.model}  ·  "
                 f"{facts.seconds:.2f} s  ·  PREVIEW")


def slated(clips: list[ClipIn], facts: dict[str, ShotFacts]) -> list[ClipIn]:
    """The clips with their slate text."""
    return [dataclasses.replace(c, slate=label(c, facts[c.shot_id])) if c.shot_id in facts else c for c in clips]


def windows(segments: list[Segment], fps: int) -> list[tuple[Segment, int, int]]:
    """(segment, first film frame, end film frame) of each slated shot's strip."""
    out = []
    for seg, nxt in zip(segments, [*segments[1:], None]):
        if seg.clip.slate:
            end = nxt.film_start if nxt else seg.film_end
            out.append((seg, seg.film_start, min(end, seg.film_start + max(1, round(SECONDS * fps) - 1))))
    return out


def timecode(frame: int, fps: int) -> str:
    seconds, frames = divmod(frame, fps)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frames:02d}"


def burn(video, segments: list[Segment], spec: FilmSpec, *, first: int = 0, frames: int | None = None):
    """Draw the strip, each shot's label and the film's timecode over the slate windows, on a
    stream that holds film frames [first, first + frames) (the whole film by default)."""
    font = text.font_file()
    end = first + frames if frames is not None else segments[-1].film_end
    shown = [(seg, max(a, first) - first, min(b, end) - 1 - first)
             for seg, a, b in windows(segments, spec.fps) if a < end and b > first]
    if font is None or not shown:
        return video
    strip = max(12, round(spec.height * STRIP))
    size = max(9, strip * 11 // 20)
    common = {"fontfile": font, "fontsize": size, "fontcolor": "white", "y": (strip - size) // 2}
    anywhere = "+".join(f"between(n,{a},{b})" for _, a, b in shown)
    video = video.filter("drawbox", x=0, y=0, w="iw", h=strip, color="black@0.65", t="fill", enable=anywhere)
    for seg, a, b in shown:
        video = video.filter("drawtext", text=seg.clip.slate, expansion="none", x=strip // 2,
                             enable=f"between(n,{a},{b})", **common)
    return video.filter("drawtext", timecode=timecode(first, spec.fps), timecode_rate=spec.fps,
                        x=f"w-tw-{strip // 2}", enable=anywhere, **common)
