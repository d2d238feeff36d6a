"""The CLI in its own process, as a user runs it: one command, `serve`, a `film --json` to kill, and
scripts run side by side under load; the ffmpeg processes a process has started."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # the repository (tests/helpers/ is two below it)


def ffmpeg_children(*marks: bytes, parent: int | None = None) -> list[int]:
    """The living ffmpeg processes whose parent is `parent` (default: this process) and whose command
    line holds every one of `marks`. Read from each process's own /proc/<pid>/stat, not from
    /proc/<pid>/task/*/children: a thread may end between the listing of the tasks and the read of
    its children; a process that ends during the scan is left out."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if (int(fields[1]) == parent and fields[0] != "Z" and b"ffmpeg" in command.split(b"\0")[0]
                and all(mark in command for mark in marks)):
            found.append(int(entry.name))
    return found


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "storyfilm", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or REPO, timeout=300)


@contextlib.contextmanager
def serve_process(*args: str, env: dict[str, str] | None = None):
    """`python -m storyfilm serve` in its own process on a free port; yields its root URL."""
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "storyfilm", "serve", "--port", str(port), *args], cwd=REPO,
                            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(root + "/_local/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield root
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def film_process(story: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    """`python -m storyfilm film STORY --json` in its own process, as a user starts it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")} | env
    return subprocess.Popen([sys.executable, "-m", "storyfilm", "film", str(story), "--json", "-o",
                             str(story.with_suffix(".mp4")), *extra], cwd=REPO, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1)


def until_running(proc: subprocess.Popen[str], count: int) -> dict[str, str]:
    """Read a `film --json` process's events until `count` shots run on the service: shot → task id."""
    import json

    running: dict[str, str] = {}
    for line in proc.stdout or ():
        event = json.loads(line)
        if event["event"] == "running":
            running[event["shot"]] = event["detail"].split()[-1]
        if len(running) == count:
            break
    return running


def kill_at(proc: subprocess.Popen[str], *, event: str | None = None, after: float = 0.0) -> str:
    """SIGKILL the render `after` seconds after it reports `event` (None: after it starts); what it
    was doing then. A render that finishes first is left alone."""
    import json
    import selectors
    import signal
    import time

    started = time.monotonic()
    armed = started if event is None else None
    last = "started"
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    while True:
        now = time.monotonic()
        if armed is not None and now >= armed + after:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return last
        assert now - started < 120, "the render neither finished nor reached the moment"
        if selector.select(timeout=0.02):
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                return "finished before the kill"
            record = json.loads(line)
            last = f"{record['event']} {record.get('shot', '')}".strip()
            if armed is None and record["event"] == event:
                armed = time.monotonic()


def under_load(script: str, runs: list[list[str]], *, burners: int = 2, timeout: float = 240) -> list[str]:
    """Run `python -c script ARGS...` once per entry of `runs`, all at the same time, while `burners`
    processes keep every core busy: what each printed (stripped). A run that fails fails the test."""
    burn = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burners)]
    try:
        procs = [subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=REPO) for args in runs]
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, err
            outputs.append(out.strip())
        return outputs
    finally:
        for proc in burn:
            proc.kill()
            proc.wait()
