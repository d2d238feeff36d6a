"""A storyboard in a folder that cannot be written (a read-only checkout or mount), filmed with its
store and film elsewhere: the lock file, written last beside the storyboard, could not be, and the
render had been paid. It is refused before a request is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import counted, read_only, render_story, server_counts
from storyfilm.errors import StoreReadOnly

STORY = "title: Two\ndefaults: {resolution: 480p, duration: 2}\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"


def test_a_read_only_storyboard_folder_is_refused_before_anything_renders(tmp_path: Path, ark_server) -> None:
    folder = tmp_path / "checkout"
    folder.mkdir()
    story = folder / "two.yaml"
    story.write_text(STORY)
    before = server_counts(ark_server)
    with read_only(folder), pytest.raises(StoreReadOnly) as err:
        render_story(story, ark_server, store=tmp_path / "store", output=tmp_path / "out" / "two.mp4")
    assert str(err.value) == (f"cannot write the lock file {folder / 'two.preview.lock.json'}: its folder {folder} is "
                              "read-only; it is kept beside the storyboard: make that folder writable (or film a "
                              "copy of the storyboard in one that is) and run the same command again; nothing was "
                              "spent")
    assert counted(before, ark_server) == {}  # not one request
    assert not (tmp_path / "out").exists()


def test_one_shot_of_it_still_renders(tmp_path: Path, ark_server) -> None:
    """--only writes no lock file: a read-only storyboard folder does not stop it."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    story = folder / "two.yaml"
    story.write_text(STORY)
    with read_only(folder):
        outcome = render_story(story, ark_server, store=tmp_path / "store", output=tmp_path / "one.mp4", only="one")
    assert outcome.output.is_file() and outcome.lock_file is None
