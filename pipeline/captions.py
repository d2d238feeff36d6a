"""Captions as SubRip text: written beside the film, muxed into it as mov_text, or burnt in."""

from __future__ import annotations


def timestamp(seconds: float) -> str:
    """SubRip time, HH:MM:SS,mmm."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{ms:03d}"


def srt(cues: list[tuple[float, float, str]]) -> str:
    """Numbered SubRip cues; blank lines inside a caption would end its cue, so they are dropped."""
    blocks = []
    for number, (start, end, text) in enumerate(cues, 1):
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        blocks.append(f"{number}\n{timestamp(start)} --> {timestamp(end)}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def burn_style(height: int) -> str:
    """libass force_style for burnt-in captions, sized to the film."""
    return f"FontName=DejaVu Sans,FontSize={max(12, height // 20)},Outline=2,Shadow=0,MarginV={max(8, height // 24)}"
