"""The preview's slate strip: burned at the join for slated clips only, each shot's label while it
is on screen; an unslated film keeps the stream-copy path and a clean picture."""

from __future__ import annotations

from pathlib import Path

from storyfilm.assembly import slate
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.mediaio import runner

W, H = 320, 180


def _white(path: Path) -> Path:
    runner.run(["-f", "lavfi", "-i", f"color=c=white:s={W}x{H}:r=24", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
                "-frames:v", "12", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-shortest", "-threads", "1", "-y", str(path)], what="make a test clip")
    return path


def strip_pixels(film: Path, frame: int) -> bytes:
    """The grey levels of the top strip of one frame."""
    rows = round(H * slate.STRIP)
    return runner.run(["-i", str(film), "-vf", f"select=eq(n\\,{frame}),crop={W}:{rows}:0:0,format=gray",
                       "-frames:v", "1", "-f", "rawvideo", "-"], what="read the strip").stdout


def test_slate_is_burned_on_slated_previews_only(tmp_path: Path) -> None:
    clip = _white(tmp_path / "white.mp4")
    clips = [ClipIn(clip, "orchard"), ClipIn(clip, "slice")]
    facts = {"orchard": slate.ShotFacts(1, 1, "doubao-seedance-1-0-pro-250528", 0.5),
             "slice": slate.ShotFacts(2, 3, "doubao-seedance-1-0-pro-250528", 0.5)}
    slated = slate.slated(clips, facts)
    assert slated[1].slate == "#02  slice  ·  take 3  ·  doubao-seedance-1-0-pro-250528  ·  0.50 s  ·  PREVIEW"
    spec = FilmSpec(W, H, review=False)
    with_slate, plain = tmp_path / "slated.mp4", tmp_path / "plain.mp4"
    assert not assemble(slated, spec, with_slate).fast_path  # the strip is drawn: re-encoded
    assert assemble(clips, spec, plain).fast_path
    for frame in (3, 15):
        strip = strip_pixels(with_slate, frame)
        dark = sum(p < 128 for p in strip) / len(strip)
        assert dark > 0.5 and max(strip) > 200  # a dark strip with light text on it
        assert min(strip_pixels(plain, frame)) > 230
    # each shot shows its own label: the strips of the two shots differ
    assert strip_pixels(with_slate, 3) != strip_pixels(with_slate, 15)
