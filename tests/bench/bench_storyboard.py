"""Validate + plan of a generated 1000-shot storyboard (target: under 2 s, in-process and as the CLI)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storyfilm import planning
from storyfilm.planning import views
from storyfilm.mediaio.inputs import load_storyboard

REPO = Path(__file__).resolve().parents[2]
SHOTS = 1000


def write_story(folder: Path, shots: int = SHOTS) -> Path:
    """Chains of 10 shots; every chain opens on an image or cuts; every 50th shot branches."""
    shutil.copy(REPO / "storyboards" / "assets" / "apple-closed.png", folder / "apple.png")
    lines = ["version: 1", "title: A thousand shots", "style: warm light",
             "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: '16:9', duration: 2}",
             "assets: {apple: apple.png}", "shots:"]
    for n in range(shots):
        lines.append(f"  - id: shot-{n:04d}")
        lines.append(f"    prompt: Shot {n} of the long film, the camera keeps moving.")
        if n % 10 == 0 and n:
            lines.append("    cut: true" if n % 20 else "    first_frame: apple")
        elif n % 50 == 7:
            lines.append(f"    from: shot-{n - 3:04d}")
    story = folder / "long.yaml"
    story.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return story


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        story = write_story(Path(tmp))
        started = time.perf_counter()
        board = load_storyboard(story)
        loaded = time.perf_counter()
        graph = planning.compile_plan(board)
        views.as_table(graph)
        planned = time.perf_counter()
        cli_started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "storyfilm", "plan", str(story)], check=True, capture_output=True)
        cli = time.perf_counter() - cli_started
    return [
        (f"load + validate {len(board.shots)} shots", f"{loaded - started:.2f} s", "< 2 s with plan"),
        (f"plan {len(board.shots)} shots (graph + table)", f"{planned - loaded:.2f} s", ""),
        ("validate + plan, in-process total", f"{planned - started:.2f} s", "< 2 s"),
        ("`storyfilm plan` as a process", f"{cli:.2f} s", "< 2 s"),
    ]
