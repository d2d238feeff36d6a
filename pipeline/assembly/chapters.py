"""MP4 chapters, one per shot, as an FFMETADATA file that ffmpeg maps into the film."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([=;#\\\n])")


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def ffmetadata(chapters: list[tuple[str, float, float]]) -> str:
    """Chapters (title, start s, end s) in milliseconds, the form `-f ffmetadata` reads."""
    lines = [";FFMETADATA1"]
    for title, start, end in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}", f"END={round(end * 1000)}",
                  f"title={_escape(title)}"]
    return "\n".join(lines) + "\n"
