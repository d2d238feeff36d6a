"""Output into a closed pipe (`storyfilm plan X --format json | head -1`) ends quietly: no
traceback, the exit status of a process stopped by SIGPIPE (141), as `yes | head -1` does."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import REPO


def _into_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI with stdout a real pipe whose reader has already gone (deterministic, unlike a
    race with `head`, which may read everything before it exits)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
        return subprocess.run([sys.executable, "-m", "storyfilm", *args], stdout=write_end,
                              stderr=subprocess.PIPE, env=env, cwd=REPO, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ("plan", "storyboards/ad.yaml", "--format", "json"),
    ("plan", "storyboards/ad.yaml", "--graph", "mermaid"),
    ("validate", "storyboards/ad.yaml", "storyboards/t2v.yaml"),
])
def test_output_into_a_closed_pipe_ends_quietly_with_sigpipe_status(args: tuple[str, ...]) -> None:
    done = _into_closed_pipe(*args)
    assert (done.returncode, done.stderr.decode()) == (141, "")


def test_head_reads_the_first_line_and_the_pipeline_status_is_the_shells() -> None:
    script = (f"{sys.executable} -m storyfilm plan storyboards/ad.yaml --format json | head -1; "
              "echo \"status=${PIPESTATUS[0]}\" >&2")
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.stdout.strip() in ("{", "[")
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert done.stderr.strip() in ("status=0", "status=141")
