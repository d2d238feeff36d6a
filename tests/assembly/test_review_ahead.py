"""Review frames taken as each clip lands (review_ahead): the review that follows the join must
take no frame again and show exactly what a review from nothing shows; the review page's
thumbnails come from the same frames."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from storyfilm.assembly import review, review_ahead, review_frames
from storyfilm.assembly.assemble import _lay_out
from storyfilm.assembly.spec import ClipIn, FilmSpec, Trim
from storyfilm.mediaio import h264, runner
from storyfilm.mediaio.frames import extract_last_frame

W, H, FPS = 320, 180, 24


def _clips(folder: Path) -> list[ClipIn]:
    """Three 1 s clips: a cut, a chained one trimmed at its end, a chained one; each with its PNG."""
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS}:d=3", "-f", "segment", "-segment_frames",
                "24,48", "-reset_timestamps", "1", *sum(([f"-{k}", str(v)] for k, v in h264.video_options(FPS).items()),
                                                        []), "-y", str(folder / "c%d.mp4")], what="make test clips")
    clips = []
    for i, trim in enumerate((Trim(), Trim(end=0.5), Trim())):
        path = folder / f"c{i}.mp4"
        extract_last_frame(path, path.with_suffix(".png"))
        clips.append(ClipIn(path, f"s{i}", chained=i > 0, trim=trim, last_frame=path.with_suffix(".png")))
    return clips


def _rgb(png: Path) -> bytes:
    return subprocess.run([runner.ffmpeg_exe(), "-v", "error", "-i", str(png), "-f", "rawvideo", "-pix_fmt", "rgb24",
                           "-"], capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[ClipIn]:
    return _clips(tmp_path_factory.mktemp("ahead"))


def test_a_clip_alone_keeps_the_frames_the_film_keeps(clips) -> None:
    spec = FilmSpec(W, H)
    segments, _, _ = _lay_out(clips, spec)
    for clip, seg in zip(clips, segments):
        alone, _ = review_ahead.laid_alone(clip, spec)
        assert (alone.start, alone.frames, alone.dropped_repeat, alone.source_frames) == \
            (seg.start, seg.frames, seg.dropped_repeat, seg.source_frames), clip.shot_id
        assert review.wanted(alone) == review.wanted(seg)
    assert [s.dropped_repeat for s in segments] == [False, True, True] and segments[1].frames == 11


def test_the_review_after_frames_taken_ahead_takes_none_and_shows_the_same(clips, tmp_path: Path) -> None:
    spec, cache = FilmSpec(W, H), tmp_path / "cache"
    film = [ClipIn(Path(c.shot_id), c.shot_id, chained=c.chained, trim=c.trim) for c in clips]
    with review_ahead.FramesAhead(spec, cache, film) as ahead:
        for clip in (clips[2], clips[0], clips[1]):  # landing out of film order
            ahead.landed(clip.shot_id, clip.path, clip.last_frame)
        ahead.wait()
    taken = {p.name: p.read_bytes() for p in cache.iterdir()}
    assert ahead.clips == 3 and len([n for n in taken if n.endswith(".score")]) == 2  # both joins scored
    segments, sources, _ = _lay_out(clips, spec)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    after = review.review(segments, sources, spec, tmp_path / "a" / "film.mp4", cache=cache)
    fresh = review.review(segments, sources, spec, tmp_path / "b" / "film.mp4", cache=None)
    # no frame taken and no join scored again: the cache is as the render left it
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == taken
    assert after.seams == fresh.seams and after.warnings == fresh.warnings
    assert _rgb(after.contact_sheet) == _rgb(fresh.contact_sheet)
    assert _rgb(after.seam_strip) == _rgb(fresh.seam_strip)
    # the page's first and last frames are the review's own: nothing more is taken for it
    thumbs = review_ahead.page_thumbnails(clips, spec, cache)
    assert {p.name for p in cache.iterdir()} == set(taken)
    first, last = thumbs["s1"]
    assert first[:2] == last[:2] == b"\xff\xd8" and first != last  # JPEGs, of two different frames


def test_a_damaged_cached_thumbnail_is_taken_again(clips, tmp_path: Path) -> None:
    spec, cache = FilmSpec(W, H), tmp_path / "cache"
    review_ahead.page_thumbnails(clips[:1], spec, cache)
    jpeg = next(cache.glob("*.jpg"))
    whole = jpeg.read_bytes()
    jpeg.write_bytes(whole[:50])
    again = review_ahead.page_thumbnails(clips[:1], spec, cache)
    assert jpeg.read_bytes() == whole and whole in again["s0"]


def test_frames_ahead_never_raises_on_a_damaged_clip(clips, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clips[0].path.read_bytes()[:3000])  # a download cut short
    cache = tmp_path / "cache"
    with review_ahead.FramesAhead(FilmSpec(W, H), cache, []) as ahead:
        ahead.take(ClipIn(broken, "x"))
        ahead.take(clips[0])  # the next clip is still taken
        ahead.wait()
    assert ahead.clips == 2 and len(list(cache.glob("*.png"))) == len(review.wanted(
        review_ahead.laid_alone(clips[0], FilmSpec(W, H))[0]))


def test_page_frames_are_a_clips_first_and_last(clips) -> None:
    seg, _ = review_ahead.laid_alone(clips[1], FilmSpec(W, H))
    assert review_frames.page_frames(seg) == {0, 23} and seg.start + seg.frames - 1 == 11


def test_the_page_gets_its_thumbnails_when_the_cache_refuses_them(clips, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be")  # every write into it fails
    thumbs = review_ahead.page_thumbnails(clips, FilmSpec(W, H), cache)
    assert sorted(thumbs) == ["s0", "s1", "s2"] and all(a[:2] == b[:2] == b"\xff\xd8" for a, b in thumbs.values())
