"""Rendering benchmarks against the local server with a fixed per-task latency (its `run` fault).

- wall time ÷ critical-path bound, 4 independent chains × 5 shots (target ≤ 1.05)
- unchanged re-run of those 20 shots: requests and wall time (0, < 1 s)
- success on the server → noticed by the pipeline, median, and poll requests/s, 40 tasks in flight
- peak memory of the rendering process for a 200-shot film (< 200 MB; BENCH_RENDER_SHOTS overrides)
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storyfilm import film
from storyfilm.settings import Settings

LATENCY = 8.0  # seconds every task takes on the server (run=…); rendering a preview clip fits in it
KEY = "sk-bench-render"
HEAD = ('defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}\n'
        "shots:\n")


def story(folder: Path, title: str, chains: int, length: int) -> Path:
    lines = [f"title: {title}\n", HEAD]
    for c in range(chains):
        for s in range(length):
            cut = ", cut: true" if s == 0 else ""
            lines.append(f'  - {{id: c{c}s{s}, prompt: "Chain {c} shot {s}: paper cranes in the wind."{cut}}}\n')
    path = folder / f"{title.replace(' ', '-').lower()}.yaml"
    path.write_text("".join(lines))
    return path


def render(path: Path, server, events: list | None = None, **extra) -> tuple[float, film.FilmRun]:
    started = time.perf_counter()
    options = film.FilmOptions(base_url=server.base_url, store=path.parent / ".storyfilm",
                               output=path.with_suffix(".mp4"), listener=events.append if events is not None else None,
                               **extra)
    outcome = film.run(path, Settings(api_key=KEY), options, out=io.StringIO())
    return time.perf_counter() - started, outcome


def critical_path(server, folder: Path) -> list[tuple[str, str, str]]:
    from storyfilm.localark.faults import Faults

    server.ark.faults = Faults.parse(f"run={LATENCY}")
    path = story(folder, "Critical path", 4, 5)
    events: list = []
    started = time.time()
    render(path, server, events)
    last_done = max(e.at for e in events if e.kind == "done")
    bound = 5 * LATENCY
    # what the server really took per task (created → finished), summed along each chain
    created = {e.shot: (e.at, e.detail.split()[-1]) for e in events if e.kind == "created"}
    took = {shot: server.ark.tasks[task].finished_at - at for shot, (at, task) in created.items()}
    served = max(sum(took[f"c{c}s{s}"] for s in range(5)) for c in range(4))
    wall = last_done - started
    rows = [("4×5 chains: render wall ÷ critical path", f"{wall / bound:.3f} ({wall:.1f} s / {bound:.0f} s)",
             "≤ 1.05"),
            ("4×5 chains: wall ÷ server's own task times", f"{wall / served:.3f} (overhead "
             f"{(wall - served) / 5:.2f} s per shot)", "≤ 1.05")]

    before = dict(server.ark.stats)
    wall, outcome = render(path, server)
    requests = sum(server.ark.stats.values()) - sum(before.values())
    assert all(r.cached for r in outcome.results.values())
    rows.append(("unchanged re-run of 20 shots: requests", str(requests), "0"))
    rows.append(("unchanged re-run of 20 shots: wall", f"{wall:.2f} s", "< 1 s"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    env |= {"ARK_API_KEY": KEY, "ARK_BASE_URL": server.base_url}
    started = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "storyfilm", "film", str(path), "-o", str(path.with_suffix(".mp4"))],
                         capture_output=True, text=True, env=env)
    cli_wall = time.perf_counter() - started
    requests = sum(server.ark.stats.values()) - sum(before.values())
    rows.append(("same via the CLI (with Python start-up)", f"{cli_wall:.2f} s, {requests} requests, "
                 f"exit {cli.returncode}", "< 1 s"))
    return rows


def polling(server, folder: Path) -> list[tuple[str, str, str]]:
    from storyfilm.localark.faults import Faults

    server.ark.faults = Faults.parse("queue=0-3,run=3")
    path = story(folder, "Forty in flight", 40, 1)
    events: list = []
    before = server.ark.stats["list"]
    render(path, server, events, concurrency=40)
    created = {e.shot: e.detail.split()[-1] for e in events if e.kind == "created"}
    noticed = {e.shot: e.at for e in events if e.kind == "succeeded"}
    delays = [noticed[shot] - server.ark.tasks[task].finished_at for shot, task in created.items()
              if shot in noticed and task in server.ark.tasks]
    span = max(noticed.values()) - min(e.at for e in events if e.kind == "created")
    polls = server.ark.stats["list"] - before
    return [("success → noticed, median (40 in flight)", f"{statistics.median(delays):.3f} s"
             f" (p90 {statistics.quantiles(delays, n=10)[-1]:.3f} s)", "≤ 0.5 s"),
            ("poll requests/s (40 in flight)", f"{polls / span:.2f} ({polls} list, 0 get per task)", "low")]


PEAK = """
import io, resource, sys
from pathlib import Path
from storyfilm import film
from storyfilm.settings import Settings
path = Path(sys.argv[1])
options = film.FilmOptions(base_url=sys.argv[2], store=path.parent / ".storyfilm", output=path.with_suffix(".mp4"))
film.run(path, Settings(api_key="sk-bench-render"), options, out=io.StringIO())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def memory(server, folder: Path) -> list[tuple[str, str, str]]:
    from storyfilm.localark.faults import Faults

    server.ark.faults = Faults.parse("")
    shots = int(os.environ.get("BENCH_RENDER_SHOTS", "200"))
    path = story(folder, "Two hundred", max(1, shots // 10), min(10, shots))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PEAK, str(path), server.base_url], capture_output=True, text=True)
    if proc.returncode != 0:
        return [(f"peak memory, {shots}-shot film", "failed: " + proc.stderr.strip().splitlines()[-1], "< 200 MB")]
    peak_mb = int(proc.stdout.split()[-1]) / 1024
    return [(f"peak memory, {shots}-shot film (render + join)",
             f"{peak_mb:.0f} MB ({time.perf_counter() - started:.0f} s)", "< 200 MB")]


def run() -> list[tuple[str, str, str]]:
    from storyfilm.localark.embedded import LocalServer

    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="storyfilm-bench-") as tmp, \
            LocalServer(render_slots=4, concurrency=40) as server:
        for bench in (critical_path, polling, memory):
            folder = Path(tmp) / bench.__name__
            folder.mkdir()
            rows += bench(server, folder)
    return rows


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  |  ")
