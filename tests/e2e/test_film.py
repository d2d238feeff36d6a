"""A 3-shot chained storyboard rendered through the local server over real HTTP, by the real CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import extract_frame, make_image, psnr, run_cli, run_cli_in_process
from storyfilm.mediaio import probe
from storyfilm.seedance import models

STORY = """\
title: Three chained shots
defaults:
  model: doubao-seedance-1-0-pro-250528
  resolution: 480p
  ratio: "16:9"
  duration: 2
shots:
  - id: one
    first_frame: start.png
    prompt: A red ball rests on a blue table.
  - id: two
    prompt: The ball starts to roll to the right.
  - id: three
    prompt: The ball falls off the edge of the table.
"""


@pytest.fixture(scope="module")
def chained(tmp_path_factory, ark_server):
    """The storyboard filmed once by the real CLI, for this module's tests to read (or copy and film
    again): its folder, the process and the creates the server saw."""
    folder = tmp_path_factory.mktemp("chained")
    make_image(folder / "start.png", 1024, 576)
    (folder / "chain.yaml").write_text(STORY)
    creates_before = ark_server.ark.stats["create"]
    proc = run_cli("film", str(folder / "chain.yaml"), "-o", str(folder / "out" / "chain.mp4"),
                   env={"ARK_API_KEY": "test-key-123", "ARK_BASE_URL": ark_server.base_url})
    return folder, proc, ark_server.ark.stats["create"] - creates_before


def test_chained_film_end_to_end(chained, tmp_path: Path) -> None:
    folder, proc, creates = chained
    film = folder / "out" / "chain.mp4"
    assert proc.returncode == 0, proc.stderr
    assert "test-key-123" not in proc.stdout + proc.stderr

    # the server saw exactly one create per shot
    assert creates == 3

    # the film decodes, at the documented size, as long as its shots
    info = probe.probe(film)
    width, height = models.MODELS["doubao-seedance-1-0-pro-250528"].size("480p", "16:9")
    assert (info.width, info.height) == (width, height) == (864, 480)
    shot_frames = models.frames_for(2)
    assert info.frames == 3 * shot_frames - 2  # the repeated first frame of each chained shot is dropped
    assert abs(info.duration - (3 * shot_frames - 2) / 24) <= 1 / 24

    # shot 2 starts on the very frame shot 1's task returned as its last frame
    lock = json.loads((folder / "chain.lock.json").read_text())
    objects = folder / ".storyfilm" / "objects"
    one, two = lock["shots"][0], lock["shots"][1]
    first_of_two = tmp_path / "first_of_two.png"
    extract_frame(objects / two["video_sha256"], 0, first_of_two)
    assert psnr(first_of_two, objects / one["last_frame_sha256"]) >= 40

    # the local server encodes as the join does (mediaio/h264.py): every frame is copied, none normalised
    assert (lock["film"]["join"], lock["film"]["clips_normalised"], lock["film"]["frames_encoded"]) == ("smart", 0, 0)
    assert lock["film"]["frames_copied"] == info.frames
    # its sound (silence: 1.0 makes none) was made as the clips landed (assembly/sound_ahead.py):
    # the join decoded, encoded and measured none of it
    sound = (lock["film"]["sound_shots_decoded"], lock["film"]["sound_pieces_encoded"], lock["film"]["sound_measured"])
    assert sound == (0, 0, False)

    # the key never reaches the lock file
    assert "test-key-123" not in (folder / "chain.lock.json").read_text()


def cached_lines(stdout: str) -> tuple[list[str], list[str]]:
    """The progress notes that say a shot is cached, and the summary's shots served from the store."""
    lines = stdout.splitlines()
    notes = [line for line in lines if re.fullmatch(r"  \S+: cached [0-9a-f]{12}", line)]
    summary = [line.split()[0] for line in lines if re.fullmatch(r"  \S+ +\d.* tokens  cached", line)]
    return notes, summary


def test_rerun_serves_exactly_the_unchanged_shots_from_the_store(chained, tmp_path: Path, ark_server, capsys) -> None:
    folder, first, _ = chained
    assert first.returncode == 0, first.stderr
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)  # the filmed folder, store and lock file, to film again
    story = tmp_path / "chain.yaml"
    env = {"ARK_API_KEY": "sk-test-0001", "ARK_BASE_URL": ark_server.base_url}
    keys = {shot["id"]: shot["key"] for shot in json.loads((tmp_path / "chain.lock.json").read_text())["shots"]}

    before = ark_server.ark.stats["create"]
    proc = run_cli_in_process(capsys, "film", str(story), "-o", str(tmp_path / "b.mp4"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert ark_server.ark.stats["create"] == before
    assert proc.stdout.splitlines()[0] == "3 shots: 3 cached, 0 to render (0.00 CNY)"
    assert cached_lines(proc.stdout) == ([f"  {shot}: cached {keys[shot][:12]}" for shot in ("one", "two", "three")],
                                         ["one", "two", "three"])

    story.write_text(STORY.replace("falls off the edge", "rolls off the edge"))
    proc = run_cli_in_process(capsys, "film", str(story), "-o", str(tmp_path / "c.mp4"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert ark_server.ark.stats["create"] == before + 1
    assert proc.stdout.splitlines()[:2] == ["3 shots: 2 cached, 1 to render (0.30 CNY)",
                                            "  three: render: prompt changed"]
    assert cached_lines(proc.stdout) == ([f"  {shot}: cached {keys[shot][:12]}" for shot in ("one", "two")],
                                         ["one", "two"])


def test_local_backend_is_embedded_without_a_key(tmp_path: Path) -> None:
    story = tmp_path / "solo.yaml"
    story.write_text("title: Solo\ndefaults: {resolution: 480p, duration: 2}\n"
                     "shots:\n  - id: solo\n    prompt: A paper boat drifts on a pond.\n")
    proc = run_cli("film", str(story), "-o", str(tmp_path / "solo.mp4"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"No ARK_API_KEY: local preview render \(animatic\) on http://127\.0\.0\.1:\d+, nothing is "
                        r"spent\.", lines[2])
    assert f"{tmp_path / 'solo.mp4'}  2.04 s  864x480  1 shots  preview: nothing spent (on Seedance 0.30 CNY)  " \
           f"(lock: {tmp_path / 'solo.preview.lock.json'})" in lines
    assert probe.probe(tmp_path / "solo.mp4").frames == models.frames_for(2)
    assert (tmp_path / "solo.preview.lock.json").is_file()
    assert not (tmp_path / "solo.lock.json").exists()
