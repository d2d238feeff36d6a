"""`storyfilm status` and `storyfilm plan` send nothing and change nothing: with a damaged object in
the store and the journal lost, no file under the storyboard's folder (store included) is made,
moved, grown or touched, and what they tell is still the next film's truth: the damaged clip's
shot renders again, at its cost, and the shot the lock file names whole is cached."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from helpers import run_cli
from storyfilm.rendering import lockfile

STORY = """\
title: look
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}
shots:
  - {id: a, prompt: A paper boat drifts on a pond.}
  - {id: b, prompt: A heron lands by the reeds., cut: true}
"""


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


def test_status_and_plan_leave_a_damaged_store_and_a_lost_journal_as_they_are(tmp_path: Path) -> None:
    story = tmp_path / "look.yaml"
    story.write_text(STORY)
    made = run_cli("film", str(story), "-o", str(tmp_path / "look.mp4"))
    assert made.returncode == 0, made.stderr
    root = tmp_path / ".storyfilm"
    shots = {s["id"]: s for s in json.loads(lockfile.lock_path(story, preview=True).read_text())["shots"]}
    damaged = root / "objects" / shots["a"]["video_sha256"]
    damaged.write_bytes(damaged.read_bytes()[:-100] + b"x" * 100)  # same size, other bytes
    for journal in root.glob("state.sqlite*"):
        journal.unlink()  # the journal lost: its rows are made again from the lock file
    before = _snapshot(tmp_path)

    status = run_cli("status", str(story), "-o", str(tmp_path / "look.mp4"))
    plan = run_cli("plan", str(story))

    assert _snapshot(tmp_path) == before
    assert not (root / "quarantine").exists()
    assert status.returncode == 1, status.stderr
    cost = f"{shots['a']['cost']:.2f} CNY"
    told_a = [line for line in status.stdout.splitlines() if line.strip().startswith("a: ")]
    assert len(told_a) == 1 and cost in told_a[0], status.stdout
    assert not any(line.strip().startswith("b: ") for line in status.stdout.splitlines()), status.stdout  # b is cached
    assert plan.returncode == 0, plan.stderr
    assert cost in plan.stdout, plan.stdout

    # what they said is what the next film does: a renders again, b costs nothing
    again = run_cli("film", str(story), "-o", str(tmp_path / "look.mp4"), "--json")
    assert again.returncode == 0, again.stderr
    events = [json.loads(line) for line in again.stdout.splitlines()]
    assert {e["shot"] for e in events if e["event"] == "cached"} == {"b"}
    assert {e["shot"] for e in events if e["event"] == "done"} == {"a"}


def test_status_tells_a_hand_edited_journal_row_as_the_next_film_mends_it(tmp_path: Path) -> None:
    story = tmp_path / "look.yaml"
    story.write_text(STORY)
    film = ("-o", str(tmp_path / "look.mp4"))
    assert run_cli("film", str(story), *film).returncode == 0
    root = tmp_path / ".storyfilm"
    with contextlib.closing(sqlite3.connect(root / "state.sqlite")) as db, db:
        db.execute("UPDATE shots SET video_sha = ? WHERE shot_id = 'a'", ("0" * 64,))
    before = _snapshot(tmp_path)

    status = run_cli("status", str(story), *film)

    assert _snapshot(tmp_path) == before
    # the store's record names a whole video for a's key: the film uses it, and pays nothing
    assert status.returncode == 0, status.stdout + status.stderr
    again = run_cli("film", str(story), *film, "--json")
    assert again.returncode == 0, again.stderr
    assert {json.loads(line)["shot"] for line in again.stdout.splitlines()
            if json.loads(line)["event"] == "cached"} == {"a", "b"}
