"""Validation of bad input (issue 12): the whole bad corpus, file by file, and hostile YAML.

Each bad storyboard is validated in a fresh process with the media cache empty (the slowest file
is what a user waits for); the hostile cases report wall time and the peak memory the process
grew by to reach the message (targets < 1 s, < 100 MB).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BAD = sorted((REPO / "tests" / "data" / "bad").glob("*.yaml"))
MEASURE = textwrap.dedent("""
    import sys, time
    from storyfilm.errors import StoryboardError
    from storyfilm.mediaio.inputs import load_storyboard
    def status(key):
        return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key))
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # the peak (VmHWM) starts again from what is resident now
    before = status("VmRSS")
    times = []
    for path in sys.argv[1:]:
        started = time.perf_counter()
        try:
            load_storyboard(path)
        except StoryboardError:
            pass
        times.append(time.perf_counter() - started)
    grown = status("VmHWM") - before
    print(" ".join(f"{t:.4f}" for t in times), grown / 1024)
""")


def _measure(paths: list[Path]) -> tuple[list[float], float]:
    """Seconds per file and MB the peak memory grew by, in one fresh process."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *map(str, paths)], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.split()
    return [float(t) for t in out[:-1]], float(out[-1])


def _hostile(folder: Path) -> dict[str, Path]:
    bomb = ["title: T", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 9)]
    texts = {
        "nested aliases (9 levels, 10^9 values)": "\n".join(bomb + ["shots: []"]) + "\n",
        "50 MB storyboard": "title: T\nshots:\n" + "  - {id: a, prompt: A long shot of the sea.}\n" * 1_200_000,
        "nesting 50,000 deep": "title: T\nstyle: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "1.9 MB of values (600,000)": "title: T\nstyle: [" + "1, " * 600_000 + "1]\n",
    }
    paths = {}
    for n, (name, text) in enumerate(texts.items()):
        paths[name] = folder / f"hostile{n}.yaml"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def run() -> list[tuple[str, str, str]]:
    rows = []
    times = []
    for path in BAD:  # one process per file: each starts with nothing decoded
        started = time.perf_counter()
        seconds, _ = _measure([path])
        times.append((seconds[0], path.name, time.perf_counter() - started))
    slowest = max(times)
    rows.append((f"bad corpus: {len(BAD)} files, validation total", f"{sum(t for t, _, _ in times):.2f} s", ""))
    rows.append((f"bad corpus: slowest file ({slowest[1]})", f"{slowest[0]:.3f} s", "< 1 s"))
    rows.append(("bad corpus: slowest as a process (start-up included)", f"{max(p for _, _, p in times):.2f} s", ""))
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in _hostile(Path(tmp)).items():
            seconds, grown = _measure([path])
            rows.append((f"hostile YAML, {name}: time to the message", f"{seconds[0]:.3f} s", "< 1 s"))
            rows.append((f"hostile YAML, {name}: peak memory added", f"{grown:.1f} MB", "< 100 MB"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
