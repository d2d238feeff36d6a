"""A storyboard's picture edited while the render runs: it was checked and keyed as one file, and
would have been sent as another (a shot paid for a picture nobody checked, its lock file naming the
old one). The changed file is never sent; the run stops, saying which file and how it changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import counted, make_image, render_story, server_counts
from storyfilm.errors import MediaChanged

STORY = """title: Stills
defaults: {resolution: 480p, duration: 2}
shots:
  - id: one
    prompt: A.
    first_frame: a.png
  - id: two
    prompt: B.
    cut: true
    first_frame: b.png
"""


def stills(folder: Path) -> Path:
    """The storyboard, and its two pictures a.png and b.png, in `folder`."""
    make_image(folder / "a.png", 640, 360)
    make_image(folder / "b.png", 640, 360)
    story = folder / "stills.yaml"
    story.write_text(STORY)
    return story


def test_a_picture_changed_after_its_check_is_never_sent(tmp_path: Path, ark_server) -> None:
    story = stills(tmp_path)
    edited: list[str] = []

    def edit_the_other(event) -> None:  # one create at a time: the other shot's request is not built yet
        if event.kind == "created" and not edited:
            other = "b" if event.shot == "one" else "a"
            make_image(tmp_path / f"{other}.png", 640, 360, color="0xaa3366")
            edited.append(other)

    before = server_counts(ark_server)
    with pytest.raises(MediaChanged) as err:
        render_story(story, ark_server, concurrency=1, listener=edit_the_other)
    other = edited[0]
    assert str(err.value).startswith(f"{other}.png ({tmp_path / (other + '.png')}) changed after it was checked (now ")
    assert "it was not sent; run the same command again to check it and send it as it is now" in str(err.value)
    assert counted(before, ark_server).get("create") == 1  # the first shot's; the changed picture went nowhere


def test_a_picture_removed_after_its_check_is_told_as_changed(tmp_path: Path, ark_server) -> None:
    story = stills(tmp_path)
    removed: list[str] = []

    def remove_the_other(event) -> None:
        if event.kind == "created" and not removed:
            removed.append("b" if event.shot == "one" else "a")
            (tmp_path / f"{removed[0]}.png").unlink()

    with pytest.raises(MediaChanged) as err:
        render_story(story, ark_server, concurrency=1, listener=remove_the_other)
    assert str(err.value) == (f"{removed[0]}.png changed after it was checked (file not found: {removed[0]}.png): it "
                              "was not sent; run the same command again to check it and send it as it is now")
