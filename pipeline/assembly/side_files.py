"""The files that describe a film, beside it and named after it: its captions (.srt), review sheets
(.contact.png, .seams.png), review page (.html) and the cut for an editor (.otio, and the same cut
as FCP XML and CMX 3600 EDL). Each describes one film; when a new film replaces the last, the last
film's go first (`remove_all`), so a run killed before it wrote the new film's leaves none that
describes another film than the one beside it (the next run writes them)."""

from __future__ import annotations

import contextlib
from pathlib import Path

EXPORTS = {".xml": "fcp_xml", ".edl": "cmx_3600"}  # suffix beside the .otio: OTIO adapter


def captions(film: Path) -> Path:
    return film.with_suffix(".srt")


def sheets(film: Path) -> tuple[Path, Path]:
    """The film's contact sheet and seam strip."""
    return film.with_name(f"{film.stem}.contact.png"), film.with_name(f"{film.stem}.seams.png")


def page(film: Path) -> Path:
    return film.with_suffix(".html")


def cut(film: Path) -> list[Path]:
    """The timeline (.otio first), then its exports."""
    timeline = film.with_suffix(".otio")
    return [timeline, *(timeline.with_suffix(suffix) for suffix in EXPORTS)]


def all_of(film: Path) -> list[Path]:
    return [captions(film), *sheets(film), page(film), *cut(film)]


def remove(files: list[Path]) -> None:
    """What an earlier film left under these names describes another film: gone (a folder that
    refuses is left as it is: the write that follows says why)."""
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
