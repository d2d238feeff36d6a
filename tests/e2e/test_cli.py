"""The CLI is the one place errors are shown and exit codes chosen: a bad command line is a usage
error (exit 2) with one exact line on stderr, found before any journal, server or request."""

from __future__ import annotations

from pathlib import Path

import pytest

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
