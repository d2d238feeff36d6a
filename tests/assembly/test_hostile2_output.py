"""The film's path handled as a hostile user would give it: a symlink to a film elsewhere (a shared
folder), a link to a file not made yet: the film is written through the link, never over it. And a
second film to the same path while one is being made: refused before it renders."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from helpers import colour_clip, one_shot, read_only, run_cli
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
from storyfilm.assembly.film_lock import output_lock
from storyfilm.errors import FilmBusy

SPEC = FilmSpec(160, 90, review=False)


def test_a_film_path_that_is_a_symlink_writes_the_film_it_names(tmp_path: Path) -> None:
    a = colour_clip(tmp_path / "a.mp4", "red", 24)
    shared = tmp_path / "shared" / "cut.mp4"
    shared.parent.mkdir()
    shared.write_bytes(b"last week's cut")
    link = tmp_path / "build" / "film.mp4"
    link.parent.mkdir()
    link.symlink_to(shared)
    report = assemble([ClipIn(a, "a", caption="one")], SPEC, link)
    assert link.is_symlink() and link.resolve() == shared  # the link is kept, and the file it names is the film
    assert report.frames == 24 and shared.read_bytes() != b"last week's cut"
    assert hashlib.sha256(link.read_bytes()).digest() == hashlib.sha256(shared.read_bytes()).digest()
    assert sorted(p.name for p in shared.parent.iterdir()) == ["cut.mp4"]  # no partial file left there
    assert sorted(p.name for p in link.parent.iterdir()) == ["film.mp4", "film.srt"]


def test_a_link_to_a_film_not_made_yet_makes_it(tmp_path: Path) -> None:
    a = colour_clip(tmp_path / "a.mp4", "red", 24)
    link = tmp_path / "film.mp4"
    link.symlink_to(tmp_path / "later" / "film.mp4")
    assemble([ClipIn(a, "a")], SPEC, link)
    assert link.is_symlink() and (tmp_path / "later" / "film.mp4").stat().st_size > 1000


def test_a_second_film_to_the_same_path_at_once_is_refused_before_it_renders(tmp_path: Path) -> None:
    """Two films made to one -o at once (two terminals, a watch and a film) would each put some of
    the files in place: a film beside another film's captions and timeline. The second is refused."""
    story = tmp_path / "story.yaml"
    one_shot(story, "Busy", "only", "An apple on a table")
    film = tmp_path / "build" / "film.mp4"
    with output_lock(film):  # another storyfilm making that film now
        busy = run_cli("film", str(story), "-o", str(film), cwd=tmp_path)
        assert busy.returncode == 1 and "Traceback" not in busy.stderr
        assert busy.stderr.strip().splitlines()[-1] == (
            f"another storyfilm (pid {os.getpid()}) is making the film {film} now; wait for it to end, or "
            "choose another path with -o")
        objects = tmp_path / ".storyfilm" / "objects"
        assert not objects.exists() or not any(objects.iterdir())  # nothing rendered
        with pytest.raises(FilmBusy):  # in this process too
            with output_lock(film):
                pass
    done = run_cli("film", str(story), "-o", str(film), cwd=tmp_path)  # the lock went with its holder
    assert done.returncode == 0, done.stderr
    hidden = sorted(p.name for p in film.parent.iterdir() if p.name.startswith("."))
    assert film.is_file() and hidden == [".film.mp4.lock"]


def test_a_folder_where_no_lock_can_be_made_is_left_to_the_write(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    with read_only(build), output_lock(build / "film.mp4"):
        assert not (build / ".film.mp4.lock").exists()


def test_a_read_only_folder_with_no_film_in_it_stops_before_anything_renders(tmp_path: Path) -> None:
    """The film could only fail there after its shots were paid for (the clips kept, but the
    money spent for a film that cannot be written): it stops first. A folder that holds the film
    is still met at the write (an unchanged film needs none: test_hostile_output.py)."""
    story = tmp_path / "story.yaml"
    one_shot(story, "Read-only", "only", "An apple on a table")
    build = tmp_path / "build"
    build.mkdir()
    with read_only(build):
        done = run_cli("film", str(story), "-o", str(build / "film.mp4"), cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"cannot write the film {build / 'film.mp4'}: {build} is read-only; make it "
                                   "writable (or choose another path with -o)")
    assert not (tmp_path / ".storyfilm").exists() and list(build.iterdir()) == []


def test_a_film_path_in_a_folder_that_cannot_hold_files_stops_before_anything_renders(tmp_path: Path) -> None:
    """/proc lets root pass any permission check and still refuses every new file: the film
    could only fail there after its shots were paid for."""
    story = tmp_path / "story.yaml"
    one_shot(story, "Nowhere", "only", "An apple on a table")
    done = run_cli("film", str(story), "-o", "/proc/film.mp4", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == (
        "the film's path /proc/film.mp4 is in /proc, which cannot hold files (No such file or directory): "
        "choose another path with -o")
    assert not (tmp_path / ".storyfilm").exists()


def test_a_film_through_a_link_is_refused_while_another_makes_the_film_it_names(tmp_path: Path) -> None:
    """The lock sat beside the link: a film to `shared/cut.mp4` and one to `film.mp4 -> shared/cut.mp4`
    made at once each held its own, and both wrote the one film. The lock is beside the film now."""
    story = tmp_path / "story.yaml"
    one_shot(story, "Shared", "only", "An apple on a table")
    shared = tmp_path / "shared" / "cut.mp4"
    shared.parent.mkdir()
    link = tmp_path / "film.mp4"
    link.symlink_to(shared)
    with output_lock(shared):  # another storyfilm making the film the link names, now
        busy = run_cli("film", str(story), "-o", str(link), cwd=tmp_path)
        assert busy.returncode == 1 and busy.stderr.strip().splitlines()[-1] == (
            f"another storyfilm (pid {os.getpid()}) is making the film {link} now; wait for it to end, or "
            "choose another path with -o")
    assert not shared.exists()
    assert sorted(p.name for p in shared.parent.iterdir()) == [".cut.mp4.lock"]  # beside the film, not the link
