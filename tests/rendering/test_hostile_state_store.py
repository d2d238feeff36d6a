"""A store whose paths are not what it needs (a file where its folder goes, a folder where its
journal or a lock file goes) stops with one message naming the path, never a traceback, before
anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import chains_story, run_cli
from storyfilm.errors import StoreError
from storyfilm.rendering.store import Store

HOW = "move it away (or choose another store with --store) and run the same command again; nothing was spent"


def test_a_store_that_is_a_file_is_one_message_from_the_cli(tmp_path: Path) -> None:
    story, _ = chains_story(tmp_path / "film.yaml", "A store that is a file", chains=1, length=1)
    (tmp_path / ".storyfilm").write_text("not a folder")
    done = run_cli("film", str(story), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, f"{tmp_path / '.storyfilm'} is a file, where the store needs a "
                                                 f"folder: {HOW}\n")


@pytest.mark.parametrize("inside, kind, needed", [
    ("objects", "a file", "folder"),
    ("incoming", "a file", "folder"),
    ("state.sqlite", "a folder", "file (its render journal)"),
])
def test_a_store_part_of_the_wrong_kind_is_named(tmp_path: Path, inside: str, kind: str, needed: str) -> None:
    root = tmp_path / ".storyfilm"
    root.mkdir()
    (root / inside).mkdir() if kind == "a folder" else (root / inside).write_text("x")
    with pytest.raises(StoreError) as caught:
        Store(root)
    assert str(caught.value) == f"{root / inside} is {kind}, where the store needs a {needed}: {HOW}"


def test_a_lock_file_that_is_a_folder_is_named(tmp_path: Path) -> None:
    root = tmp_path / ".storyfilm"
    (root / "use.lock").mkdir(parents=True)
    with Store(root) as store, pytest.raises(StoreError) as caught:
        store.share()
    assert str(caught.value) == (f"{root / 'use.lock'} is a folder, where the store needs a file (a lock it holds "
                                 f"while in use): {HOW}")


def test_a_store_under_a_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / "file" / "store")
    assert str(caught.value) == f"{tmp_path / 'file'} is a file, where the store needs a folder: {HOW}"
