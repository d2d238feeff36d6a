"""A storyboard's edit reaches the film: seamless chained joins, trims, crossfades, captions,
chapters, music, and the seam scores in the lock file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import REPO, make_image, render_story
from storyfilm.mediaio import probe
from storyfilm.seedance import models

STORY = """\
title: Edit
soundtrack: {file: beep.wav, volume_db: -6, fade_out: 0.5}
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}
shots:
  - id: open
    first_frame: start.png
    prompt: A slow push in on the table.
    caption: Hello there.
  - id: closer
    prompt: Closer still.
  - id: elsewhere
    cut: true
    trim: {in: 0.25}
    transition: {type: crossfade, duration: 0.5}
    prompt: A window, rain outside.
    caption: Goodbye.
"""


def test_the_edit_reaches_the_film(tmp_path: Path, ark_server) -> None:
    make_image(tmp_path / "start.png", 1024, 576)
    shutil.copy(REPO / "tests" / "data" / "bad" / "media" / "beep.wav", tmp_path / "beep.wav")
    story = tmp_path / "edit.yaml"
    story.write_text(STORY, encoding="utf-8")
    out = tmp_path / "edit.mp4"
    render_story(story, ark_server, output=out)

    shot = models.frames_for(2)  # 49
    expected = shot + (shot - 1) + (shot - 6) - 12  # chained join drops 1; trim 0.25 s; crossfade 0.5 s
    info = probe.probe(out)
    assert info.frames == expected and info.has_audio
    assert abs(info.duration - expected / 24) < 0.05

    srt = out.with_suffix(".srt").read_text(encoding="utf-8")
    assert "Hello there." in srt and "Goodbye." in srt and srt.startswith("1\n00:00:00,000 --> ")

    film = json.loads((tmp_path / "edit.preview.lock.json").read_text(encoding="utf-8"))["film"]
    assert [c["shot"] for c in film["chapters"]] == ["open", "closer", "elsewhere"]
    seams = {(s["from"], s["to"]): s for s in film["seams"]}
    assert seams["open", "closer"]["chained"] and seams["open", "closer"]["psnr"] > 40
    assert not seams["closer", "elsewhere"]["chained"] and seams["closer", "elsewhere"]["psnr"] < 15
    assert film["frames"] == expected
    assert out.with_name("edit.contact.png").is_file() and out.with_name("edit.seams.png").is_file()
