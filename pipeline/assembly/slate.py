"""The slate strip burned across the top of a preview film: shot number, id, take, model and
duration, with the running timecode of the film.

It is drawn at join time, for films from the local backend only: the request a preview renders
from must stay byte-for-byte what Seedance would receive, and only assembly knows where a shot
sits in the film. A paid render is never slated.
"""

from __future__ import annotations

import dataclasses

from storyfilm.assembly.spec import ClipIn, FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio import text

STRIP = 1 / 14  # of the film's height


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


def burn(video, segments: list[Segment], spec: FilmSpec):
    """Draw the strip, each shot's label while it is on screen, and the timecode."""
    font = text.font_file()
    if font is None or not any(s.clip.slate for s in segments):
        return video
    strip = max(12, round(spec.height * STRIP))
    size = max(9, strip * 11 // 20)
    common = {"fontfile": font, "fontsize": size, "fontcolor": "white", "y": (strip - size) // 2}
    video = video.filter("drawbox", x=0, y=0, w="iw", h=strip, color="black@0.65", t="fill")
    for seg, nxt in zip(segments, [*segments[1:], None]):
        if not seg.clip.slate:
            continue
        end = (nxt.film_start if nxt else seg.film_end) - 1
        video = video.filter("drawtext", text=seg.clip.slate, expansion="none", x=strip // 2,
                             enable=f"between(n,{seg.film_start},{end})", **common)
    return video.filter("drawtext", timecode="00:00:00:00", timecode_rate=spec.fps, x=f"w-tw-{strip // 2}",
                        **common)

