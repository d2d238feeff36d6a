"""The command line explains itself: --version from the package metadata, help for every argument,
the environment variables in --help and README, README's command table the same as --help's, and
-q / -v that change what is printed (-v never prints the key)."""

from __future__ import annotations

import argparse
import re
from importlib import metadata
from pathlib import Path

from helpers import REPO, run_cli
from storyfilm.cli import parser as arguments

STORY = ("title: One\ndefaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: \"16:9\", "
         "duration: 2}\nshots:\n  - id: boat\n    prompt: A paper boat drifts on a pond.\n")
KEY = "sk-verbose-secret-0123456789"


def _actions(parser: argparse.ArgumentParser, where: str = "storyfilm"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{where} {name}")
        else:
            yield where, action


def _help_commands(text: str) -> list[str]:
    block = text.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^    (\w+) ", block, re.M)


def test_version_reads_the_package_metadata() -> None:
    done = run_cli("--version")
    assert (done.returncode, done.stdout) == (0, f"storyfilm {metadata.version('storyfilm')}\n")


def test_every_argument_of_every_command_has_help() -> None:
    missing = [f"{where}: {action.dest}" for where, action in _actions(arguments.build())
               if not action.help or action.help == argparse.SUPPRESS]
    assert missing == []


def test_help_and_readme_name_every_environment_variable_the_code_reads() -> None:
    settings = (REPO / "pipeline" / "settings.py").read_text(encoding="utf-8")
    runner = (REPO / "pipeline" / "mediaio" / "runner.py").read_text(encoding="utf-8")
    names = set(re.findall(r"env(?:iron)?\.get\(\"([A-Z_]+)\"", settings + runner))
    assert names >= {"ARK_API_KEY", "ARK_BASE_URL", "ARK_TASKS_PATH", "STORYFILM_FAULTS", "FFMPEG"}
    help_text = run_cli("--help").stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [n for n in sorted(names) if f"  {n} " not in help_text] == []
    assert [n for n in sorted(names) if f"`{n}`" not in readme] == []


def test_readme_command_table_matches_help() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("|---|---|---|", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| [^|]*\| `([\w./-]+)[^|]*\|", table, re.M)
    assert sorted(set(rows) - {"pytest", "tests/bench/run.py"}) == sorted(_help_commands(done.stdout))


def test_verbose_logs_requests_and_ffmpeg_commands_never_the_key_and_quiet_prints_nothing(
        tmp_path: Path, ark_server) -> None:
    story = tmp_path / "one.yaml"
    story.write_text(STORY, encoding="utf-8")
    env = {"ARK_API_KEY": KEY, "ARK_BASE_URL": ark_server.base_url}
    done = run_cli("-v", "film", str(story), "-o", str(tmp_path / "one.mp4"), env=env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"HTTP Request: POST http://127\.0\.0\.1:\d+/api/v3/contents/generations/tasks ", done.stderr)
    assert re.search(r"ffmpeg \(.*\): \S*ffmpeg\S* -hide_banner -nostdin ", done.stderr)
    assert KEY not in done.stderr + done.stdout
    assert KEY not in "".join(p.read_text(errors="replace") for p in tmp_path.glob("*.json"))

    (tmp_path / "one.mp4").unlink()  # joined again, from the cache
    quiet = run_cli("film", "-q", str(story), "-o", str(tmp_path / "one.mp4"), env=env)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (tmp_path / "one.mp4").stat().st_size > 0
    assert run_cli("-q", "validate", str(story)).stdout == ""
