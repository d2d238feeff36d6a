"""The pre-commit hook other repositories use: its entry validates storyboards as pre-commit calls it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from helpers import REPO


def hook() -> dict:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(h for h in hooks if h["id"] == "storyfilm-validate")


def test_hook_selects_storyboards_only() -> None:
    pattern = re.compile(hook()["files"])
    assert pattern.search("storyboards/ad.yaml") and pattern.search("film/storyboards/spot.yml")
    assert not pattern.search("storyboards/ad.lock.json") and not pattern.search(".github/ci.yaml")


def test_hook_entry_passes_good_and_stops_bad(tmp_path: Path) -> None:
    command, *args = hook()["entry"].split()
    exe = shutil.which(command, path=str(Path(sys.executable).parent))
    assert exe, f"the {command} console script is installed with the package"
    good = sorted(str(p) for p in (REPO / "storyboards").glob("*.yaml"))
    assert subprocess.run([exe, *args, *good], capture_output=True).returncode == 0
    bad = REPO / "tests" / "data" / "bad" / "refs-on-pro.yaml"
    proc = subprocess.run([exe, *args, good[0], str(bad)], capture_output=True, text=True)
    expect = bad.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    assert (proc.returncode, proc.stderr) == (2, f"{bad}:{expect}\n")
