"""An OSError no layer foresaw (a path of the wrong kind, a full disk, a permission) ends the
command in one line naming the path and the system's words, exit 1: never a traceback."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli

STORY = "title: Two\ndefaults: {resolution: 480p, duration: 2}\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"


def test_a_lock_file_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    """The film was joined, then renaming its lock file into place raised IsADirectoryError: a traceback."""
    (tmp_path / "two.yaml").write_text(STORY)
    (tmp_path / "two.preview.lock.json").mkdir()
    done = run_cli("film", "-q", "two.yaml", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", ".two.preview.lock.json.partial -> two.preview.lock.json: Is a directory (EISDIR)\n")
    assert (tmp_path / "build" / "two.mp4").is_file()  # what was made is kept: the next run, fixed, costs nothing
