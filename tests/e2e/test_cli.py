"""The CLI is the one place errors are shown and exit codes chosen: a bad command line is a usage
error (exit 2) with one exact line on stderr, found before any journal, server or request."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REPO, run_cli

from storyfilm import cli

STORY = "title: Two\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"


@pytest.mark.parametrize("flags, message", [
    (["--max-cost", "-1"], "--max-cost must be 0 or more"),
    (["--only", "tow"], "--only: {story} has no shot 'tow' (did you mean 'two'?)"),
    (["--until", "three"], "--until: {story} has no shot 'three' (shots: one, two)"),
])
def test_a_bad_command_line_exits_2_before_anything_runs(flags: list[str], message: str, tmp_path: Path,
                                                         capsys) -> None:
    story = tmp_path / "two.yaml"
    story.write_text(STORY, encoding="utf-8")
    assert cli.main(["film", str(story), *flags]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message.format(story=story) + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.yaml"]  # no journal, no film, no lock file


def test_a_bad_settle_window_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = run_cli("validate", str(REPO / "storyboards" / "t2v.yaml"), env={"STORYFILM_SETTLE": "nan"})
    assert (proc.returncode, proc.stderr) == (2, "STORYFILM_SETTLE='nan': give a number of seconds, 0 or more\n")


def test_the_settle_window_comes_from_the_environment() -> None:
    from storyfilm.settings import Settings

    assert Settings.from_env({"STORYFILM_SETTLE": "30"}).settle == 30.0
    assert Settings.from_env({}).settle is None
