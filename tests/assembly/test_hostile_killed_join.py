"""A join killed outright (kill -9) cannot clean up after itself: the next join removes what it
left in the temporary folder (the film's raw sound and picture, hundreds of MB for a long film),
and leaves alone the folders of joins still running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import colour_clip
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble

JOIN = """
import sys
from pathlib import Path
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
clips = [ClipIn(Path(p), f"s{k}") for k, p in enumerate(sys.argv[2:])]
while True:  # join until killed
    assemble(clips, FilmSpec(160, 90, review=False, smart_join=False), Path(sys.argv[1]))
"""


def _folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("storyfilm-assemble-*"))


def test_a_join_killed_with_sigkill_leaves_nothing_after_the_next_join(tmp_path: Path, monkeypatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    clips = [colour_clip(tmp_path / f"{c}.mp4", c, 48) for c in ("red", "blue")]
    join = subprocess.Popen([sys.executable, "-c", JOIN, str(tmp_path / "killed.mp4"), *map(str, clips)],
                            env={**os.environ, "TMPDIR": str(temp)})
    try:
        deadline = time.monotonic() + 60
        while not _folders(temp) and time.monotonic() < deadline and join.poll() is None:
            time.sleep(0.02)
    finally:
        join.send_signal(signal.SIGKILL)
        join.wait()
    left = _folders(temp)
    assert len(left) == 1  # what kill -9 leaves behind
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a join still running elsewhere: its folder must stay
        alive = temp / f"storyfilm-assemble-{running.pid}-abcd"
        alive.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        assemble([ClipIn(p, p.stem) for p in clips], FilmSpec(160, 90, review=False), tmp_path / "film.mp4")
        assert _folders(temp) == [alive]
    finally:
        running.kill()
        running.wait()
