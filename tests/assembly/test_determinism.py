"""Same clips, same film: the join run four times at once, with every core kept busy, gives one sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from helpers import under_load
from storyfilm.mediaio import runner

JOIN = """
import hashlib, sys
from pathlib import Path
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Soundtrack, Transition, assemble
d, out = Path(sys.argv[1]), Path(sys.argv[2])
clips = [ClipIn(d / "a.mp4", "a"), ClipIn(d / "b.mp4", "b", transition=Transition("crossfade", 0.5)),
         ClipIn(d / "a.mp4", "c", transition=Transition("fade_black", 0.25), caption="the end")]
spec = FilmSpec(320, 180, review=False, soundtrack=Soundtrack(d / "music.m4a", volume_db=-6))
assemble(clips, spec, out)
print(hashlib.sha256(out.read_bytes()).hexdigest())
"""


def _clip(path: Path, video: str, audio: str) -> None:
    runner.run(["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-frames:v", "36", "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "1", "-c:a", "aac", "-ac", "2",
                "-ar", "48000", "-shortest", "-y", str(path)], what="make a test clip")


def test_the_join_gives_the_same_bytes_under_contention(tmp_path: Path) -> None:
    _clip(tmp_path / "a.mp4", "testsrc2=s=320x180:r=24", "sine=f=440:r=48000")
    _clip(tmp_path / "b.mp4", "mandelbrot=s=320x180:r=24", "anoisesrc=r=48000:a=0.2:seed=7")
    runner.run(["-f", "lavfi", "-i", "sine=f=110:r=48000:d=2", "-c:a", "aac", "-y", str(tmp_path / "music.m4a")],
               what="make test music")
    hashes = under_load(JOIN, [[str(tmp_path), str(tmp_path / f"film{n}.mp4")] for n in range(4)])
    assert len(set(hashes)) == 1, hashes
    assert hashes[0] == hashlib.sha256((tmp_path / "film0.mp4").read_bytes()).hexdigest()

