"""The review's cache handled as a hostile user (or a bad disk) would: a digit of a kept join
score or of a frame's mean colour changed on disk. The review must come out as from an empty
cache, never showing the changed figure as the truth (a false "the shot does not start where
the previous one ended" warning, in the lock file and on the review page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import colour_clip
from storyfilm.assembly import review_frames
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble


def _other_digit(path: Path) -> None:
    """The first digit of the file's first figure changed, as one flipped bit would."""
    text = path.read_text()
    at = re.search(r"[1-9]", text).start()
    path.write_text(text[:at] + ("1" if text[at] != "1" else "7") + text[at + 1:])


@pytest.mark.parametrize("kind", ["score", "yuv"])
def test_a_changed_figure_in_the_review_cache_is_taken_again(tmp_path: Path, kind: str) -> None:
    # nearly one colour handed on through three chained shots: the joins score well, nothing drifts
    clips = [ClipIn(colour_clip(tmp_path / "a.mp4", "0x808080", 24), "a"),
             ClipIn(colour_clip(tmp_path / "b.mp4", "0x818181", 24), "b", chained=True),
             ClipIn(colour_clip(tmp_path / "c.mp4", "0x828282", 24), "c", chained=True)]
    spec, cache = FilmSpec(160, 90), tmp_path / "cache"
    fresh = assemble(clips, spec, tmp_path / "film.mp4", cache_dir=cache)
    assert all(s.score > 0.9 for s in fresh.seams) and not fresh.warnings
    # every join's score; the mean colour of one shot's last frame (the drift along a chain is measured there)
    kept = sorted((cache / "review").glob("*.score" if kind == "score" else "*-23.yuv"))
    assert len(kept) == (2 if kind == "score" else 3)
    for path in kept if kind == "score" else kept[:1]:
        _other_digit(path)
    (tmp_path / "film.mp4").unlink()
    again = assemble(clips, spec, tmp_path / "film.mp4", cache_dir=cache)
    assert [(s.score, s.psnr) for s in again.seams] == [(s.score, s.psnr) for s in fresh.seams]
    assert again.warnings == fresh.warnings == []


def test_another_frames_files_copied_over_a_kept_frame_are_taken_again(tmp_path: Path) -> None:
    clips = [ClipIn(colour_clip(tmp_path / "a.mp4", "red", 24), "a"),
             ClipIn(colour_clip(tmp_path / "b.mp4", "blue", 24), "b", chained=True)]
    spec, cache = FilmSpec(160, 90), tmp_path / "cache"
    fresh = assemble(clips, spec, tmp_path / "film.mp4", cache_dir=cache)
    assert fresh.warnings  # red into blue: a chained join that breaks
    # a careless restore: the red clip's last frame (PNG, JPEG and its figures) over the blue clip's first
    red = cache / "review" / f"{review_frames._digest(clips[0].path, spec)}-23.yuv"
    blue = cache / "review" / f"{review_frames._digest(clips[1].path, spec)}-0.yuv"
    for suffix in (".png", ".jpg", ".yuv"):
        blue.with_suffix(suffix).write_bytes(red.with_suffix(suffix).read_bytes())
    for score in (cache / "review").glob("*.score"):
        score.unlink()
    (tmp_path / "film.mp4").unlink()
    again = assemble(clips, spec, tmp_path / "film.mp4", cache_dir=cache)
    assert [(s.score, s.psnr) for s in again.seams] == [(s.score, s.psnr) for s in fresh.seams]
    assert again.warnings == fresh.warnings
