"""An ffmpeg dies with the storyfilm that started it, even one killed with SIGKILL (which can stop
nothing on its way out), and even when a worker thread started it, as the renders and joins do."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ffmpeg_children

SCRIPT = """
import threading
from storyfilm.mediaio import runner
# a run of 60 s of real time at almost no CPU: what an ffmpeg left behind would go on doing
args = ["-re", "-f", "lavfi", "-i", "anullsrc=r=8000", "-t", "60", "-f", "null", "-"]
thread = threading.Thread(target=runner.run, args=(args,), kwargs={"what": "wait"})
thread.start()
thread.join()
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status waits to be read


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("setpriv") is None,
                    reason="the parent-death signal is Linux's, set by util-linux's setpriv")
def test_a_killed_storyfilm_leaves_no_ffmpeg_running() -> None:
    python, ffmpegs = subprocess.Popen([sys.executable, "-c", SCRIPT]), []
    try:
        deadline = time.monotonic() + 20
        while not (ffmpegs := ffmpeg_children(b"anullsrc", parent=python.pid)):
            assert time.monotonic() < deadline and python.poll() is None, "no ffmpeg started"
            time.sleep(0.05)
        os.kill(python.pid, signal.SIGKILL)
        python.wait(10)
        deadline = time.monotonic() + 10
        while _running(ffmpegs[0]):
            assert time.monotonic() < deadline, "ffmpeg runs on after storyfilm was killed"
            time.sleep(0.05)
    finally:
        python.kill()
        python.wait(10)
        for pid in ffmpegs:  # should the test fail, its ffmpeg goes all the same
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
