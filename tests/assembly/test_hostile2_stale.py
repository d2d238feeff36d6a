"""Side files that cannot be written for a new cut, handled as a full disk would make them fail:
the timeline exports (.otio, FCP XML, EDL) and the review page of the last cut would otherwise stay
beside the new film, describing another film's shots and cut points. Each set is the new film's,
or gone (with a warning), never the last cut's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STORY = """version: 1
title: Stale
defaults: {{model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, ratio: "16:9", duration: 2}}
shots:
{shots}"""

# the CLI, in a process where opening this film's partial EDL or review page for writing fails as
# on a full disk (an audit hook's exception stops the open)
_FULL_AT = """
import errno, sys
from pathlib import Path
from storyfilm.cli import main

def full(event, args):
    if event == "open" and isinstance(args[0], (str, Path)) and "w" in str(args[1]):
        name = Path(args[0]).name
        if name.endswith(".partial.edl") or (name.startswith(".film.html.") and name.endswith(".partial")):
            raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

sys.addaudithook(full)
sys.exit(main(sys.argv[1:]))
"""


def _film(story: Path, *, full: bool) -> subprocess.CompletedProcess[str]:
    film = story.parent / "build" / "film.mp4"
    args = ["film", str(story), "-o", str(film)]
    cmd = [sys.executable, "-c", _FULL_AT, *args] if full else [sys.executable, "-m", "storyfilm", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=story.parent, timeout=300, env=env)


def test_exports_and_page_that_cannot_be_written_leave_none_of_the_last_cut(tmp_path: Path) -> None:
    story = tmp_path / "stale.yaml"
    story.write_text(STORY.format(shots="  - {id: a, prompt: An apple.}\n"), encoding="utf-8")
    first = _film(story, full=False)
    assert first.returncode == 0, first.stderr
    build = tmp_path / "build"
    assert {p.name for p in build.iterdir()} >= {"film.mp4", "film.otio", "film.xml", "film.edl", "film.html"}
    story.write_text(STORY.format(shots="  - {id: a, prompt: An apple.}\n  - {id: b, prompt: Tea., cut: true}\n"),
                     encoding="utf-8")
    second = _film(story, full=True)
    assert second.returncode == 0, second.stderr
    assert "warning: timeline not written: cannot write film.edl" in second.stdout + second.stderr
    assert "warning: review page not written" in second.stdout + second.stderr
    left = {p.name for p in build.iterdir()}
    assert "film.mp4" in left and not left & {"film.otio", "film.xml", "film.edl", "film.html"}, left
    assert not [n for n in left if ".partial" in n]


def test_review_sheets_that_cannot_be_drawn_leave_none_of_the_last_cut(tmp_path: Path) -> None:
    from helpers import colour_clip
    from storyfilm.assembly.assemble import ClipIn, FilmSpec, assemble
    import threading

    red, blue = colour_clip(tmp_path / "red.mp4", "red", 24), colour_clip(tmp_path / "blue.mp4", "blue", 24)
    film = tmp_path / "build" / "film.mp4"
    first = assemble([ClipIn(red, "a"), ClipIn(blue, "b", chained=True)], FilmSpec(160, 90), film)
    assert first.contact_sheet.is_file() and first.seam_strip.is_file()
    sheet = film.with_name("film.contact.png")
    # where the new sheet is drawn is taken (by a folder): ffmpeg cannot write it
    mine = f".film.contact.{os.getpid()}-{threading.get_ident()}.partial.png"  # as this process draws it
    for taken in (film.with_name(mine), film.with_name(".film.contact.partial.png")):  # (and as it did)
        taken.mkdir()
    second = assemble([ClipIn(blue, "b"), ClipIn(red, "a", chained=True)], FilmSpec(160, 90), film)
    assert any(w.startswith("review sheets not written") for w in second.warnings)
    assert not sheet.exists() and not film.with_name("film.seams.png").exists()


def test_an_unchanged_film_whose_captions_or_sheets_are_gone_is_made_again_with_them(tmp_path: Path) -> None:
    story = tmp_path / "stale.yaml"
    story.write_text(STORY.format(shots="  - {id: a, prompt: An apple., caption: Hello}\n"
                                        "  - {id: b, prompt: The apple rolls.}\n"), encoding="utf-8")
    assert _film(story, full=False).returncode == 0
    build = tmp_path / "build"
    def made_now() -> dict[str, bytes]:  # (the page says which shots rendered this time: not compared)
        return {p.name: p.read_bytes() for p in build.iterdir() if p.suffix != ".html" and not p.name.startswith(".")}

    made = made_now()
    assert {"film.srt", "film.contact.png", "film.seams.png"} <= set(made)
    for name in ("film.srt", "film.contact.png", "film.seams.png"):
        (build / name).unlink()
    again = _film(story, full=False)
    assert again.returncode == 0 and "film.mp4: unchanged" not in again.stdout + again.stderr
    assert made_now() == made
    third = _film(story, full=False)
    assert "film.mp4: unchanged" in third.stdout + third.stderr
