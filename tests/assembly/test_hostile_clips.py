"""Clips that differ, handled as a hostile user would: a clip whose MP4 has an edit list that
hides its first frames (as `ffmpeg -ss 0.5 -c copy` writes it). The film shows the clip as a
player does, on every join path, and says so in its frame count; the review takes its frames."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from storyfilm.assembly.assemble import ClipIn, FilmSpec, Trim, assemble
from storyfilm.mediaio import mp4box, probe, runner

W, H = 160, 96
FRAME = W * H * 3 // 2


def _frames(video: Path) -> list[bytes]:
    raw = runner.run(["-i", str(video), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                     what="decode").stdout
    return [raw[i:i + FRAME] for i in range(0, len(raw), FRAME)]


def _psnr(a: bytes, b: bytes) -> float:
    mse = sum((x - y) ** 2 for x, y in zip(a[:W * H], b[:W * H])) / (W * H)  # the luma plane
    return 100.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> tuple[Path, Path]:
    """A 48-frame clip with sound, and the same cut at 0.5 s by stream copy: an edit list hides its
    first 12 frames (no keyframe there to cut at), so a player shows 36."""
    work = tmp_path_factory.mktemp("hostile-clips")
    whole, cut = work / "whole.mp4", work / "cut.mp4"
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r=24", "-f", "lavfi", "-i", "sine=f=440:r=48000",
                "-frames:v", "48", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-threads", "1", "-c:a", "aac", "-ac", "2", "-y", str(whole)], what="make a test clip")
    runner.run(["-ss", "0.5", "-i", str(whole), "-c", "copy", "-y", str(cut)], what="cut it by stream copy")
    return whole, cut


def test_an_edit_list_is_read_from_the_boxes(clips) -> None:
    whole, cut = clips
    assert mp4box.video_track(cut).edited and not mp4box.video_track(whole).edited
    assert [i.frames for i in probe.probe_many([whole, cut])] == [48, 36] == [len(_frames(whole)), len(_frames(cut))]


@pytest.mark.parametrize("how", ["copy", "smart", "encode"])
def test_a_clip_with_an_edit_list_is_shown_as_a_player_shows_it(clips, tmp_path: Path, how: str) -> None:
    whole, cut = clips
    last = ClipIn(whole, "c", trim=Trim(0.5)) if how != "copy" else ClipIn(whole, "c")
    film = tmp_path / "film.mp4"
    report = assemble([ClipIn(whole, "a"), ClipIn(cut, "b"), last],
                      FilmSpec(W, H, review=how == "smart", smart_join=how != "encode"), film)
    shown = _frames(film)
    assert report.frames == len(shown) == 48 + 36 + (48 if how == "copy" else 36)
    source = _frames(whole)
    # film frame 48 + i is the clip's frame 12 + i (the first 12 hidden): the source frame it is nearest
    nearest = [max(range(48), key=lambda k: _psnr(shown[48 + i], source[k])) for i in (0, 1, 17, 35)]
    assert nearest == [12, 13, 29, 47]
    if how == "smart":
        assert report.contact_sheet is not None and report.contact_sheet.is_file() and not report.warnings
