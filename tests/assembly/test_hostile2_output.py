"""The film's path handled as a hostile user would give it: a symlink to a film elsewhere (a shared
folder), a link to a file not made yet. The film is written through the link, never over it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from helpers import colour_clip
from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble

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
