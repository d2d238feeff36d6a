"""Review sheets and seam scores for 20 clips: the contact sheet, the seam strip, SSIM/PSNR per
join and the drift check, timed on their own after a stream-copy join (what the film already did).

The clips are what a render leaves: 2 s of 720p in the local server's H.264 setup (a keyframe
every second), each with its last frame stored as a PNG beside it, every other shot chained."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import ffmpeg as ff

from storyfilm.assembly import review
from storyfilm.assembly.assemble import ClipIn, FilmSpec, _lay_out
from storyfilm.mediaio import frames, h264, runner

W, H, CLIPS, SECONDS, FPS = 1280, 720, 20, 2, 24
TARGET_S = 0.5


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


def _timed(segments, sources, spec, out: Path, cache: Path, runs: int, *, cold: bool) -> list[float]:
    times = []
    for k in range(runs):
        folder = cache / (f"cold{k}" if cold else "warm")
        started = time.perf_counter()
        result = review.review(segments, sources, spec, out, cache=folder)
        times.append(time.perf_counter() - started)
        assert result.contact_sheet.is_file() and result.seam_strip.is_file()
        assert len(result.seams) == CLIPS - 1 and not result.warnings, result.warnings
    return times


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        work = Path(tmp)
        clips = _clips(work)
        spec = FilmSpec(W, H)
        segments, sources, _ = _lay_out(clips, spec)
        cold = _timed(segments, sources, spec, work / "film.mp4", work / "cache", 3, cold=True)
        warm = _timed(segments, sources, spec, work / "film.mp4", work / "cache", 5, cold=False)
    what = f"{CLIPS} x {SECONDS} s 720p clips"
    return [(f"review sheets and seam scores, {what}, frames taken (min of 3)", f"{min(cold) * 1000:.0f} ms",
             f"median {statistics.median(cold) * 1000:.0f} ms"),
            (f"review sheets and seam scores, {what}, frames cached (min of 5)", f"{min(warm) * 1000:.0f} ms",
             f"<= {TARGET_S * 1000:.0f} ms (median {statistics.median(warm) * 1000:.0f} ms)")]


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  |  ")
