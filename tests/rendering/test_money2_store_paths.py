"""A `--store` that can never hold a store (under /proc, /sys or /dev, a dangling symbolic link,
a folder that cannot be entered) is one message naming it, exit code 2, and nothing is sent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import chains_story, counted, run_cli_in_process, server_counts

CHOOSE = "choose another store with --store; nothing was spent"


@pytest.mark.parametrize("store, told", [
    ("/proc/x", "the store /proc/x is under /proc, the kernel's own files, where no store can be kept"),
    ("/dev/x", "the store /dev/x is under /dev, the kernel's own files, where no store can be kept"),
])
def test_a_store_in_the_kernels_folders_is_one_message(tmp_path: Path, ark_server, store: str, told: str,
                                                       capsys) -> None:
    story, _ = chains_story(tmp_path / "film.yaml", "A store in /proc", chains=1, length=1)
    env = {"ARK_API_KEY": "sk-test-store-path", "ARK_BASE_URL": ark_server.base_url}
    before = server_counts(ark_server)
    done = run_cli_in_process(capsys, "film", str(story), "--store", store, env=env, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, f"{told}: {CHOOSE}\n")
    assert counted(before, ark_server) == {}
    assert not Path(store).exists()


def test_a_dangling_symlink_store_is_one_message(tmp_path: Path, ark_server, capsys) -> None:
    story, _ = chains_story(tmp_path / "film.yaml", "A dangling store", chains=1, length=1)
    (tmp_path / "store").symlink_to(tmp_path / "gone")
    env = {"ARK_API_KEY": "sk-test-store-path", "ARK_BASE_URL": ark_server.base_url}
    before = server_counts(ark_server)
    done = run_cli_in_process(capsys, "film", str(story), "--store", "store", env=env, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, f"the store store is a symbolic link to {tmp_path / 'gone'}, which "
                                                 f"does not exist: make its target, or {CHOOSE}\n")
    assert counted(before, ark_server) == {}
    assert not (tmp_path / "gone").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root enters every folder")
def test_a_store_in_a_folder_that_cannot_be_entered_is_one_message(tmp_path: Path, capsys) -> None:
    story, _ = chains_story(tmp_path / "film.yaml", "A closed folder", chains=1, length=1)
    (tmp_path / "closed").mkdir(mode=0o600)
    try:
        done = run_cli_in_process(capsys, "film", str(story), "--store", str(tmp_path / "closed" / "store"),
                                  cwd=tmp_path)
    finally:
        (tmp_path / "closed").chmod(0o700)
    assert (done.returncode, done.stderr) == (2, f"the store {tmp_path / 'closed' / 'store'} cannot be reached: the "
                                                 f"folder {tmp_path / 'closed'} cannot be entered (no x permission): "
                                                 f"give it that permission, or {CHOOSE}\n")
