"""The film's side files handled as a hostile user (or a full disk, or a second film run) would:
the captions beside the film cut short by a write that stops half-way; what a killed review left
half-written in its frame cache; two processes writing one cache entry. The film and its `.srt`
are always a pair that belongs together, never a whole film beside cut captions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import colour_clip, io_watch
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.mediaio import scratch

SPEC = FilmSpec(160, 90, review=False)

# assemble in a process whose writes are cut at 64 bytes from the moment it opens the captions beside
# the film for writing (whatever their name there): a disk that fills then, or a kill mid-write
# (Python ignores SIGXFSZ, so the write stops short with EFBIG as on a full disk)
_CUT_AT_THE_CAPTIONS = """
import resource, sys
from pathlib import Path
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble

a, b, film = map(Path, sys.argv[1:4])

def cut_writes(event, args):
    if (event == "open" and isinstance(args[0], (str, Path)) and Path(args[0]).parent == film.parent
            and ".srt" in Path(args[0]).name and "w" in str(args[1])):
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))

sys.addaudithook(cut_writes)
caption = "a long caption, long enough that its file is cut by the limit " * 3
assemble([ClipIn(a, "a", caption=caption), ClipIn(b, "b", caption=caption)], FilmSpec(160, 90, review=False), film)
"""


def test_captions_cut_short_never_sit_beside_a_whole_film(tmp_path: Path) -> None:
    a, b = colour_clip(tmp_path / "a.mp4", "red", 24), colour_clip(tmp_path / "b.mp4", "blue", 24)
    film = tmp_path / "build" / "film.mp4"
    assemble([ClipIn(a, "a", caption="one"), ClipIn(b, "b")], SPEC, film)
    before = (film.read_bytes(), film.with_suffix(".srt").read_text())
    run = subprocess.run([sys.executable, "-c", _CUT_AT_THE_CAPTIONS, str(a), str(b), str(film)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and f"cannot write the film {film}" in run.stderr
    # the write failed before the film was put in place: the last cut and its captions, both whole
    assert (film.read_bytes(), film.with_suffix(".srt").read_text()) == before
    assert sorted(p.name for p in film.parent.iterdir()) == ["film.mp4", "film.srt"]


def test_the_captions_are_renamed_into_place(tmp_path: Path) -> None:
    a = colour_clip(tmp_path / "a.mp4", "red", 24)
    film = tmp_path / "film.mp4"
    assemble([ClipIn(a, "a", caption="one")], SPEC, film)
    old = film.with_suffix(".srt").stat().st_ino
    with io_watch() as seen:
        assemble([ClipIn(a, "a", caption="two")], SPEC, film)
    assert film.with_suffix(".srt").read_text() == "1\n00:00:00,000 --> 00:00:01,000\ntwo\n"
    assert film.with_suffix(".srt").stat().st_ino != old  # a new file, renamed over the old one
    assert not [s for s in seen if s.startswith("open") and s.endswith("film.srt")]  # never opened in place


def _frames_of_a_review(tmp_path: Path) -> tuple[list[ClipIn], Path]:
    clips = [ClipIn(colour_clip(tmp_path / "a.mp4", "red", 24), "a"),
             ClipIn(colour_clip(tmp_path / "b.mp4", "blue", 24), "b", chained=True)]
    return clips, tmp_path / "cache"


def test_the_review_cache_names_what_it_writes_by_process_and_thread(tmp_path: Path) -> None:
    clips, cache = _frames_of_a_review(tmp_path)
    with io_watch() as seen:
        assemble(clips, FilmSpec(160, 90), tmp_path / "film.mp4", cache_dir=cache)
    written = [s.split(" ", 1)[1] for s in seen if s.startswith("open") and "/cache/review/" in s]
    partials = [Path(p).name for p in written if p.endswith(".partial")]
    assert partials
    # two processes (a render's frames, a review in another terminal) each write their own partial file
    assert all(f".{os.getpid()}-" in name for name in partials), partials


def test_what_a_killed_review_left_in_its_frame_cache_is_swept(tmp_path: Path) -> None:
    clips, cache = _frames_of_a_review(tmp_path)
    assemble(clips, FilmSpec(160, 90), tmp_path / "film.mp4", cache_dir=cache)
    folder = cache / "review"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    left = [folder / f".{name}.{dead}-1.partial" for name in ("k-0.png", "k-0.jpg", "k-0.yuv", "a--b.score")]
    mine = folder / f".k-1.png.{os.getpid()}-1.partial"  # this process's own, still being written
    for path in (*left, mine):
        path.write_bytes(b"half a file")
    (tmp_path / "film.mp4").unlink()
    assemble(clips, FilmSpec(160, 90), tmp_path / "film.mp4", cache_dir=cache)
    assert not any(p.exists() for p in left) and mine.exists()


@pytest.mark.parametrize("keep_suffix", [False, True])
def test_one_helper_names_and_sweeps_partial_files(tmp_path: Path, keep_suffix: bool) -> None:
    target = tmp_path / "film.mp4"
    mine = scratch.partial_beside(target, keep_suffix=keep_suffix)
    assert mine.parent == tmp_path and mine.name.startswith(".film") and f".{os.getpid()}-" in mine.name
    assert mine.suffix == (".mp4" if keep_suffix else ".partial")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    theirs = mine.with_name(mine.name.replace(f".{os.getpid()}-", f".{dead}-"))
    others = [tmp_path / ".film.mp4.partial", tmp_path / "notes.123-4.partial", tmp_path / "film.mp4"]
    for path in (mine, theirs, *others):
        path.write_bytes(b"x")
    scratch.sweep_dead_partials(tmp_path)
    assert not theirs.exists() and mine.exists() and all(p.exists() for p in others)
