"""A film run killed outright (kill -9) while it puts the new film and its side files in place:
the film beside it never has another film's review page, timeline, exports or sheets (those
describe the last film's shots and cut points), and the next run leaves every side file whole,
the new film's, and nothing half-written, also when the film itself is unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio
import pytest

STORY = """title: Killed
defaults: {{model: doubao-seedance-1-0-pro-fast-251015, resolution: 480p, duration: 2}}
shots:
  - id: dawn
    prompt: dawn over the harbour
    caption: morning
  - id: dusk
    prompt: {dusk}
    caption: evening
"""

SIDE_FILES = ("film.srt", "film.contact.png", "film.seams.png", "film.html", "film.otio", "film.xml", "film.edl")

# the CLI, killed with SIGKILL just before it renames a file to the name given first (an audit hook
# runs before the rename): what a kill -9, or the machine's OOM killer, leaves at that moment
_KILLED_AT = """
import os, signal, sys
from pathlib import Path
from storyfilm.cli import main

name = sys.argv.pop(1)

def kill(event, args):
    if event == "os.rename" and Path(os.fsdecode(args[1])).name == name:
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(kill)
sys.exit(main(sys.argv[1:]))
"""


def _film(story: Path, killed_at: str | None = None) -> subprocess.CompletedProcess[str]:
    args = ["film", str(story), "-o", str(story.parent / "build" / "film.mp4")]
    cmd = ([sys.executable, "-c", _KILLED_AT, killed_at, *args] if killed_at
           else [sys.executable, "-m", "storyfilm", *args])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARK_", "STORYFILM_"))}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=story.parent, timeout=300, env=env)


def _page_keys(page: Path) -> list[str]:
    data = page.read_text(encoding="utf-8").split('type="application/json">')[1].split("</script>")[0]
    return [shot["key"] for shot in json.loads(data)["shots"]]


def _assert_whole_and_of_this_film(story: Path) -> None:
    build = story.parent / "build"
    film = build / "film.mp4"
    lock = json.loads((story.parent / "story.preview.lock.json").read_text(encoding="utf-8"))
    keys = [shot["key"] for shot in lock["shots"]]
    assert hashlib.sha256(film.read_bytes()).hexdigest() == lock["film"]["sha256"]
    assert _page_keys(build / "film.html") == keys
    cut = otio.adapters.read_from_file(str(build / "film.otio"))
    assert [clip.metadata["storyfilm"]["key"] for clip in cut.find_clips()] == keys
    assert [e.text for e in ET.parse(build / "film.xml").iter("name")].count("dusk") == 1
    assert [line.split()[1] for line in (build / "film.edl").read_text().splitlines()
            if line[:3].isdigit()] == ["SHOT001", "SHOT002"]
    assert (build / "film.srt").read_text(encoding="utf-8").endswith("evening\n")
    assert sorted(p.name for p in build.iterdir()) == sorted(["film.mp4", ".film.mp4.lock", *SIDE_FILES])


@pytest.mark.parametrize(("killed_at", "written"), [("film.srt", []),
                                                    ("film.html", ["film.contact.png", "film.seams.png", "film.srt"])])
def test_a_run_killed_after_the_new_film_is_in_place_leaves_no_side_file_of_the_last(
        tmp_path: Path, killed_at: str, written: list[str]) -> None:
    """Killed between the film's rename and its captions' (film.srt), or after the lock file and
    before the page (film.html): the new film sat beside the last film's page, timeline, exports
    and sheets, whose shots, keys and cut points are not the film's."""
    story = tmp_path / "story.yaml"
    story.write_text(STORY.format(dusk="dusk over the harbour"), encoding="utf-8")
    assert _film(story).returncode == 0
    build = tmp_path / "build"
    last = (build / "film.mp4").read_bytes()

    story.write_text(STORY.format(dusk="night over the harbour"), encoding="utf-8")
    assert _film(story, killed_at).returncode == -9
    assert (build / "film.mp4").read_bytes() != last  # the new film is in place
    # only those the new film wrote, after it was in place; none of the last film's
    film_made = (build / "film.mp4").stat().st_mtime_ns
    assert sorted(name for name in SIDE_FILES if (build / name).exists()) == written
    assert all((build / name).stat().st_mtime_ns >= film_made for name in written)

    again = _film(story)
    assert again.returncode == 0, again.stderr
    _assert_whole_and_of_this_film(story)


def test_an_unchanged_film_after_a_killed_run_leaves_nothing_half_written(tmp_path: Path) -> None:
    """Killed before its last export was renamed into place: the next run finds the film unchanged
    and joins nothing, and the killed run's half-written EDL stayed beside the film for good."""
    story = tmp_path / "story.yaml"
    story.write_text(STORY.format(dusk="dusk over the harbour"), encoding="utf-8")
    assert _film(story, "film.edl").returncode == -9
    assert [p.name for p in (tmp_path / "build").iterdir() if ".partial" in p.name]  # what the kill left

    again = _film(story)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    _assert_whole_and_of_this_film(story)


def test_every_file_put_beside_the_film_is_on_disk_before_its_rename(tmp_path: Path, ark_server, monkeypatch) -> None:
    """The film, its captions, sheets, page and timeline were renamed into place straight from the
    page cache: after a power cut the rename may be on disk and the bytes not (an empty page or
    timeline, a film of zeros, beside a lock file that was synced). Each is now synced first."""
    from storyfilm import film
    from storyfilm.settings import Settings

    synced: set[tuple[int, int]] = set()
    renamed: dict[str, bool] = {}
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        synced.add((info.st_dev, info.st_ino))
        real_fsync(fd)

    def replace(src, dst, **kwargs) -> None:
        if Path(dst).parent.name == "build":
            info = os.stat(src)
            renamed[Path(dst).name] = (info.st_dev, info.st_ino) in synced
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    story = tmp_path / "story.yaml"
    story.write_text(STORY.format(dusk="dusk over the harbour"), encoding="utf-8")
    options = film.FilmOptions(base_url=ark_server.base_url, output=tmp_path / "build" / "film.mp4", poll_interval=0.05)
    film.run(story, Settings(), options, out=io.StringIO())
    assert sorted(renamed) == sorted(["film.mp4", *SIDE_FILES])
    assert [name for name, was_synced in renamed.items() if not was_synced] == []
