"""Captions as SubRip text: written beside the film, muxed into it as mov_text, or burnt in."""

from __future__ import annotations

import re

# A caption is plain text, but a subtitle decoder (ffmpeg's, for the film's own subtitle stream and
# for burned captions; a player's, for the .srt) reads `<word>` as an HTML tag and drops it
# ("Press <Enter>" shows "Press"), `{\...}` as an ASS override and `\N`, `\n`, `\h` as ASS escapes.
# SubRip has no escape for them: an invisible WORD JOINER after the `<`, `{` or `\` stops each being
# read so, and the caption shows as written.
WORD_JOINER = "\u2060"
_MARKUP = re.compile(r"<(?=[^\W\d_]|/)|\{(?=\\)|\\(?=[Nnh])")


def timestamp(seconds: float) -> str:
    """SubRip time, HH:MM:SS,mmm."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{ms:03d}"


def lines(caption: str | None) -> list[str]:
    """The lines a caption shows: blank ones dropped (a blank line would end its cue) and NULs
    (after one, ffmpeg's SubRip reader reads no more captions: every later one was lost)."""
    text = (caption or "").replace("\0", "")
    return [plain(line.strip().replace("-->", "->")) for line in text.strip().splitlines() if line.strip()]


def srt(cues: list[tuple[float, float, str]]) -> str:
    """Numbered SubRip cues; blank lines inside a caption would end its cue, so they are dropped,
    and SubRip has no escape for its timing arrow: a caption line that reads as a timing line
    (`00:00:01,000 --> 00:00:02,000`) would start a cue of its own, so `-->` is written `->`."""
    blocks = []
    for number, (start, end, text) in enumerate(cues, 1):
        blocks.append(f"{number}\n{timestamp(start)} --> {timestamp(end)}\n" + "\n".join(lines(text)) + "\n")
    return "\n".join(blocks)


def plain(line: str) -> str:
    """A caption line that no subtitle decoder reads markup in."""
    return _MARKUP.sub(lambda m: m[0] + WORD_JOINER, line)


# libass lays SubRip out on a 288-line script canvas scaled to the picture, so sizes are in
# 288ths of the film's height whatever its resolution: 20 ≈ 7 % of the height.
BURN_STYLE = "FontName=DejaVu Sans,FontSize=20,Outline=1.5,Shadow=0,MarginV=14"
