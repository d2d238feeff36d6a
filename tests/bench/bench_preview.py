"""The local preview from nothing: the shipped 6-shot `storyboards/ad.yaml` rendered and joined by
`storyfilm film` (no key: the local server renders the clips) in a fresh folder, against one plain
ffmpeg encode of a film of the same duration and size (a zoom over the first frame, x264 veryfast),
and the peak memory of the whole process tree (Python, the local server, every ffmpeg): the sum of
the processes' resident sizes (the target's figure), and beside it their proportional sizes (PSS:
pages shared between processes, such as the ffmpeg binary's code that every ffmpeg maps, counted
once in all), which is the memory the machine really gives the tree.

Timed runs alternate, so both sides see the same machine load; the ratio is of the medians. The
memory is taken in runs of its own, watched every 20 ms: measured on 2 cores, the watching made a
preview 15-20 % slower (8.7-10.5 s watched against a median of 7.2 s unwatched).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from storyfilm.mediaio import probe, runner

REPO = Path(__file__).resolve().parents[2]
STORY = REPO / "storyboards" / "ad.yaml"
ROUNDS = int(os.environ.get("BENCH_PREVIEW_ROUNDS", "2"))


def _tree_rss(root: int) -> tuple[int, int]:
    """Resident bytes of `root` and all its descendants, summed (RSS) and proportional (PSS) (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(stat[1]), []).append(pid)
        rss[pid] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    total, pss, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        pss += _pss(pid)
        todo.extend(children.get(pid, []))
    return total, pss


def _pss(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    line = next((row for row in rollup.splitlines() if row.startswith("Pss:")), None)
    return int(line.split()[1]) * 1024 if line else 0


def _run_watched(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, tuple[int, int], int]:
    """(wall seconds, peak tree (RSS, PSS) in bytes, exit code), the tree sampled every 20 ms."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = (0, 0)
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            rss, pss = _tree_rss(proc.pid)
            peak = (max(peak[0], rss), max(peak[1], pss))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    proc.communicate(timeout=600)
    wall = time.perf_counter() - started
    done.set()
    watcher.join()
    return wall, peak, proc.returncode


def _preview(work: Path, *, watched: bool) -> tuple[float, tuple[int, int], Path]:
    """One preview from nothing in a fresh folder: (wall seconds, peak tree (RSS, PSS), the film).
    Timed runs are not watched: the sampler's walks of /proc (and smaps_rollup's page-table walks)
    take CPU from the preview on a 2-core machine, which would time the probe too."""
    folder = Path(tempfile.mkdtemp(prefix="preview-", dir=work))
    for name in ("ad.yaml", "ad-orchard.png", "assets"):
        source = STORY.parent / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    command = [sys.executable, "-m", "storyfilm", "film", "-q", "ad.yaml", "-o", "ad.mp4"]
    if watched:
        wall, peak, code = _run_watched(command, folder, env)
    else:
        started = time.perf_counter()
        code = subprocess.run(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=600).returncode
        wall, peak = time.perf_counter() - started, (0, 0)
    assert code == 0, f"storyfilm film exited {code}"
    return wall, peak, folder / "ad.mp4"


def _plain_encode(work: Path, frames: int, width: int, height: int) -> float:
    """One ffmpeg encode of a film as long and as large: a slow zoom over the first frame."""
    started = time.perf_counter()
    runner.run(["-framerate", "24", "-loop", "1", "-i", str(STORY.parent / "ad-orchard.png"),
                "-vf", f"scale={width}:{height},zoompan=z='1+0.1*on/{frames}':d=1:s={width}x{height}:fps=24",
                "-frames:v", str(frames), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                "-y", str(work / "plain.mp4")], what="encode the plain film")
    return time.perf_counter() - started


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        work = Path(tmp)
        _preview(work, watched=False)  # warm-up: the venv's bytecode, the font and the binaries in the page cache
        previews, plains, peaks = [], [], []
        for _ in range(ROUNDS):
            wall, _, film = _preview(work, watched=False)
            info = probe.probe(film)
            previews.append(wall)
            plains.append(_plain_encode(work, info.frames, info.width, info.height))
        for _ in range(ROUNDS):  # the memory, in runs of its own
            peaks.append(_preview(work, watched=True)[1])
    preview, plain = statistics.median(previews), statistics.median(plains)
    return [(f"ad.yaml preview from nothing ({info.duration:.1f} s, {info.width}x{info.height})",
             f"{preview:.1f} s", ""),
            ("  ÷ one plain ffmpeg encode of the same duration and size", f"{preview / plain:.2f} "
             f"({plain:.1f} s)", "≤ 1.5"),
            ("ad.yaml preview: peak memory of the process tree (sum of RSS)", f"{max(p[0] for p in peaks) / 2**20:.0f} MB",
             "< 250 MB"),
            ("  the same, shared pages counted once (sum of PSS)", f"{max(p[1] for p in peaks) / 2**20:.0f} MB", "")]
