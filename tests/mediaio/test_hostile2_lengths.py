"""A clip's length as a player shows it, handled as a hostile service would send it: an MP4 whose
edit list hides its first frames (as `ffmpeg -ss 0.5 -c copy` writes it). The seconds the lock
file, the summary and the review page give are the seconds a player plays, not what the boxes
count."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm.mediaio import mp4box, runner
from storyfilm.rendering.lockfile import clip_seconds


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> tuple[Path, Path]:
    """48 frames at 24 fps with sound, and the same cut at 0.5 s by stream copy: a player shows 36."""
    work = tmp_path_factory.mktemp("hostile2-lengths")
    whole, cut = work / "whole.mp4", work / "cut.mp4"
    runner.run(["-f", "lavfi", "-i", "testsrc2=s=160x96:r=24", "-f", "lavfi", "-i", "sine=f=440:r=48000",
                "-frames:v", "48", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-threads", "1", "-c:a", "aac", "-ac", "2", "-y", str(whole)], what="make a test clip")
    runner.run(["-ss", "0.5", "-i", str(whole), "-c", "copy", "-y", str(cut)], what="cut it by stream copy")
    return whole, cut


def _decoded_frames(video: Path) -> int:
    raw = runner.run(["-i", str(video), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                     what="decode").stdout
    return len(raw) // (160 * 96)


def test_a_clip_with_an_edit_list_lasts_what_a_player_shows(clips) -> None:
    whole, cut = clips
    track = mp4box.video_track(cut)
    assert track.edited and track.frames == 48  # the boxes still count the hidden frames
    assert _decoded_frames(cut) == 36
    assert clip_seconds(cut) == pytest.approx(36 / 24)
    assert clip_seconds(whole) == pytest.approx(48 / 24)
