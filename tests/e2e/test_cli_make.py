"""The Makefile as a user runs it: STORY=name finds storyboards/name.yaml, ARGS reach the command,
and `make clean` keeps the render cache (paid clips) and every storyboard's lock but the examples'."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO

STORY = "title: Coffee\nshots:\n  - id: pour\n    prompt: Coffee pours into a white cup.\n"


def _make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The repository's Makefile run in `folder`, with this interpreter and no venv set-up."""
    return subprocess.run(["make", "--no-print-directory", "-f", str(REPO / "Makefile"), *args,
                           f"PY={sys.executable}", "READY="], capture_output=True, text=True, cwd=folder,
                          timeout=120)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "storyboards").mkdir()
    (tmp_path / "storyboards" / "coffee.yaml").write_text(STORY, encoding="utf-8")
    return tmp_path


def test_story_by_name_finds_the_yaml_and_args_reach_plan(tmp_path: Path) -> None:
    done = _make(_project(tmp_path), "plan", "STORY=coffee", "ARGS=--graph mermaid")
    assert done.returncode == 0, done.stderr
    assert "-m storyfilm plan storyboards/coffee.yaml --graph mermaid" in done.stdout
    assert re.search(r"^(flowchart|graph) ", done.stdout, re.M) and "pour" in done.stdout


def test_args_reach_validate_and_the_yaml_suffix_still_works(tmp_path: Path) -> None:
    done = _make(_project(tmp_path), "validate", "STORY=coffee.yaml", "ARGS=-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("validate storyboards/coffee.yaml -q")  # -q: no "ok" line


def test_clean_removes_build_and_the_examples_preview_locks_only(tmp_path: Path) -> None:
    project = _project(tmp_path)
    boards = project / "storyboards"
    for name in ("build/ad.mp4", "storyboards/ad.preview.lock.json", "storyboards/t2v.preview.lock.json",
                 "storyboards/coffee.preview.lock.json", "storyboards/coffee.lock.json",
                 "storyboards/.storyfilm/media/clip.mp4"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_bytes(b"x")
    assert _make(project, "clean").returncode == 0
    left = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert left == ["storyboards/.storyfilm/media/clip.mp4", "storyboards/coffee.lock.json",
                    "storyboards/coffee.preview.lock.json", "storyboards/coffee.yaml"]
    assert not (project / "build").exists() and boards.is_dir()


def test_the_makefiles_example_list_is_the_shipped_examples() -> None:
    listed = re.search(r"^EXAMPLES := (.*)$", (REPO / "Makefile").read_text(), re.M).group(1).split()
    assert sorted(listed) == sorted(p.stem for p in (REPO / "storyboards").glob("*.yaml"))
