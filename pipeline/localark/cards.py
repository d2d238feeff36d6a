"""What the preview writes on its pictures: the text card's background and the prompt.

- A text-only task is a card: a muted gradient with a faint guide grid (so camera moves show and
  nobody takes it for a render), its palette chosen by the seed alone: the same shot keeps its
  colours when a word of its prompt changes, a new take gets new ones. Only a scene's first shot
  is a card; the shots continuing from it start on its last frame, so the scene keeps the palette
  (the renderer sees only the request, and the request stays what Seedance gets). The prompt is
  its content, set as large as fits in the safe area (above the bottom quarter, below the slate
  strip).
- On a picture the prompt is a lower third: at most two lines, kept above the bottom quarter
  where assembly burns captions, so the two never overlap.
- Text that does not fit ends in an ellipsis. It fades out before the last frame (and, on a
  picture, in after the first), so the frame handed to the next shot is clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg as ff

from storyfilm.mediaio import text
from storyfilm.seedance import models

if TYPE_CHECKING:
    from storyfilm.localark.checks import TaskSpec

# a dark and a mid tone of six distinct hues: white text reads on all of them, and two unrelated
# cards never look alike (a cut between them must score as a cut)
PALETTES = (("0x0b2f6b", "0x4f8fc9"), ("0x5c1038", "0xc8507a"), ("0x16431a", "0x6fa83f"),
            ("0x5a2d00", "0xd08a24"), ("0x2a1670", "0x8a6cc8"), ("0x00403a", "0x3fa396"))
TOP = 0.1  # the PREVIEW tag's line, below the slate strip assembly draws on previews
CARD_TOP = 0.19  # a card's text starts below the tag
CAPTION_ZONE = 0.25  # the bottom quarter belongs to burned captions
MARGIN = 0.07
CARD_SIZES = (9, 11, 13, 16, 20)  # card font size candidates, as fractions 1/n of the height
CARD_LINE_GAP = 0.25  # of the font size


def palette(seed: int) -> tuple[str, str]:
    return PALETTES[seed % len(PALETTES)]


def background(spec: TaskSpec):
    """The card's background: a gradient and a guide grid of thirds, drawn once and repeated (the
    camera moves over it; a gradient drawn anew every frame cost a third of a card's time)."""
    c0, c1 = palette(spec.seed)
    w, h = spec.width, spec.height
    # d: half a frame's time, so the source makes one frame; an endless one filled the input queue
    # with eight more (27 MB at 720p, measured) while the clip encoded
    stream = ff.input(f"gradients=s={w}x{h}:r={models.FPS}:c0={c0}:c1={c1}:seed={spec.seed % 2**31}"
                      f":d={0.5 / models.FPS:.4f}", f="lavfi").trim(end_frame=1)
    cell_w, cell_h = -(-w // 3), -(-h // 3)
    return repeat(stream.filter("drawgrid", w=cell_w, h=cell_h, t=max(1, h // 360), color="white@0.12"))


def repeat(stream):
    """One picture, converted once to the clip's pixel format, as an endless stream at the clip's
    frame rate."""
    return as_encoded(stream).filter("loop", loop=-1, size=1).filter("setpts", f"N/({models.FPS}*TB)")


def as_encoded(stream):
    """A picture in the encoder's own pixel format (4:2:0, BT.709 limited range, the matrix the clip is
    tagged with): the camera move, the text and the encoder then work on it as it is, with no RGB frame
    converted per frame (a third of a clip's time, measured)."""
    return (stream.filter("format", "rgb24").filter("scale", out_color_matrix="bt709", out_range="tv")
            .filter("format", "yuv420p"))


def card_layout(prompt: str, width: int, height: int) -> tuple[int, list[str]]:
    """(font size, lines) of a card: the largest size at which the whole prompt fits, else the
    smallest, cut with an ellipsis."""
    area_w = width * (1 - 2 * MARGIN)
    area_h = height * (1 - CARD_TOP - CAPTION_ZONE)
    for n in CARD_SIZES:
        size = height // n
        max_lines = max(1, int(area_h // (size * (1 + CARD_LINE_GAP))))
        lines = text.wrap(prompt, area_w / size, max_lines)
        if not lines or not lines[-1].endswith(text.ELLIPSIS) or n == CARD_SIZES[-1]:
            return size, lines
    raise AssertionError("unreachable")


def lower_third_layout(prompt: str, width: int, height: int) -> tuple[int, list[str]]:
    size = max(12, height // 18)
    return size, text.wrap(prompt, width * (1 - 2 * MARGIN) / size - 1, 2)


def _alpha(seconds: float, *, fade_in: bool) -> str:
    fade = min(0.4, seconds / 6)
    out = f"if(gt(t,{seconds - 2 * fade}),max(0,({seconds - fade}-t)/{fade}),1)"
    if not fade_in:
        return out
    return f"if(lt(t,{fade}),0,if(lt(t,{2 * fade}),(t-{fade})/{fade},{out}))"


def draw_prompt(stream, spec: TaskSpec, tmpdir: Path, *, card: bool):
    font = text.font_file()
    if font is None:
        return stream
    seconds = spec.frames / models.FPS
    alpha = _alpha(seconds, fade_in=not card)
    w, h = spec.width, spec.height
    tag = max(10, h // 30)
    stream = stream.filter("drawtext", fontfile=font, text="PREVIEW", expansion="none", fontsize=tag,
                           fontcolor="white@0.85", box=1, boxcolor="0xc0392b@0.85", boxborderw=tag // 3,
                           x=f"w-tw-{int(w * MARGIN)}", y=int(h * TOP), alpha=alpha)
    if not spec.prompt.strip():
        return stream
    if card:
        size, lines = card_layout(spec.prompt, w, h)
        place = {"x": int(w * MARGIN), "y": f"{int(h * CARD_TOP)}+({int(h * (1 - CARD_TOP - CAPTION_ZONE))}-th)/2"}
        look = {"fontcolor": "white", "shadowcolor": "black@0.6", "shadowx": max(1, size // 20),
                "shadowy": max(1, size // 20)}
    else:
        size, lines = lower_third_layout(spec.prompt, w, h)
        place = {"x": int(w * MARGIN), "y": f"{int(h * (1 - CAPTION_ZONE))}-th-{size // 2}"}
        look = {"fontcolor": "white", "box": 1, "boxcolor": "black@0.55", "boxborderw": size // 3}
    textfile = tmpdir / "prompt.txt"
    textfile.write_text("\n".join(lines), encoding="utf-8")
    return stream.filter("drawtext", fontfile=font, textfile=str(textfile), expansion="none", fontsize=size,
                         line_spacing=int(size * CARD_LINE_GAP), alpha=alpha, **place, **look)
