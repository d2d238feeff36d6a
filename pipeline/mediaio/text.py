"""Text on pictures: the font (CJK included) and line wrapping for drawtext, with no ffmpeg run.

    font_file() -> str | None          Noto Sans CJK SC from the `mplfonts` wheel, else DejaVu Sans
    wrap(text, em_width, max_lines)    lines that fit, breaking CJK anywhere, an ellipsis when cut

Widths are estimated in ems from Unicode classes (no font metrics are read): wide (CJK) glyphs
are 1 em, Latin letters about half; the estimate leans wide so that text fits.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from pathlib import Path

CJK_FONT = "fonts/NotoSansCJKsc-Regular.otf"  # inside the mplfonts package (SIL OFL)
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/System/Library/Fonts/Helvetica.ttc",
)
ELLIPSIS = "…"
# a line may not start with these (closing punctuation stays with the text before it)
NO_LINE_START = set("，。、；：？！）》」』】〉,.;:?!)]}%…’”")


@functools.cache
def font_file() -> str | None:
    """The font every preview text is drawn in: one with CJK glyphs when the package is there.
    Its location is found without importing the package (which would import matplotlib)."""
    spec = importlib.util.find_spec("mplfonts")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / CJK_FONT
        if path.is_file():
            return str(path)
    return next((f for f in FALLBACK_FONTS if Path(f).is_file()), None)


def char_width(ch: str) -> float:
    """Estimated advance of one character, in ems."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch == " ":
        return 0.3
    if ch in "il.,;:'|!":
        return 0.3
    if ch.isupper() or ch.isdigit() or ch in "mwMW@%&":
        return 0.7
    return 0.56


def text_width(text: str) -> float:
    return sum(char_width(c) for c in text)


def _tokens(text: str) -> list[str]:
    """Breakable pieces: a Latin word with its trailing space, or one wide character with any
    closing punctuation that follows it."""
    out: list[str] = []
    for ch in " ".join(text.split()):
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if out and ch in NO_LINE_START:
            out[-1] += ch
        elif wide or not out or out[-1].endswith(" ") or _is_wide(out[-1][-1]):
            out.append(ch)
        else:
            out[-1] += ch
    return out


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _split_long(token: str, em_width: float) -> list[str]:
    """A word wider than a whole line is cut where it has to be."""
    pieces, piece = [], ""
    for ch in token:
        if piece and text_width(piece + ch) > em_width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece] if piece else pieces


def wrap(text: str, em_width: float, max_lines: int) -> list[str]:
    """`text` in lines no wider than `em_width` ems, at most `max_lines`; the last line ends in
    an ellipsis when text was left out."""
    lines: list[str] = []
    line = ""
    for token in (p for t in _tokens(text) for p in _split_long(t, em_width)):
        if line and text_width((line + token).rstrip()) > em_width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and text_width(last + ELLIPSIS) > em_width:
        last = last[:-1]
    kept[-1] = last.rstrip(" ,;:，、") + ELLIPSIS
    return kept
