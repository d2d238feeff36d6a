"""A store whose objects/ is on another disk than its incoming/ (a symbolic link or a mount to a
bigger disk): a rename between them fails with EXDEV, and results are copied into place instead,
whole, synced, with nothing left behind."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from helpers import assert_store_whole, flip_byte, render_story
from storyfilm.rendering.store import Store, sha256_file

SHM = Path("/dev/shm")


@pytest.fixture
def other_disk(tmp_path: Path):
    """A folder on another file system than tmp_path (a tmpfs), removed afterwards."""
    if not SHM.is_dir() or SHM.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system (/dev/shm) here")
    folder = SHM / f"storyfilm-test-{uuid.uuid4().hex}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_film_renders_into_objects_on_another_disk(tmp_path: Path, other_disk: Path, ark_server) -> None:
    """The first result's rename raised 'Invalid cross-device link' (a traceback), after the task was paid."""
    story = tmp_path / "two.yaml"
    story.write_text("title: Two\ndefaults: {resolution: 480p, duration: 2}\n"
                     "shots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n")
    (tmp_path / ".storyfilm").mkdir()
    (tmp_path / ".storyfilm" / "objects").symlink_to(other_disk)
    outcome = render_story(story, ark_server)
    assert outcome.output is not None and outcome.output.is_file()
    objects = sorted(p.name for p in other_disk.iterdir())
    assert len(objects) == 4 and all(len(name) == 64 for name in objects)  # two videos, two last frames: no partials
    assert_store_whole(tmp_path / ".storyfilm")
    assert os.listdir(tmp_path / ".storyfilm" / "incoming") == []


def test_a_damaged_object_on_another_disk_is_set_aside_and_replaced(tmp_path: Path, other_disk: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "objects").symlink_to(other_disk)
    with Store(tmp_path / "store") as store:
        file = store.scratch("clip.bin")
        file.write_bytes(b"picture" * 1000)
        sha = store.put(file)
        assert not file.exists() and sha256_file(store.path(sha)) == sha
        flip_byte(store.path(sha))
        again = store.scratch("clip.bin")
        again.write_bytes(b"picture" * 1000)
        assert store.put(again) == sha  # the damaged copy moved to quarantine/ (this disk), the new one in place
        assert sha256_file(store.path(sha)) == sha
        assert [p.name.split(".")[0] for p in (tmp_path / "store" / "quarantine").iterdir()] == [sha]


def test_a_copy_cut_short_by_a_kill_is_swept_from_objects(tmp_path: Path, other_disk: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "objects").symlink_to(other_disk)
    left = other_disk / f".{'a' * 64}.99999999-1.partial"  # a process long gone copied this far
    left.write_bytes(b"half")
    with Store(tmp_path / "store"):
        pass
    assert not left.exists()
