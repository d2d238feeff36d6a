"""The review takes each frame once and cheaply (a seek, the stored last frame, the cache): the
frames it takes must be the very frames a whole decode gives, and a broken join must still score low."""

from __future__ import annotations

from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly import review_frames
from storyfilm.assembly.ffmpeg_graph import Source
from storyfilm.assembly.spec import ClipIn, FilmSpec
from storyfilm.assembly.timeline import Segment
from storyfilm.mediaio import h264, runner

W, H, FPS = 320, 180, 24


def _clip(path: Path, source: str, **options) -> Path:
    runner.run(ff.input(source, f="lavfi").output(str(path), t=2, **{**h264.video_options(FPS), **options})
               .overwrite_output().get_args(), what="make a test clip")
    return path


def _work(folder: Path) -> Path:
    folder.mkdir()
    return folder


def _segment(clip: ClipIn, index: int = 0) -> Segment:
    return Segment(index=index, clip=clip, source_frames=48, start=0, frames=48, overlap=0, film_start=0,
                   dropped_repeat=False)


def test_seeked_frames_are_the_frames_a_whole_decode_gives(tmp_path: Path) -> None:
    # a keyframe every 10 frames (not at the middle), and B-frames: the seek must still land exactly
    clip = _clip(tmp_path / "c.mp4", f"testsrc2=s={W}x{H}:r={FPS}", **{"x264-params": "keyint=10:bframes=2"})
    seg, wanted, spec = _segment(ClipIn(clip, "c")), [0, 1, 13, 24, 47], FilmSpec(W, H)
    seeked, _ = review_frames.take([seg], [Source(clip, FPS, False)], [wanted], spec, _work(tmp_path / "a"))
    whole, _ = review_frames.take([seg], [Source(clip, None, False)], [wanted], spec, _work(tmp_path / "b"))
    for n in wanted:
        assert seeked[0][n].read_bytes() == whole[0][n].read_bytes(), f"frame {n}"
    assert len({p.read_bytes() for p in seeked[0].values()}) == len(wanted)  # testsrc2 counts frames


def test_the_stored_last_frame_is_taken_and_frames_are_cached_by_content(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "c.mp4", f"testsrc2=s={W}x{H}:r={FPS}")
    stored = tmp_path / "last.png"  # a different picture: proves the PNG, not the clip, was read
    runner.run(["-f", "lavfi", "-i", f"color=red:s={W}x{H}", "-frames:v", "1", "-y", str(stored)], what="png")
    seg, spec, cache = _segment(ClipIn(clip, "c", last_frame=stored)), FilmSpec(W, H), tmp_path / "cache"
    pngs, means = review_frames.take([seg], [Source(clip, FPS, False)], [[0, 47]], spec, _work(tmp_path / "w1"), cache)
    assert means[0][47][2] > 200 and pngs[0][47].parent == cache  # V of red is high
    again, means2 = review_frames.take([seg], [Source(clip, FPS, False)], [[0, 47]], spec, _work(tmp_path / "w2"),
                                       cache)
    assert again == pngs and means2 == means and not list((tmp_path / "w2").iterdir())  # nothing decoded
    whole = pngs[0][0].read_bytes()
    pngs[0][0].write_bytes(whole[:100])  # a damaged cached frame is taken again, not drawn
    review_frames.take([seg], [Source(clip, FPS, False)], [[0]], spec, _work(tmp_path / "w4"), cache)
    assert pngs[0][0].read_bytes() == whole
    _clip(clip, f"testsrc2=s={W}x{H}:r={FPS}", vf="negate")  # new bytes, same name: taken again
    fresh, _ = review_frames.take([seg], [Source(clip, FPS, False)], [[0]], spec, _work(tmp_path / "w3"), cache)
    assert fresh[0][0] != pngs[0][0] and fresh[0][0].read_bytes() != pngs[0][0].read_bytes()
