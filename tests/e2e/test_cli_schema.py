"""`storyfilm schema` prints the storyboard JSON Schema; `--path` names the installed file, so an
editor outside this repository can be pointed at it (README shows how)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REPO, run_cli
from storyfilm.storyboard.schema import schema


def test_schema_prints_the_schema_the_validator_uses() -> None:
    done = run_cli("schema")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == schema()


def test_schema_path_names_the_installed_file_from_any_folder(tmp_path: Path) -> None:
    done = run_cli("schema", "--path", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    path = Path(done.stdout.strip())
    assert path.is_absolute() and path.name == "storyboard.schema.json"
    assert json.loads(path.read_text(encoding="utf-8")) == schema()


def test_readme_shows_how_to_point_an_editor_at_it() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "storyfilm schema --path" in readme and '"yaml.schemas"' in readme
