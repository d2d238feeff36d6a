"""The live table, as `storyfilm film` draws it on a terminal against a slow service: it says how
long is left (the model's typical latency along the chain of what is left, then corrected by how
long the finished shot really took) and how far the join has gone."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO, serve_process
from storyfilm.rendering.eta import Schedule
from storyfilm.seedance import models

STORY = ("title: Pour\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: \"16:9\", "
         "duration: 2}\nshots:\n  - {id: pour, prompt: Coffee pours into a cup.}\n"
         "  - {id: sip, prompt: Someone sips it.}\n")


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the real command with a pseudo-terminal as its stdout: what a user's screen receives."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "storyfilm", *args], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, cwd=REPO, env={**os.environ, "COLUMNS": "160", **env})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the command ended: the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    return proc.wait(timeout=120), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)


def test_the_table_shows_an_eta_that_learns_and_the_join(tmp_path: Path) -> None:
    story = tmp_path / "pour.yaml"
    story.write_text(STORY, encoding="utf-8")
    with serve_process("--faults", "run=1.5") as root:
        status, screen = _on_a_terminal(["film", str(story), "-o", str(tmp_path / "pour.mp4")],
                                        {"ARK_API_KEY": "sk-eta-0123456789", "ARK_BASE_URL": root + "/api/v3"})
    assert status == 0, screen
    etas = [int(m) for m in re.findall(r"ETA (\d+) s", screen)]
    typical = models.MODELS["doubao-seedance-1-0-pro-250528"].typical_latency * models.frames_for(2) / 24
    assert etas, screen
    assert 2 * typical - 10 <= etas[0] <= round(2 * typical)  # both shots ahead, one after the other
    # once `pour` is done in a few seconds, `sip` is expected to take as long: far less than typical
    assert min(etas) < typical / 2, etas
    assert "joining clips … 100%" in screen
    assert "sk-eta-0123456789" not in screen


def test_the_eta_follows_the_longest_chain_of_what_is_left() -> None:
    plan = Schedule({"a": 10.0, "b": 10.0, "c": 4.0}, {"b": ["a"]})
    assert plan.left({"a": "pending", "b": "pending", "c": "pending"}, {}) == 20.0
    assert plan.left({"a": "running", "b": "pending", "c": "running"}, {"a": 6.0, "c": 1.0}) == 14.0
    plan.measured["a"] = 5.0  # `a` took half its expected time: so will `b`
    assert plan.left({"a": "done", "b": "running", "c": "done"}, {"b": 1.0}) == 4.0
