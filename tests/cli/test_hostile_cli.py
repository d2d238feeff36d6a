"""Hostile command lines and environments: each is one line on stderr, exit 2, before anything is
sent (the counting server sees no request) or written (the folder holds only what it held)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import TWO_SHOTS, assert_case_refused
from storyfilm import cli

KEY = "sk-test-s3cret-cli"
KEY_MESSAGE = ("ARK_API_KEY holds a space, a line break or a non-ASCII character, which no HTTP header carries: "
               "set the key alone (a key read from a file: export ARK_API_KEY=\"$(tr -d '[:space:]' < FILE)\")")
URL_MESSAGE = "give an http or https URL, e.g. https://ark.cn-beijing.volces.com/api/v3"

# (command line, extra environment, the one line expected; {story} and {dir} filled in)
CASES = {
    "max-cost-nan": (["film", "{story}", "--max-cost", "nan"], {}, "--max-cost nan: give an amount of CNY, 0 or more"),
    "max-cost-1e309": (["film", "{story}", "--max-cost", "1e309"], {},
                       "--max-cost inf: give an amount of CNY, 0 or more"),
    "concurrency-0": (["film", "{story}", "--concurrency", "0"], {}, "--concurrency 0: give 1 or more tasks in flight"),
    "output-a-folder": (["film", "{story}", "-o", "{dir}"], {},
                        "-o {dir}: is a folder; give the film's file, e.g. {dir}/two.mp4"),
    "output-the-storyboard": (["film", "{story}", "-o", "{story}"], {},
                              "-o {story}: the film is an .mp4 file; give a path ending in .mp4"),
    "store-a-file-film": (["film", "{story}", "--store", "{story}"], {},
                          "--store {story}: is a file, not a folder; give the folder of the media store and journal"),
    "store-a-file-plan": (["plan", "{story}", "--store", "{story}"], {},
                          "--store {story}: is a file, not a folder; give the folder of the media store and journal"),
    "store-a-file-status": (["status", "{story}", "--store", "{story}"], {},
                            "--store {story}: is a file, not a folder; give the folder of the media store and "
                            "journal"),
    "store-under-a-file-plan": (["plan", "{story}", "--store", "{story}/store"], {},
                                "--store {story}/store: {story} is a file, not a folder"),
    "store-a-file-gc": (["gc", "{dir}", "--store", "{story}"], {},
                        "--store {story}: is a file, not a folder; give the folder of the media store and journal"),
    "key-with-newline": (["film", "{story}"], {"ARK_API_KEY": KEY + "\n"}, KEY_MESSAGE),
    "key-with-space-cancel": (["cancel", "{story}"], {"ARK_API_KEY": "sk-test s3cret"}, KEY_MESSAGE),
    "key-not-ascii": (["film", "{story}"], {"ARK_API_KEY": "sk-tést-s3cret"}, KEY_MESSAGE),
    "base-url-port-99999": (["film", "{story}"], {"ARK_BASE_URL": "http://127.0.0.1:99999/api/v3"},
                            f"ARK_BASE_URL='http://127.0.0.1:99999/api/v3': {URL_MESSAGE}"),
    "base-url-no-scheme": (["film", "{story}"], {"ARK_BASE_URL": "ark.example.com"},
                           f"ARK_BASE_URL='ark.example.com': {URL_MESSAGE}"),
    "tasks-path-garbage": (["film", "{story}"], {"ARK_TASKS_PATH": "tasks\n"},
                           "ARK_TASKS_PATH='tasks\\n': give a path starting with /, e.g. /contents/generations/tasks"),
    "ffmpeg-missing": (["validate", "{story}"], {"FFMPEG": "/nonexistent/ffmpeg"},
                       "FFMPEG=/nonexistent/ffmpeg is not an executable file"),
    "faults-garbage-preview": (["film", "{story}"], {"ARK_API_KEY": "", "STORYFILM_FAULTS": "lots"},
                               "STORYFILM_FAULTS: fault spec: 'lots' is not kind[@op]=value[#times]"),
    "unknown-flag": (["film", "{story}", "--frobnicate"], {},
                     "storyfilm: unrecognized arguments: --frobnicate (see `storyfilm --help`)"),
    "max-cost-not-a-number": (["film", "{story}", "--max-cost", "cheap"], {},
                              "storyfilm film: argument --max-cost: invalid float value: 'cheap' "
                              "(see `storyfilm film --help`)"),
}


@pytest.mark.parametrize("name", CASES)
def test_hostile_command_line(name: str, tmp_path: Path, ark_server, monkeypatch, capsys) -> None:
    assert_case_refused(CASES[name], tmp_path, ark_server, monkeypatch, capsys, key=KEY, secrets=("s3cret",))


def test_a_storyboard_named_with_a_line_break_is_still_one_line(tmp_path: Path, capsys) -> None:
    story = tmp_path / "bad\nname.yaml"
    story.write_text("title: x\nshots: 1\n", encoding="utf-8")
    assert cli.main(["validate", str(story)]) == 2
    shown = str(story).replace("\n", "\\n")
    assert capsys.readouterr().err == f"{shown}:2:8: `shots` must be a list (got 1)\n"


def test_serve_on_a_port_out_of_range_is_one_line(capsys) -> None:
    """It was a traceback from the socket's bind()."""
    try:
        status = cli.main(["serve", "--port", "99999"])
    except SystemExit as exit_:
        status = exit_.code
    assert (status, capsys.readouterr().err) == (2, "storyfilm serve: argument --port: '99999' is no port: give "
                                                    "0 to 65535 (see `storyfilm serve --help`)\n")


INTERRUPTED_WHILE_LOADING = """
import os, signal, sys

class InterruptOnLoad:  # Ctrl-C arriving while the commands load, as a user's can in the first second
    def find_spec(self, name, path=None, target=None):
        if name == "storyfilm.planning":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptOnLoad())
from storyfilm.cli import main
sys.argv = ["storyfilm", "validate", sys.argv[1]]
raise SystemExit(main())
"""


def test_ctrl_c_while_the_commands_load_is_one_line_and_130(tmp_path: Path) -> None:
    import subprocess
    import sys

    story = tmp_path / "two.yaml"
    story.write_text(TWO_SHOTS)
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_WHILE_LOADING, str(story)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (130, "interrupted\n", "")
