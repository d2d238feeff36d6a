"""Media named through a symbolic link are judged by the name the storyboard writes: a link to a
device is refused as a device, and a link to a picture whose file has no extension is read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import REPO
from storyfilm import cli

STORY = ("title: Linked\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
         "shots:\n  - id: one\n    first_frame: {name}\n    prompt: A red apple.\n")


def test_a_link_to_a_device_is_told_as_a_device(tmp_path: Path, capsys) -> None:
    os.symlink("/dev/zero", tmp_path / "zero.png")
    story = tmp_path / "linked.yaml"
    story.write_text(STORY.replace("{name}", "zero.png"), encoding="utf-8")
    assert cli.main(["validate", str(story)]) == 2
    assert capsys.readouterr().err == (f"{story}:5:18: first_frame: zero.png is not a regular file "
                                       f"(a pipe, socket or device)\n")


def test_a_link_to_a_picture_without_an_extension_is_read(tmp_path: Path, capsys) -> None:
    shutil.copy(REPO / "storyboards" / "ad-orchard.png", tmp_path / "orchard-photo")
    os.symlink("orchard-photo", tmp_path / "orchard.png")
    story = tmp_path / "linked.yaml"
    story.write_text(STORY.replace("{name}", "orchard.png"), encoding="utf-8")
    assert cli.main(["validate", str(story)]) == 0
    assert capsys.readouterr().out == f"{story}: ok (1 shots, 2 s)\n"
