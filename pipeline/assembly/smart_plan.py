"""Which frames of the film a smart join copies and which it encodes (pure arithmetic, no I/O).

The film is cut into pieces, in film order. A piece is copied, byte for byte, from a run of one
clip's frames that starts at a keyframe; or encoded, when it is the overlap of a transition (two
clips mixed), the frames before a clip's first usable keyframe (after a trim or a transition), or
frames under the preview's slate. The copied clips carry no B-frames (the join's own encoding, or
one identical to it), so a copied run may end on any frame: every frame refers only to earlier ones.

At a chained cut the repeated frame is taken out of the outgoing clip (its last frame, which no
frame refers to) rather than the incoming one (its first, the keyframe the rest of its GOP hangs
on): the same picture, and nothing to re-encode.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyfilm.assembly.timeline import Segment


@dataclass(frozen=True)
class Copy:
    segment: int
    first: int  # first source frame (a keyframe of the clip copied from)
    end: int  # one past the last source frame
    film_start: int

    @property
    def frames(self) -> int:
        return self.end - self.first


@dataclass(frozen=True)
class Encode:
    film_start: int
    frames: int
    parts: tuple[tuple[int, int], ...]  # (segment, first source frame): one part, or two mixed by a transition


Piece = Copy | Encode


def gives_up_last_frame(seg: Segment, nxt: Segment | None) -> bool:
    """Does the repeated frame at this chained cut leave the outgoing clip `seg` (its last frame)?"""
    return (nxt is not None and nxt.dropped_repeat and nxt.overlap == 0
            and seg.start + seg.frames == seg.source_frames and seg.frames - seg.overlap >= 2)


def pieces(segments: list[Segment], keyframes: list[list[int]], slate_ends: dict[int, int]) -> list[Piece]:
    """The film's pieces. `keyframes[i]`: where segment i's copyable clip can be entered;
    `slate_ends[i]`: the film frame where segment i's slate stops being drawn."""
    out: list[Piece] = []
    for i, seg in enumerate(segments):
        prev = segments[i - 1] if i else None
        nxt = segments[i + 1] if i + 1 < len(segments) else None
        if seg.overlap and prev is not None:
            out.append(Encode(seg.film_start, seg.overlap,
                              ((i - 1, prev.start + prev.frames - seg.overlap), (i, seg.start))))
        first, end = seg.start + seg.overlap, seg.start + seg.frames - (nxt.overlap if nxt else 0)
        film_first = seg.film_start + seg.overlap
        if prev is not None and gives_up_last_frame(prev, seg):
            first, film_first = first - 1, film_first - 1
        if gives_up_last_frame(seg, nxt):
            end -= 1
        out += _body(i, first, end, film_first, keyframes[i], slate_ends.get(i, 0))
    return out


def _body(i: int, first: int, end: int, film_first: int, keyframes: list[int], slate_end: int) -> list[Piece]:
    """Frames [first, end) of segment i's clip shown alone: encoded up to the first keyframe past
    the slate, copied from there."""
    if first >= end:
        return []
    encode_until = first + max(0, slate_end - film_first)
    cut = next((k for k in keyframes if k >= max(first, encode_until)), end)
    cut = min(cut, end)
    out: list[Piece] = []
    if cut > first:
        out.append(Encode(film_first, cut - first, ((i, first),)))
    if end > cut:
        out.append(Copy(i, cut, end, film_first + cut - first))
    return out


def encoded_frames(plan: list[Piece]) -> int:
    return sum(p.frames for p in plan if isinstance(p, Encode))
