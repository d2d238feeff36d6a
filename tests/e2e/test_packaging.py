"""storyfilm as others install it: a wheel built from a clone of this repository (what
`pip install git+URL`, pipx and pre-commit do), installed into a fresh virtualenv and used from a
folder outside the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from helpers import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel of a clone of HEAD; its bin folder. Its dependencies come
    from this test run's environment (a .pth line), so the test needs no package index."""
    work = tmp_path_factory.mktemp("install")
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(clone)], check=True, capture_output=True)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    *map(str, wheels.glob("storyfilm-*.whl"))], check=True, capture_output=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def run(bin_dir: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARK_", "PYTHON"))}
    return subprocess.run([str(bin_dir / argv[0]), *argv[1:]], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_the_import_name_is_storyfilm_and_nothing_named_pipeline_is_installed(installed: Path, tmp_path: Path):
    found = run(installed, "python", "-c", "import storyfilm, storyfilm.storyboard as s; print(storyfilm.__file__)",
                cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith(str(installed.parent)), found.stdout
    missing = run(installed, "python", "-c", "import pipeline", cwd=tmp_path)
    assert missing.returncode == 1 and "ModuleNotFoundError: No module named 'pipeline'" in missing.stderr


def test_the_schema_ships_inside_the_package_and_equals_the_one_editors_open(installed: Path, tmp_path: Path):
    shipped = run(installed, "python", "-c", "from importlib import resources; import sys; sys.stdout.write("
                  "(resources.files('storyfilm.storyboard') / 'storyboard.schema.json').read_text())", cwd=tmp_path)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout == (REPO / "schemas" / "storyboard.schema.json").read_text(encoding="utf-8")


def test_validate_and_film_a_storyboard_outside_the_repository(installed: Path, tmp_path: Path):
    story = tmp_path / "elsewhere" / "tea.yaml"
    story.parent.mkdir()
    shutil.copy(REPO / "storyboards" / "t2v.yaml", story)
    assert run(installed, "storyfilm", "validate", str(story), cwd=tmp_path).returncode == 0
    broken = story.with_name("broken.yaml")
    broken.write_text(story.read_text().replace("duration: 2", "duration: 99"))
    refused = run(installed, "storyfilm", "validate", "broken.yaml", cwd=story.parent)
    assert refused.returncode == 2
    assert refused.stderr.startswith("broken.yaml:10:13: Seedance 1.0 lite t2v renders 2–12 s, not 99"), refused.stderr
    out = tmp_path / "tea.mp4"
    film = run(installed, "storyfilm", "film", str(story), "-o", str(out), cwd=tmp_path)
    assert film.returncode == 0, film.stderr
    probe = subprocess.run([str(installed / "python"), "-c", "from storyfilm.mediaio import probe; import sys; "
                            "i = probe.probe(__import__('pathlib').Path(sys.argv[1])); print(i.width, i.height)",
                            str(out)], capture_output=True, text=True)
    assert probe.stdout.split() == ["864", "480"], probe.stderr


def test_the_pre_commit_hook_as_pre_commit_runs_it(installed: Path, tmp_path: Path):
    """pre-commit installs the hook repository with `pip install .` and runs `entry` with the staged
    file names appended, from the root of the repository being committed."""
    hook = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()) if h["id"] ==
                "storyfilm-validate")
    command, *args = hook["entry"].split()
    boards = tmp_path / "storyboards"
    boards.mkdir()
    shutil.copy(REPO / "storyboards" / "t2v.yaml", boards / "t2v.yaml")
    (boards / "bad.yaml").write_text((boards / "t2v.yaml").read_text().replace("duration: 2", "duration: 99"))
    assert run(installed, command, *args, "storyboards/t2v.yaml", cwd=tmp_path).returncode == 0
    stopped = run(installed, command, *args, "storyboards/t2v.yaml", "storyboards/bad.yaml", cwd=tmp_path)
    assert stopped.returncode == 2 and stopped.stderr.startswith("storyboards/bad.yaml:10:13: Seedance 1.0 lite t2v renders"), stopped.stderr
    assert "Traceback" not in stopped.stderr
