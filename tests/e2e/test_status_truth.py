"""`storyfilm status` tells the truth about the next `storyfilm film`: exit 0 exactly when that film
sends no create and writes neither the film nor the lock file again; exit 1 otherwise, with the
cost the film then spends. Walked over one storyboard edited step by step, each step a real
status and a real film against the local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import make_image
from storyfilm import cli
from storyfilm.mediaio import runner
from storyfilm.rendering.store import sha256_file

STORY = """\
title: Pond
output: out/pond.mp4
soundtrack: {file: music.m4a}
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}
shots:
  - id: a
    first_frame: start.png
    prompt: A boat on a pond.
  - id: b
    prompt: The boat drifts.
  - id: c
    cut: true
    prompt: A heron lands.
"""
C_SHOT = "  - id: c\n    cut: true\n    prompt: A heron lands.\n"


def _music(path: Path, hz: int) -> None:
    runner.run(["-f", "lavfi", "-i", f"sine=frequency={hz}:duration=3", "-y", str(path)], what="make music")


def _in_c(line: str):
    return lambda story, folder: story.replace("    prompt: A heron lands.", f"    {line}\n    prompt: A heron lands.")


def _only_c(story: str, folder: Path) -> str:
    """The prompt of c changes and `film --only c` renders it: the whole film is still the old one."""
    (folder / "pond.yaml").write_text(story.replace("A heron lands.", "A heron wades."))
    assert cli.main(["film", "-q", "--only", "c", str(folder / "pond.yaml")]) == 0
    return story.replace("A heron lands.", "A heron wades.")


EDITS = [  # (what changes, how, creates the next film sends)
    ("nothing", lambda story, folder: story, 0),
    ("prompt", lambda story, folder: story.replace("A boat on a pond.", "A raft on a pond."), 2),  # b follows a
    ("seed", _in_c("seed: 7"), 1),
    ("duration", _in_c("duration: 3"), 1),
    ("model", _in_c("model: doubao-seedance-1-0-lite-t2v-250428"), 1),
    ("image content", lambda story, folder: (make_image(folder / "start.png", 640, 360, color="0x224411"), story)[1], 2),
    ("soundtrack content", lambda story, folder: (_music(folder / "music.m4a", 220), story)[1], 0),
    ("transition", _in_c("transition: crossfade"), 0),
    ("caption", _in_c("caption: Look"), 0),
    ("contact sheet deleted", lambda story, folder: ((folder / "out" / "pond.contact.png").unlink(), story)[1], 0),
    ("film path", lambda story, folder: story.replace("out/pond.mp4", "out/pond-2.mp4"), 0),
    ("shot removed", lambda story, folder: story[:story.index("  - id: c\n")], 0),  # c is the last shot
    ("shot put first", lambda story, folder: story.replace("shots:\n", "shots:\n" + C_SHOT), 0),  # c as first made
    ("--only rendered a shot", _only_c, 0),
    ("nothing again", lambda story, folder: story, 0),
]


def _written(folder: Path, story: Path) -> dict[str, tuple[int, str]]:
    """The film the storyboard names and the lock file: (mtime, sha256) of each that exists."""
    board_output = next(line.split()[1] for line in story.read_text().splitlines() if line.startswith("output:"))
    files = [folder / board_output, folder / "pond.lock.json"]
    return {str(p): (p.stat().st_mtime_ns, sha256_file(p)) for p in files if p.is_file()}


def test_status_is_0_exactly_when_the_next_film_renders_and_rewrites_nothing(
        tmp_path: Path, ark_server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARK_API_KEY", "sk-status-truth-0123")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    monkeypatch.chdir(tmp_path)  # output: is relative to the current folder
    story = tmp_path / "pond.yaml"
    make_image(tmp_path / "start.png", 640, 360)
    _music(tmp_path / "music.m4a", 440)
    story.write_text(STORY)
    assert cli.main(["film", "-q", str(story)]) == 0
    capsys.readouterr()

    wrong, stale = [], {}
    for what, edit, creates in EDITS:
        story.write_text(edit(story.read_text(), tmp_path))
        capsys.readouterr()
        answer = cli.main(["status", str(story), "--format", "json"])
        said = json.loads(capsys.readouterr().out)
        stale[what] = said["stale"]
        before, sent = _written(tmp_path, story), ark_server.ark.stats["create"]
        assert cli.main(["film", str(story), "--json"]) == 0
        film = json.loads(capsys.readouterr().out.splitlines()[-1])
        sent = ark_server.ark.stats["create"] - sent
        rewritten = _written(tmp_path, story) != before
        assert sent == creates, what
        if answer != (0 if sent == 0 and not rewritten else 1):
            wrong.append(f"{what}: status {answer} ({said['stale']}), then film sent {sent} creates"
                         f"{' and wrote the film again' if rewritten else ''}")
        elif round(said["cost"], 4) != film["actual_cost"]:
            wrong.append(f"{what}: status said {said['cost']:.4f} CNY, film spent {film['actual_cost']:.4f} CNY")
    assert wrong == [], "\n".join(wrong)
    assert stale["--only rendered a shot"] == [
        "film: it holds another render of c than `film` would join now (one made since with --only or --until, or an "
        "earlier take): it would be joined again"]
    assert stale["film path"] == [f"film: `storyfilm film` writes out/pond-2.mp4, not the film pond.lock.json records "
                                  f"({tmp_path / 'out' / 'pond.mp4'}): it would be joined there"]


FREE = """\
title: Free
defaults: {model: doubao-seedance-1-5-pro-251215, resolution: 480p, generate_audio: false}
shots:
  - id: free
    duration: -1
    prompt: A cat sleeps on a windowsill.
"""


def test_a_cost_the_model_decides_is_said_as_at_most(tmp_path: Path, ark_server, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`duration: -1`: the model chooses the length, so status's and plan's figure is the most the
    film may spend (the local server chooses 5 s of the 12 planned); they say so."""
    monkeypatch.setenv("ARK_API_KEY", "sk-status-truth-0123")
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    story = tmp_path / "free.yaml"
    story.write_text(FREE)
    assert cli.main(["status", str(story), "-o", str(tmp_path / "free.mp4")]) == 1
    said = capsys.readouterr().out.splitlines()
    assert said[0].endswith(" CNY at most (a shot's length is known only once it is rendered)"), said
    assert said[1].startswith("  free: render: never rendered  (up to "), said
    assert cli.main(["status", str(story), "--format", "json"]) == 1
    bound = json.loads(capsys.readouterr().out)
    assert bound["cost_is_upper_bound"] is True
    assert cli.main(["plan", str(story)]) == 0
    assert f"this run: 1 of 1 shots render, at most {bound['cost']:.2f} CNY" in capsys.readouterr().out

    assert cli.main(["film", str(story), "--json", "-o", str(tmp_path / "free.mp4")]) == 0
    spent = json.loads(capsys.readouterr().out.splitlines()[-1])["actual_cost"]
    assert 0 < spent < bound["cost"]
