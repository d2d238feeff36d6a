"""`make … STORY=…` with values a shell would read as code or as two words: the storyboard reaches
storyfilm as one argument, whatever it holds, and an empty STORY is storyfilm's one line (it named
the storyboards/ folder)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

STORY = "title: Coffee\nshots:\n  - id: pour\n    prompt: Coffee pours into a white cup.\n"


def _make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "--no-print-directory", "-f", str(REPO / "Makefile"), *args,
                           f"PY={sys.executable}", "READY="], capture_output=True, text=True, cwd=folder, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "storyboards").mkdir()
    (tmp_path / "storyboards" / "coffee.yaml").write_text(STORY, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", ["storyboards/my coffee.yaml", "storyboards/it's coffee.yaml",
                                  "storyboards/coffee;1.yaml"])
def test_a_storyboard_name_a_shell_would_split_reaches_storyfilm_whole(project: Path, name: str) -> None:
    """Each was two arguments, a shell syntax error, or `;` ran the rest as a command."""
    (project / name).write_text(STORY, encoding="utf-8")
    done = _make(project, "validate", f"STORY={name}")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{name}: ok (1 shots, 5 s)\n", "")


def test_story_is_never_run_as_a_command(project: Path) -> None:
    done = _make(project, "validate", "STORY=coffee; touch INJECTED")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "coffee; touch INJECTED:1:1: no such storyboard file"
    assert not (project / "INJECTED").exists()


def test_an_empty_story_is_told_not_read_as_the_storyboards_folder(project: Path) -> None:
    done = _make(project, "plan", "STORY=")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == ("storyfilm plan: argument story: an empty path; give a file or folder "
                                           "(see `storyfilm plan --help`)")
