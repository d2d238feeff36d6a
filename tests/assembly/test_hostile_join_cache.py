"""A join cache handled as a hostile user would: entries swapped for other entries (file and
sidecar), sidecars that are not text. The film must come out as a join from an empty cache makes
it, byte for byte, never a film made of the wrong pieces and never a traceback."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from helpers import read_only
from storyfilm.assembly import smart_graph
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Trim, assemble
from storyfilm.mediaio import runner

W, H, FPS = 160, 96, 24


def _clip(path: Path, first: int, tone: int) -> Path:
    """48 frames of a moving test picture from frame `first`, in the join's own encoding, with a tone."""
    video = [a for k, v in smart_graph.video_options(FPS).items() for a in (f"-{k}", str(v))]
    runner.run(["-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS},trim=start_frame={first},setpts=PTS-STARTPTS",
                "-f", "lavfi", "-i", f"sine=f={tone}:r=48000", "-frames:v", "48", "-t", "2",
                *video, "-c:a", "aac", "-ac", "2", "-y", str(path)], what="make a test clip")
    return path


@pytest.fixture(scope="module")
def cut(tmp_path_factory) -> tuple[list[ClipIn], FilmSpec, bytes]:
    """Three shots cut together, each trimmed at its head (a piece encoded before its first keyframe),
    each with its own tone (a sound entry each), and the film a join from an empty cache makes."""
    work = tmp_path_factory.mktemp("hostile-cache")
    clips = [ClipIn(_clip(work / f"{n}.mp4", 100 * k, 300 + 200 * k), n, trim=Trim(0.5))
             for k, n in enumerate(("a", "b", "c"))]
    spec = FilmSpec(W, H, review=False)
    film = work / "film.mp4"
    assert assemble(clips, spec, film).join == "smart"
    return clips, spec, film.read_bytes()


def _entries(cache: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache / kind).glob("*/*") if not p.name.endswith(".sha256"))


@pytest.mark.parametrize("kind", ["pieces", "sound"])
def test_an_entry_swapped_with_another_and_its_sidecar_is_made_again(cut, tmp_path: Path, kind: str) -> None:
    clips, spec, expected = cut
    cache, film = tmp_path / "cache", tmp_path / "film.mp4"
    assemble(clips, spec, film, cache_dir=cache)
    entries = _entries(cache, kind)
    assert len(entries) == 3
    victim, other = entries[0], entries[1]
    shutil.copyfile(other, victim)  # a restored backup, a careless copy: bytes and sidecar of another entry
    shutil.copyfile(other.with_name(other.name + ".sha256"), victim.with_name(victim.name + ".sha256"))
    film.unlink()
    report = assemble(clips, spec, film, cache_dir=cache)
    assert film.read_bytes() == expected
    assert report.frames_encoded + report.frames_reused > 0
    assert victim.read_bytes() != other.read_bytes()  # made again from its own command


def test_a_sidecar_that_is_not_text_costs_only_its_entry(cut, tmp_path: Path) -> None:
    clips, spec, expected = cut
    cache, film = tmp_path / "cache", tmp_path / "film.mp4"
    assemble(clips, spec, film, cache_dir=cache)
    piece = _entries(cache, "pieces")[0]
    piece.with_name(piece.name + ".sha256").write_bytes(b"\xff\xfe\x00garbage")
    film.unlink()
    report = assemble(clips, spec, film, cache_dir=cache)
    assert film.read_bytes() == expected
    assert report.frames_encoded > 0  # that piece, and only it, encoded again
    assert report.frames_reused > 0


def test_a_read_only_cache_is_used_for_what_it_holds_and_the_rest_made_aside(cut, tmp_path: Path) -> None:
    clips, spec, expected = cut
    cache, film = tmp_path / "cache", tmp_path / "film.mp4"
    assemble(clips, spec, film, cache_dir=cache)
    damaged = _entries(cache, "pieces")[0]
    damaged.write_bytes(damaged.read_bytes()[:-100])  # a bad disk: cut short
    shutil.rmtree(cache / "aac")  # never made: the store was made read-only before
    held = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    film.unlink()
    with read_only(cache):
        report = assemble(clips, spec, film, cache_dir=cache)
    assert film.read_bytes() == expected
    assert report.frames_reused > 0 and report.frames_encoded > 0  # the held pieces used, the damaged one made aside
    assert {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()} == held  # the cache untouched


def test_two_joins_in_one_process_making_the_same_entries_at_once(cut, tmp_path: Path) -> None:
    clips, spec, expected = cut
    cache = tmp_path / "cache"
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def join(k: int) -> None:
        try:  # both start together: each makes every entry of the empty cache at the same time
            assemble(clips, spec, tmp_path / f"film{k}.mp4", cache_dir=cache,
                     join_progress=lambda f: f == 0.0 and start.wait(30))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)
    threads = [threading.Thread(target=join, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    assert (tmp_path / "film0.mp4").read_bytes() == (tmp_path / "film1.mp4").read_bytes() == expected
    assemble(clips, spec, tmp_path / "again.mp4", cache_dir=cache)  # what they kept is whole
    assert (tmp_path / "again.mp4").read_bytes() == expected
    assert not list(cache.rglob("*.partial"))
