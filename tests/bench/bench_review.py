"""Review sheets and seam scores for 20 clips: the contact sheet, the seam strip, SSIM/PSNR per
join, the drift check and the review page's thumbnails, timed on their own after a stream-copy
join (what the film already did).

The clips are what a render leaves: 2 s of 720p in the local server's H.264 setup (a keyframe
every second), each with its last frame stored as a PNG beside it, every other shot chained.
Three figures, each the minimum of three runs from an empty frame cache:
- the review step as a film run sees it: its frames were taken while the clips rendered
  (review_ahead, one clip at a time as each landed, each join scored once both its clips were in),
  so it only draws the sheets;
- the time the render spent taking those frames, in the background (all 20 clips);
- the review from nothing, every frame taken then (a film whose clips were all rendered before).
Then the review again with everything cached (a re-film that changed nothing the review shows).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly import review, review_ahead
from storyfilm.assembly.assemble import ClipIn, FilmSpec, _lay_out
from storyfilm.mediaio import frames, h264, runner

W, H, CLIPS, SECONDS, FPS = 1280, 720, 20, 2, 24
TARGET_S = 0.5
RUNS = 3


def _clips(work: Path) -> list[ClipIn]:
    source = ff.input(f"testsrc2=s={W}x{H}:r={FPS}:d={CLIPS * SECONDS}", f="lavfi")
    cuts = ",".join(str(FPS * SECONDS * k) for k in range(1, CLIPS))
    runner.run(source.output(str(work / "clip%02d.mp4"), f="segment", segment_frames=cuts, reset_timestamps=1,
                             **h264.video_options(FPS)).overwrite_output().get_args(), what="make bench clips")
    clips = []
    for i, path in enumerate(sorted(work.glob("clip*.mp4"))):
        png = path.with_suffix(".png")
        frames.extract_last_frame(path, png)
        clips.append(ClipIn(path, path.stem, chained=i % 2 == 1, last_frame=png))
    assert len(clips) == CLIPS, f"made {len(clips)} clips"
    return clips


def _review(segments, sources, spec, clips, out: Path, cache: Path) -> float:
    started = time.perf_counter()
    result = review.review(segments, sources, spec, out, cache=cache)
    thumbs = review_ahead.page_thumbnails(clips, spec, cache)
    seconds = time.perf_counter() - started
    assert result.contact_sheet.is_file() and result.seam_strip.is_file() and len(thumbs) == CLIPS
    assert len(result.seams) == CLIPS - 1 and not result.warnings, result.warnings
    return seconds


def _taken_as_clips_land(clips, spec, cache: Path) -> float:
    """What the render does as each clip lands (film.py), all clips in a row; its own seconds."""
    film = [ClipIn(Path(c.shot_id), c.shot_id, chained=c.chained) for c in clips]
    with review_ahead.FramesAhead(spec, cache, film) as ahead:
        for clip in clips:
            ahead.landed(clip.shot_id, clip.path, clip.last_frame)
        ahead.wait()
    assert ahead.clips == CLIPS
    return ahead.seconds


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        work = Path(tmp)
        clips = _clips(work)
        spec = FilmSpec(W, H)
        segments, sources, _ = _lay_out(clips, spec)
        film, ahead, review_after, cold = work / "film.mp4", [], [], []
        for k in range(RUNS):
            ahead.append(_taken_as_clips_land(clips, spec, work / f"ahead{k}"))
            review_after.append(_review(segments, sources, spec, clips, film, work / f"ahead{k}"))
            cold.append(_review(segments, sources, spec, clips, film, work / f"cold{k}"))
        warm = [_review(segments, sources, spec, clips, film, work / "cold0") for _ in range(RUNS)]
    what = f"{CLIPS} x {SECONDS} s 720p clips"
    ms = lambda values: f"{min(values) * 1000:.0f} ms"  # noqa: E731
    med = lambda values: f"median {statistics.median(values) * 1000:.0f} ms"  # noqa: E731
    target = f"<= {TARGET_S * 1000:.0f} ms"
    return [(f"review step of a film run (frames taken as clips landed), {what}, min of {RUNS}", ms(review_after),
             f"{target} ({med(review_after)})"),
            (f"  frames taken and joins scored by the render as clips landed (background, {CLIPS} clips)",
             ms(ahead), med(ahead)),
            (f"review from nothing (every frame taken then), {what}, min of {RUNS}", ms(cold),
             f"{target} ({med(cold)})"),
            (f"review again, everything cached, {what}, min of {RUNS}", ms(warm), f"{target} ({med(warm)})")]


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  |  ")
