"""Assembly speed: the stream-copy fast path against a bare `ffmpeg -f concat -c copy` of the same
20 uniform 720p clips, and the frame rate of the re-encoding path at 720p."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from storyfilm.mediaio import runner
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Transition, assemble
from storyfilm.assembly.ffmpeg_graph import concat_list

W, H, CLIPS, SECONDS = 1280, 720, 20, 2


def _clips(work: Path) -> list[Path]:
    """One 42 s encode cut at its keyframes into 21 clips of 2 s: same format, same H.264 setup.
    The first is left out: the segment muxer delays its picture by the AAC priming with an empty
    edit, which the copy join does not take (mp4box reads no such edit list), as a service's clip has none."""
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r=24:d={(CLIPS + 1) * SECONDS}",
                "-f", "lavfi", "-i", f"sine=f=330:r=48000:d={(CLIPS + 1) * SECONDS}",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-ar", "48000",
                "-f", "segment", "-segment_frames", ",".join(str(24 * SECONDS * k) for k in range(1, CLIPS + 1)),
                "-reset_timestamps", "1",
                str(work / "clip%02d.mp4")], what="make bench clips")
    (work / "clip00.mp4").unlink()
    clips = sorted(work.glob("clip*.mp4"))
    assert len(clips) == CLIPS, f"made {len(clips)} clips"
    return clips


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _interleaved(a, b, rounds: int = 9) -> tuple[list[float], list[float]]:
    """Alternate the two so both see the same machine load (the box is shared); compare minima."""
    times_a, times_b = [], []
    for _ in range(rounds):
        times_a.append(_timed(a))
        times_b.append(_timed(b))
    return times_a, times_b


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-assemble-") as tmp:
        work = Path(tmp)
        clips = _clips(work)
        listing = work / "list.txt"
        listing.write_text(concat_list(clips))
        shots = [ClipIn(p, p.stem) for p in clips]

        fast_spec = FilmSpec(W, H, review=False)
        report = assemble(shots, fast_spec, work / "fast.mp4")
        assert report.fast_path, "uniform clips should take the stream-copy path"
        raws, fasts = _interleaved(
            lambda: runner.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-y",
                                str(work / "raw.mp4")], what="concat"),
            lambda: assemble(shots, fast_spec, work / "fast.mp4"))
        raw, fast = min(raws), min(fasts)
        reviewed = _timed(lambda: assemble(shots, FilmSpec(W, H), work / "reviewed.mp4"))

        few = [ClipIn(p, p.stem, transition=Transition("crossfade", 0.5) if i else Transition())
               for i, p in enumerate(clips[:5])]
        started = time.perf_counter()
        encoded = assemble(few, FilmSpec(W, H, review=False), work / "encoded.mp4")
        encode_s = time.perf_counter() - started
        assert not encoded.fast_path

    return [
        (f"raw concat -c copy, {len(clips)} x {SECONDS} s 720p (min of 9)", f"{raw * 1000:.0f} ms",
         f"median {statistics.median(raws) * 1000:.0f} ms"),
        ("assemble fast path (min of 9, interleaved)", f"{fast * 1000:.0f} ms",
         f"median {statistics.median(fasts) * 1000:.0f} ms"),
        ("fast path / raw concat", f"{fast / raw:.2f}x",
         f"<= 1.2x (medians: {statistics.median(fasts) / statistics.median(raws):.2f}x)"),
        ("fast path + review sheets and seam scores", f"{reviewed * 1000:.0f} ms", ""),
        ("re-encode path at 720p (5 clips, crossfades, loudnorm)", f"{encoded.frames / encode_s:.0f} fps",
         f"{encoded.frames} frames in {encode_s:.1f} s"),
    ]


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  |  ")
