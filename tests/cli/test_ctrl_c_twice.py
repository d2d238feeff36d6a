"""Ctrl-C twice: the first stops the render, which says what it left on the service; a second one
after that message, while Python shuts down, changed nothing but ended the process by the signal
(-2) or with a traceback. It exits 130 with the one message either way. The shutdown is held open
here (an exit-time wait, as joining a slow thread is) so the second Ctrl-C surely lands in it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from helpers import REPO

STORY = """\
title: twice
defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}
shots:
  - {id: a, prompt: A paper boat drifts on a pond.}
"""
# `storyfilm film` as the CLI runs it, with a shutdown that takes its time
SLOW_EXIT = ("import atexit, sys, time; atexit.register(time.sleep, 3); sys.argv[0] = 'storyfilm'; "
             "from storyfilm.cli import main; raise SystemExit(main())")


def test_a_second_ctrl_c_while_it_shuts_down_still_exits_130_with_one_message(tmp_path: Path) -> None:
    story = tmp_path / "twice.yaml"
    story.write_text(STORY)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")} | {"STORYFILM_FAULTS": "run=30"}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_EXIT, "film", str(story), "--json"], cwd=REPO, env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in proc.stdout:
        if json.loads(line)["event"] == "running":
            break
    proc.send_signal(signal.SIGINT)
    told = [proc.stderr.readline() for _ in range(3)]  # the whole message: the render has ended
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130, (told, rest)
    assert told[0] == "interrupted.\n" and told[1].startswith("Still running on the service, and paid for: a (task ")
    assert told[2] == "Run `storyfilm film` again with the same storyboard to pick them up; nothing is paid twice.\n"
    assert rest == ""  # no traceback, no second message
