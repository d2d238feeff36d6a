"""Shell completion (argcomplete): the real command answers the shell's completion protocol with
the commands and each command's options."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli


def _complete(line: str, tmp_path: Path) -> list[str]:
    answer = tmp_path / "completions.txt"
    done = run_cli(env={"_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
                        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer)})
    assert (done.returncode, done.stderr) == (0, "")
    return sorted(word.strip() for word in answer.read_text().split("\x0b"))


def test_commands_and_options_complete(tmp_path: Path) -> None:
    assert _complete("storyfilm s", tmp_path) == ["schema", "serve", "status"]
    assert {"--format", "--graph", "--store", "--quiet"} <= set(_complete("storyfilm plan --", tmp_path))
    assert _complete("storyfilm plan storyboards/t2", tmp_path) == ["storyboards/t2v.yaml"]
