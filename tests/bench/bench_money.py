"""The money rules under faults (issue 11).

- kill drill: creates that answer 4 s after making their task, 12 random `kill -9` of
  `storyfilm film` during a 20-shot render (4 chains of 5), then a run to the end: shots paid
  twice (target 0), creates against shots + failed tasks, and the wall time of the final run
  (BENCH_MONEY_KILLS overrides the number of kills)
- an unreachable service (connection refused; unknown host): seconds until the message (< 10 s)
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import REPO, chains_story, film_process, kill_at, paid_tasks

DRILL = "slow@create=1,delay=4,run=2"


def kill_drill(folder: Path) -> list[tuple[str, str, str]]:
    from storyfilm.localark.embedded import LocalServer
    from storyfilm.storyboard.build import pinned_seed

    kills = int(os.environ.get("BENCH_MONEY_KILLS", "12"))
    rng = random.Random()
    title = f"Kill drill {rng.random()}"
    story, ids = chains_story(folder / "drill.yaml", title, chains=4, length=5)
    with LocalServer(faults=DRILL) as server:
        env = {"ARK_API_KEY": "sk-bench-money", "ARK_BASE_URL": server.base_url}
        for n in range(kills):  # a third of them while a create is on its way
            proc = film_process(story, env)
            if n % 3 == 0:
                kill_at(proc, event="creating", after=rng.uniform(0.0, 3.5))
            else:
                kill_at(proc, after=rng.uniform(1.0, 8.0))
        started = time.perf_counter()
        final = film_process(story, env)
        _, err = final.communicate(timeout=900)
        wall = time.perf_counter() - started
        time.sleep(1.0)  # a create of a killed run still on its way lands now, if ever
        paid = paid_tasks(server, {pinned_seed(title, shot): shot for shot in ids})
        creates = sum(len(tasks) for tasks in paid.values())
        failed = sum(1 for tasks in paid.values() for _, status in tasks if status == "failed")
    twice = sum(1 for shot in ids if len([t for t, s in paid.get(shot, []) if s != "failed"]) > 1)
    outcome = "" if final.returncode == 0 else f" (final run exit {final.returncode}: {err.strip()[-200:]})"
    return [(f"kill drill, {kills} kills, 20 shots: shots paid twice", f"{twice}{outcome}", "0"),
            ("kill drill: tasks made (not cancelled) / shots + failed", f"{creates} / {len(ids) + failed}", "equal"),
            ("kill drill: wall time of the final run", f"{wall:.1f} s", "")]


def unreachable(folder: Path) -> list[tuple[str, str, str]]:
    story, _ = chains_story(folder / "nobody.yaml", "Nobody there", chains=2, length=2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rows = []
    for what, base in (("connection refused", f"http://127.0.0.1:{port}/api/v3"),
                       ("unknown host", "http://no-such-host.invalid/api/v3")):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
        env |= {"ARK_API_KEY": "sk-bench-money", "ARK_BASE_URL": base}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "storyfilm", "film", str(story), "--store", str(folder / what)],
                              capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
        took = time.perf_counter() - started
        lines = len(done.stderr.strip().splitlines())
        rows.append((f"unreachable service ({what}): seconds to the message",
                     f"{took:.1f} s, exit {done.returncode}, {lines} line(s) on stderr", "< 10 s"))
    return rows


def run() -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="storyfilm-bench-money-") as tmp:
        for bench in (unreachable, kill_drill):
            folder = Path(tmp) / bench.__name__
            folder.mkdir()
            rows += bench(folder)
    return rows


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  |  ")
